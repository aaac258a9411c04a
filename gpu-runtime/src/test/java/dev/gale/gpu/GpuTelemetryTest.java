package dev.gale.gpu;

import dev.gale.gpu.internal.NvidiaSmi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

@DisabledOnOs(OS.WINDOWS)
class GpuTelemetryTest {
    private static final long MIB = 1L << 20;

    /**
     * A fake nvidia-smi answering the two telemetry queries (and nothing else); each call appends a
     * line to {@code calls}. Per-process memory: pid 4242 holds 3000 MiB on GPU 0, pid {@code self}
     * 500 MiB on GPU 1.
     */
    static String fake(Path calls, long self) {
        return """
                #!/bin/sh
                echo "$1" >> '%s'
                if [ "$1" = "--query-gpu=index,uuid,utilization.gpu,memory.used,memory.total" ] && [ "$2" = "--format=csv,noheader,nounits" ]; then
                  printf '%%s\\n' '0, GPU-aaa, 87, 6000, 40960'
                  printf '%%s\\n' '1, GPU-bbb, [N/A], 500, 40960'
                  exit 0
                fi
                if [ "$1" = "--query-compute-apps=pid,gpu_uuid,used_memory" ] && [ "$2" = "--format=csv,noheader,nounits" ]; then
                  printf '%%s\\n' '4242, GPU-aaa, 3000'
                  printf '%%s\\n' '%d, GPU-bbb, 500'
                  exit 0
                fi
                echo "unexpected arguments: $*" >&2
                exit 2
                """.formatted(calls, self);
    }

    static Map<String, String> withScript(Path dir, String body) throws IOException {
        Files.createDirectories(dir);
        Path p = dir.resolve("nvidia-smi");
        Files.writeString(p, body);
        assertTrue(p.toFile().setExecutable(true));
        return Map.of("PATH", dir.toString());
    }

    @Test
    void parsesTelemetryAndComputeApps() {
        assertEquals(List.of(new GpuTelemetry.GpuSample(0, "GPU-a", 87, 6000 * MIB, 40960 * MIB),
                        new GpuTelemetry.GpuSample(1, "GPU-b", 0, 0, 81559 * MIB)),
                NvidiaSmi.parseTelemetry("0, GPU-a, 87, 6000, 40960\n\n1, GPU-b, [N/A], [N/A], 81559\r\n"));
        assertEquals(List.of(new GpuTelemetry.ProcessMemory(12, "GPU-a", 3 * MIB), new GpuTelemetry.ProcessMemory(13, "GPU-b", 0)),
                NvidiaSmi.parseComputeApps("12, GPU-a, 3\n13, GPU-b, [N/A]\n"));
        assertEquals(List.of(), NvidiaSmi.parseComputeApps(""));
        assertEquals(List.of(), NvidiaSmi.parseComputeApps("No running processes found\n"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NvidiaSmi.parseTelemetry("0, GPU-a, 87, 6000\n"));
        assertTrue(e.getMessage().contains("expected 5"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> NvidiaSmi.parseTelemetry("0, GPU-a, 187, 6000, 1\n"));
        assertTrue(e.getMessage().contains("utilization.gpu"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> NvidiaSmi.parseComputeApps("x, GPU-a, 3\n"));
        assertTrue(e.getMessage().contains("pid 'x'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> NvidiaSmi.parseComputeApps("1, GPU-a, 3 MiB\n"));
        assertTrue(e.getMessage().contains("used_memory"), e.getMessage());
    }

    @Test
    void samplesWhileWatchedAndAppliesTheBudgetRule(@TempDir Path tmp) throws Exception {
        Path calls = tmp.resolve("calls.txt");
        long self = ProcessHandle.current().pid();
        Map<String, String> env = withScript(tmp.resolve("bin"), fake(calls, self));
        try (GpuTelemetry t = new GpuTelemetry(env, Duration.ofMillis(50))) {
            assertTrue(t.available());
            assertTrue(t.latest().isEmpty(), "nothing is sampled before a watch");
            assertFalse(t.sampling());

            // GPU 0: a 4 GiB share, alone on the device: the device total (6000 MiB) is over 4096 MiB
            GpuTelemetry.Watch a = t.watch(List.of(new GpuShare(0, 0.5, 4096 * MIB)));
            assertTrue(t.latest().isPresent(), "watch samples at once");
            assertTrue(t.sampling());
            List<GpuTelemetry.GpuUsage> ua = a.usage();
            assertEquals(List.of(new GpuTelemetry.GpuUsage(0, 0, 87, 6000 * MIB, 4096 * MIB, GpuTelemetry.Basis.DEVICE)), ua);
            assertTrue(ua.get(0).overBudget());

            // a second lessee of GPU 0: both are judged against the sum of budgets (4096 + 4096 MiB): not over
            GpuTelemetry.Watch b = t.watch(List.of(new GpuShare(0, 0.5, 4096 * MIB)));
            assertEquals(GpuTelemetry.Basis.SHARED_DEVICE, a.usage().get(0).basis());
            assertEquals(8192 * MIB, a.usage().get(0).memoryBudgetBytes());
            assertFalse(a.usage().get(0).overBudget());
            assertFalse(b.usage().get(0).overBudget());

            // per process: b runs in a process nvidia-smi does not list on GPU 0: uses 0
            b.attachProcess(ProcessHandle.current());
            assertEquals(new GpuTelemetry.GpuUsage(0, 0, 87, 0, 4096 * MIB, GpuTelemetry.Basis.PROCESS), b.usage().get(0));
            b.close();
            assertEquals(GpuTelemetry.Basis.DEVICE, a.usage().get(0).basis(), "b closed: a is alone again");

            // this process holds 500 MiB on GPU 1 (position 1 of the lease); over a 256 MiB budget
            GpuTelemetry.Watch c = t.watch(List.of(new GpuShare(0, 1, 40960 * MIB), new GpuShare(1, 1, 256 * MIB)));
            c.attachProcess(ProcessHandle.current());
            List<GpuTelemetry.GpuUsage> uc = c.usage();
            assertEquals(2, uc.size());
            assertEquals(new GpuTelemetry.GpuUsage(1, 1, 0, 500 * MIB, 256 * MIB, GpuTelemetry.Basis.PROCESS), uc.get(1));
            assertTrue(uc.get(1).overBudget());
            assertFalse(uc.get(0).overBudget());
            assertEquals(500 * MIB, t.latest().orElseThrow().processMemory("GPU-bbb", Set.of(self)));

            // the sampler keeps sampling every 50 ms while watched ...
            // (waited for with a deadline, not a fixed sleep: on a loaded machine each nvidia-smi
            // start can take longer than the period)
            int before = Files.readAllLines(calls).size();
            long sampledBy = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (Files.readAllLines(calls).size() < before + 4 && System.nanoTime() < sampledBy) Thread.sleep(50);
            assertTrue(Files.readAllLines(calls).size() >= before + 4, "sampled while watched");
            // ... and stops when nothing is watched
            a.close();
            c.close();
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (t.sampling() && System.nanoTime() < deadline) Thread.sleep(20);
            assertFalse(t.sampling(), "sampler thread ends with the last watch");
            int after = Files.readAllLines(calls).size();
            Thread.sleep(300);
            assertEquals(after, Files.readAllLines(calls).size(), "no sampling without watches");
        }
    }

    @Test
    void withoutNvidiaSmiNothingRuns(@TempDir Path tmp) {
        try (GpuTelemetry t = new GpuTelemetry(Map.of("PATH", tmp.toString()), Duration.ofMillis(50))) {
            assertFalse(t.available());
            GpuTelemetry.Watch w = t.watch(List.of(new GpuShare(0, 1, 1024)));
            assertFalse(t.sampling());
            assertTrue(t.latest().isEmpty());
            assertEquals(List.of(), w.usage());
            w.close();
        }
    }

    @Test
    void failingNvidiaSmiKeepsNoSampleAndNeverThrows(@TempDir Path tmp) throws IOException {
        Map<String, String> env = withScript(tmp.resolve("bin"), "#!/bin/sh\necho 'driver gone' >&2\nexit 9\n");
        try (GpuTelemetry t = new GpuTelemetry(env, Duration.ofMillis(50))) {
            GpuTelemetry.Watch w = t.watch(List.of(new GpuShare(0, 1, 1024)));
            assertTrue(t.latest().isEmpty());
            assertEquals(List.of(), w.usage());
            w.close();
        }
    }

    @Test
    void rejectsBadArguments() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new GpuTelemetry(Map.of(), Duration.ofMillis(1)));
        assertTrue(e.getMessage().startsWith("interval"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new GpuTelemetry(null, Duration.ofSeconds(1)));
        assertTrue(e.getMessage().startsWith("env"), e.getMessage());
    }
}
