package dev.gale.tune.internal;

import dev.gale.gpu.Allocation;
import dev.gale.gpu.GpuShare;
import dev.gale.gpu.ResourceSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The pieces of {@link IsolatedTrial} that need no child JVM. */
class IsolatedTrialTest {
    @Test
    void classPathEntriesBecomeAbsoluteBecauseTheChildRunsInTheTrialDirectory() {
        String cwd = Path.of("").toAbsolutePath().toString();
        String cp = IsolatedTrial.absoluteClassPath("lib/*" + File.pathSeparator + File.pathSeparator + "/opt/x.jar"
                + File.pathSeparator + "classes");
        assertEquals(String.join(File.pathSeparator, cwd + "/lib/*", "/opt/x.jar", cwd + "/classes"), cp);
    }

    @Test
    void theChildSeesItsGpusRenumberedFromZeroInLeaseOrder() {
        ResourceSpec spec = ResourceSpec.ofCpus(2).withGpus(2);
        Allocation a = new Allocation(spec, 2, 0, List.of(new GpuShare(3, 1, 100), new GpuShare(1, 1, 200)), Map.of());
        assertEquals("3,1", a.cudaVisibleDevices(), "the parent sets CUDA_VISIBLE_DEVICES to the node's indexes");
        Allocation r = IsolatedTrial.renumbered(a);
        assertEquals(List.of(new GpuShare(0, 1, 100), new GpuShare(1, 1, 200)), r.gpus());
        assertEquals("0,1", r.cudaVisibleDevices());
        assertEquals(spec, r.spec());
    }

    @Test
    void theCommandCarriesTheLeaseThreadsAndTheJvmFlags() {
        List<String> cmd = IsolatedTrial.command(4711, 3);
        assertTrue(cmd.get(0).endsWith("/bin/java") && cmd.get(0).startsWith(System.getProperty("java.home")), cmd.get(0));
        assertTrue(cmd.containsAll(List.of("-Xss1m", "--enable-native-access=ALL-UNNAMED", "-Dai.djl.offline=true",
                "-Dai.djl.pytorch.num_threads=3")), cmd.toString());
        assertEquals(Runtime.version().feature() >= 23, cmd.contains("--sun-misc-unsafe-memory-access=allow"));
        assertEquals(List.of(TrialChildMain.class.getName(), "4711"), cmd.subList(cmd.size() - 2, cmd.size()));
    }

    /** Sleeps until killed. */
    public static class Sleeper implements dev.gale.tune.Trainable {
        @Override
        public void train(dev.gale.tune.TrialContext ctx) throws Exception {
            Thread.sleep(120_000);
        }
    }

    @Test
    void aChildWhoseNodeGoesAwayExitsAtOnce(@TempDir Path tmp) throws Exception {
        try (java.net.ServerSocket server = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            ProcessBuilder pb = new ProcessBuilder(IsolatedTrial.command(server.getLocalPort(), 1));
            pb.environment().put(ChildChannel.TOKEN_ENV, "secret");
            pb.redirectErrorStream(true).redirectOutput(tmp.resolve("out.log").toFile());
            Process child = pb.start();
            try {
                server.setSoTimeout(60_000);
                ChildChannel ch = new ChildChannel(server.accept());
                Map<String, Object> hello = ch.read();
                assertEquals("hello", hello.get("t"));
                assertEquals("secret", hello.get("token"));
                assertEquals(child.pid(), ((Number) hello.get("pid")).longValue());
                TrialPayload p = new TrialPayload("trial_00001", 0, Sleeper.class.getName(), Map.of(), tmp.toString(), null, 0, 0);
                Allocation a = new Allocation(ResourceSpec.DEFAULT, 1, 0, List.of(), Map.of());
                ch.send(ChildChannel.msg("start", "payload", p, "allocation", a));
                Thread.sleep(300);
                assertTrue(child.isAlive(), "the trainable sleeps");
                ch.close(); // the node is gone
                assertTrue(child.waitFor(30, java.util.concurrent.TimeUnit.SECONDS), "the orphan exits");
                assertEquals(TrialChildMain.EXIT_ORPHANED, child.exitValue(), Files.readString(tmp.resolve("out.log")));
            } finally {
                child.destroyForcibly();
            }
        }
    }

    @Test
    void theStderrTailIsTheEndOfWhatThisAttemptWrote(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("stderr.log");
        Files.writeString(f, "old attempt\n");
        long from = Files.size(f);
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i <= 30; i++) sb.append("line ").append(i).append('\n');
        Files.writeString(f, sb, java.nio.file.StandardOpenOption.APPEND);
        String tail = IsolatedTrial.tail(f, from);
        assertFalse(tail.contains("old attempt"));
        assertTrue(tail.startsWith("line 11\n") && tail.endsWith("line 30"), tail);
    }
}
