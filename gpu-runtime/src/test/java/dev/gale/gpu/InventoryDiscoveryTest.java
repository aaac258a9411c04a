package dev.gale.gpu;

import dev.gale.gpu.internal.NvidiaSmi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

@DisabledOnOs(OS.WINDOWS)
class InventoryDiscoveryTest {
    private static final long MIB = 1L << 20;

    /** A fake nvidia-smi that insists on the exact query and prints two GPUs; uses shell builtins only. */
    private static final String FAKE_SMI = """
            #!/bin/sh
            if [ $# -ne 2 ] \\
               || [ "$1" != "--query-gpu=index,uuid,name,memory.total,memory.used,utilization.gpu" ] \\
               || [ "$2" != "--format=csv,noheader,nounits" ]; then
              echo "unexpected arguments: $*" >&2
              exit 2
            fi
            printf '%s\\n' '0, GPU-aaa, NVIDIA A100-SXM4-40GB, 40960, 0, 3'
            printf '%s\\n' '1, GPU-bbb, NVIDIA A100-SXM4-40GB, 40960, 2048, [N/A]'
            """;

    private static Path script(Path dir, String body) throws IOException {
        Files.createDirectories(dir);
        Path p = dir.resolve("nvidia-smi");
        Files.writeString(p, body);
        assertTrue(p.toFile().setExecutable(true));
        return p;
    }

    private static Map<String, String> pathOf(Path... dirs) {
        StringBuilder sb = new StringBuilder();
        for (Path d : dirs) {
            if (!sb.isEmpty()) sb.append(File.pathSeparator);
            sb.append(d);
        }
        return Map.of("PATH", sb.toString());
    }

    @Test
    void findsTwoGpusWithFakeNvidiaSmiFirstOnPath(@TempDir Path tmp) throws IOException {
        script(tmp.resolve("bin"), FAKE_SMI);
        // a second, broken one later on PATH must not be used
        script(tmp.resolve("later"), "#!/bin/sh\nexit 1\n");
        NodeInventory inv = InventoryDiscovery.discover(pathOf(tmp.resolve("empty"), tmp.resolve("bin"), tmp.resolve("later")));
        assertEquals(List.of(
                new GpuDevice(0, "GPU-aaa", "NVIDIA A100-SXM4-40GB", 40960 * MIB, 0, 3),
                new GpuDevice(1, "GPU-bbb", "NVIDIA A100-SXM4-40GB", 40960 * MIB, 2048 * MIB, 0)), inv.gpus());
        assertEquals(Runtime.getRuntime().availableProcessors(), inv.cpus());
        assertTrue(inv.memoryBytes() > 0, "total memory should be known on this JVM");
        assertEquals(Map.of(), inv.custom());
        assertEquals(inv.gpus(), InventoryDiscovery.sampleGpus(pathOf(tmp.resolve("bin"))));
    }

    @Test
    void noNvidiaSmiOnPathMeansNoGpus(@TempDir Path tmp) throws IOException {
        Path notExecutable = tmp.resolve("noexec");
        Files.createDirectories(notExecutable);
        Files.writeString(notExecutable.resolve("nvidia-smi"), FAKE_SMI); // not executable: skipped
        Files.createDirectories(tmp.resolve("dir").resolve("nvidia-smi")); // a directory: skipped
        Map<String, String> env = pathOf(tmp, notExecutable, tmp.resolve("dir"), tmp.resolve("missing"));
        assertTrue(NvidiaSmi.locate(env).isEmpty());
        NodeInventory inv = InventoryDiscovery.discover(env);
        assertEquals(List.of(), inv.gpus());
        assertEquals(Runtime.getRuntime().availableProcessors(), inv.cpus());
        assertEquals(List.of(), InventoryDiscovery.discover(Map.of()).gpus(), "no PATH at all");
        assertEquals(List.of(), InventoryDiscovery.discover(Map.of("PATH", "")).gpus());
    }

    @Test
    void failingNvidiaSmiMeansNoGpus(@TempDir Path tmp) throws IOException {
        script(tmp, "#!/bin/sh\necho 'NVIDIA-SMI has failed because it could not communicate with the NVIDIA driver.'\nexit 9\n");
        assertTrue(NvidiaSmi.locate(pathOf(tmp)).isPresent());
        assertEquals(List.of(), InventoryDiscovery.discover(pathOf(tmp)).gpus());
        assertEquals(List.of(), InventoryDiscovery.sampleGpus(pathOf(tmp)));
        IOException e = assertThrows(IOException.class, () -> NvidiaSmi.query(NvidiaSmi.locate(pathOf(tmp)).get(),
                pathOf(tmp), Duration.ofSeconds(10)));
        assertTrue(e.getMessage().contains("exit status 9"), e.getMessage());
        assertTrue(e.getMessage().contains("could not communicate"), e.getMessage());
    }

    @Test
    void garbageFromNvidiaSmiMeansNoGpus(@TempDir Path tmp) throws IOException {
        script(tmp, "#!/bin/sh\necho 'Segmentation fault? no: just, some, words'\n");
        assertEquals(List.of(), InventoryDiscovery.discover(pathOf(tmp)).gpus());
        assertThrows(IllegalArgumentException.class, () -> NvidiaSmi.query(NvidiaSmi.locate(pathOf(tmp)).get(),
                pathOf(tmp), Duration.ofSeconds(10)));
    }

    @Test
    void hangingNvidiaSmiIsKilledAfterTimeout(@TempDir Path tmp) throws IOException {
        // `read` blocks on a fifo nobody writes: a builtin, so no PATH is needed and no child outlives the kill
        Path fifo = tmp.resolve("fifo");
        script(tmp.resolve("bin"), "#!/bin/sh\nread x < '" + fifo + "'\n");
        Process mk = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
        try {
            assertEquals(0, mk.waitFor());
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        Path exe = tmp.resolve("bin").resolve("nvidia-smi");
        long t0 = System.nanoTime();
        IOException e = assertThrows(IOException.class,
                () -> NvidiaSmi.query(exe, pathOf(tmp.resolve("bin")), Duration.ofMillis(300)));
        assertTrue(e.getMessage().contains("no answer within 300 ms"), e.getMessage());
        assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(9).toNanos(), "should not wait for the script");
    }

    @Test
    void overridesReplaceOnlyWhatIsGiven() {
        GpuDevice g = new GpuDevice(0, "GPU-a", "T4", 16L << 30, 0, 0);
        NodeInventory base = new NodeInventory(8, 32L << 30, List.of(g), Map.of("license", 1.0, "ssd", 1.0));
        assertEquals(base, InventoryDiscovery.withOverrides(base, null, null, null));
        assertEquals(base, InventoryDiscovery.withOverrides(base, null, null, Map.of()));
        NodeInventory o = InventoryDiscovery.withOverrides(base, 4.0, 8L << 30, Map.of("license", 3.0, "fpga", 2.0));
        assertEquals(new NodeInventory(4, 8L << 30, List.of(g), Map.of("license", 3.0, "ssd", 1.0, "fpga", 2.0)), o);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> InventoryDiscovery.withOverrides(base, -1.0, null, null));
        assertTrue(e.getMessage().startsWith("cpus"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> InventoryDiscovery.withOverrides(base, null, null, Map.of("fpga", -2.0)));
        assertTrue(e.getMessage().startsWith("custom.fpga"), e.getMessage());
    }

    @Test
    void inventoryRejectsDuplicateGpuIndexes() {
        GpuDevice g = new GpuDevice(0, "GPU-a", "T4", 16L << 30, 0, 0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new NodeInventory(1, 0, List.of(g, g), Map.of()));
        assertTrue(e.getMessage().startsWith("gpus"), e.getMessage());
    }
}
