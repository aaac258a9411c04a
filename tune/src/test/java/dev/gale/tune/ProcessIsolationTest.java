package dev.gale.tune;

import ai.djl.Device;
import dev.gale.cluster.GaleNode;
import dev.gale.cluster.NodeConfig;
import dev.gale.gpu.GpuDevice;
import dev.gale.gpu.NodeInventory;
import dev.gale.gpu.ResourceSpec;
import dev.gale.tune.internal.DefineByRun;
import dev.gale.tune.internal.ParamMessages;
import dev.gale.tune.search.Domains;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.gale.tune.TuneTestSupport.read;
import static org.junit.jupiter.api.Assertions.*;

/**
 * {@link Isolation#PROCESS}: each attempt runs in a child JVM with the lease's environment; crashes
 * fail only that attempt; stop requests reach the child.
 */
@DisabledOnOs(OS.WINDOWS)
public class ProcessIsolationTest {
    static final long GIB = 1L << 30;
    static GaleNode node;

    @BeforeAll
    static void start() {
        List<GpuDevice> gpus = List.of(new GpuDevice(0, "GPU-aaa", "Fake GPU", 40 * GIB, 0, 0),
                new GpuDevice(1, "GPU-bbb", "Fake GPU", 40 * GIB, 0, 0));
        node = GaleNode.start(NodeConfig.embedded().withInventory(new NodeInventory(4, 4 * GIB, gpus, Map.of())));
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    static RunConfig isolated(String name, Path tmp) {
        return TuneTestSupport.quiet(name, tmp).withIsolation(Isolation.PROCESS);
    }

    static String env(String name) {
        String v = System.getenv(name);
        return v == null ? "<unset>" : v;
    }

    /** Reports what its JVM sees; asks one define-by-run parameter; checkpoints at step 2. */
    public static class EnvTrainable implements Trainable {
        @Override
        public void train(TrialContext ctx) {
            System.out.println("out-line of " + ctx.trialId());
            System.err.println("err-line of " + ctx.trialId());
            Object extra = ((DefineByRun) ctx).parameter("extra", new ParamMessages.ParamSpec("uniform", 0, 1, 0, null));
            for (int step = 1; step <= 3; step++) {
                Map<String, Object> m = new java.util.LinkedHashMap<>();
                m.put("step", step);
                m.put("pid", ProcessHandle.current().pid());
                m.put("cuda", env("CUDA_VISIBLE_DEVICES"));
                m.put("omp", env("OMP_NUM_THREADS"));
                m.put("torch_threads", String.valueOf(System.getProperty("ai.djl.pytorch.num_threads")));
                m.put("lease_gpus", ctx.resources().cudaVisibleDevices());
                m.put("lease_gpu_count", ctx.resources().gpus().size());
                m.put("device", ctx.device().toString());
                m.put("extra", extra);
                ctx.report(m, step == 2 ? Checkpoint.ofData(Map.of("step", step)) : null);
            }
        }
    }

    @Test
    void eachAttemptRunsInAChildJvmThatSeesOnlyItsGpus(@TempDir Path tmp) {
        ResultGrid g = Tuner.builder(EnvTrainable.class)
                .paramSpace(Map.of("k", Domains.gridSearch(1, 2)))
                .tuneConfig(TuneConfig.builder().metric("step").mode(Mode.MAX).maxConcurrentTrials(2).build())
                .resources(ResourceSpec.ofCpus(1).withGpus(1))
                .runConfig(isolated("env", tmp))
                .node(node)
                .build().fit();
        assertEquals(2, g.count(TrialStatus.TERMINATED), g.table());
        for (TrialSummary t : g.trials()) {
            Map<String, Object> r = t.lastResult();
            assertEquals(3, t.iterations());
            assertNotEquals(ProcessHandle.current().pid(), ((Number) r.get("pid")).longValue(), "ran in another JVM");
            assertTrue(Set.of("0", "1").contains(r.get("cuda")), "CUDA_VISIBLE_DEVICES is the leased GPU: " + r);
            assertEquals("1", r.get("omp"));
            assertEquals("1", r.get("torch_threads"));
            assertEquals("0", r.get("lease_gpus"), "the child sees its GPU renumbered from 0");
            assertEquals(1, ((Number) r.get("lease_gpu_count")).intValue());
            assertEquals(Device.gpu(0).toString(), r.get("device"));
            assertTrue(t.config().containsKey("extra"), "define-by-run parameter recorded: " + t.config());
            assertEquals(((Number) t.config().get("extra")).doubleValue(), ((Number) r.get("extra")).doubleValue(), 0);
            assertEquals(2, ((Number) t.lastCheckpoint().orElseThrow().loadData().get("step")).intValue(),
                    "the child's checkpoint was copied into the trial directory");
            assertTrue(read(t.trialDir().resolve("stdout.log")).contains("out-line of " + t.trialId()));
            assertTrue(read(t.trialDir().resolve("stderr.log")).contains("err-line of " + t.trialId()));
        }
    }

    /** {@code mode}: ok (reports its CUDA_VISIBLE_DEVICES), halt (on attempt 0, after a checkpoint), throw (always). */
    public static class CrashingTrainable implements Trainable {
        @Override
        public void train(TrialContext ctx) {
            String mode = ctx.config().getString("mode");
            int from = ctx.checkpoint().map(c -> ((Number) c.loadData().get("step")).intValue()).orElse(0);
            for (int step = from + 1; step <= 3; step++) {
                if (mode.equals("throw")) throw new IllegalStateException("boom in child, attempt " + ctx.attempt());
                if (mode.equals("halt") && ctx.attempt() == 0 && step == 2) {
                    System.err.println("about to halt the JVM");
                    System.err.flush();
                    Runtime.getRuntime().halt(134);
                }
                ctx.report(Map.of("step", step, "cuda", env("CUDA_VISIBLE_DEVICES"), "attempt", ctx.attempt()),
                        Checkpoint.ofData(Map.of("step", step)));
            }
        }
    }

    @Test
    void aCrashOrThrowFailsOnlyThatAttempt(@TempDir Path tmp) {
        ResultGrid g = Tuner.builder(CrashingTrainable.class)
                .paramSpace(Map.of("mode", Domains.gridSearch("ok", "halt", "throw")))
                .tuneConfig(TuneConfig.builder().metric("step").mode(Mode.MAX).maxFailures(1).maxConcurrentTrials(3).build())
                .runConfig(isolated("crash", tmp))
                .node(node)
                .build().fit();
        TrialSummary ok = byMode(g, "ok");
        TrialSummary halt = byMode(g, "halt");
        TrialSummary thr = byMode(g, "throw");

        assertEquals(TrialStatus.TERMINATED, ok.status(), g.table());
        assertEquals(1, ok.attempts());
        assertEquals("", ok.lastResult().get("cuda"), "no GPU in the lease: CUDA_VISIBLE_DEVICES is empty");

        assertEquals(TrialStatus.TERMINATED, halt.status(), g.table());
        assertEquals(2, halt.attempts());
        assertEquals(3, halt.iterations(), "attempt 1 resumed from the checkpoint of step 1");
        assertEquals(1, ((Number) halt.lastResult().get("attempt")).intValue());
        String err = read(halt.trialDir().resolve("error.txt"));
        assertTrue(err.contains("exited with code 134"), err);
        assertTrue(err.contains("about to halt the JVM"), "the error quotes the tail of stderr: " + err);

        assertEquals(TrialStatus.ERROR, thr.status(), g.table());
        assertEquals(2, thr.attempts(), "retried per maxFailures");
        assertTrue(thr.error().contains("boom in child, attempt 1"), thr.error());
        String terr = read(thr.trialDir().resolve("error.txt"));
        assertTrue(terr.contains("boom in child, attempt 0") && terr.contains("\tat "), "the child's stack trace: " + terr);
    }

    static TrialSummary byMode(ResultGrid g, String mode) {
        return g.trials().stream().filter(t -> mode.equals(t.config().get("mode"))).findFirst().orElseThrow();
    }

    @Test
    void anInstanceCannotBeIsolated(@TempDir Path tmp) {
        ResultGrid g = Tuner.builder(ctx -> ctx.report(Map.of("x", 1)))
                .tuneConfig(TuneConfig.builder().numSamples(1).build())
                .runConfig(isolated("lambda", tmp))
                .node(node)
                .build().fit();
        TrialSummary t = g.trials().get(0);
        assertEquals(TrialStatus.ERROR, t.status());
        assertTrue(t.error().contains("pass a public Trainable class") && t.error().contains("Isolation.THREAD"), t.error());
    }

    /** mode forever: reports until stopped; mode deaf: writes its pid, then ignores everything. */
    public static class StubbornTrainable implements Trainable {
        @Override
        public void train(TrialContext ctx) throws Exception {
            if (ctx.config().getString("mode").equals("forever")) {
                for (int i = 1; ; i++) {
                    ctx.report(Map.of("i", i));
                    Thread.sleep(5);
                }
            }
            Files.writeString(ctx.trialDir().resolve("pid.txt"), Long.toString(ProcessHandle.current().pid()));
            while (true) {
                try {
                    Thread.sleep(60_000);
                } catch (InterruptedException ignored) {
                    System.err.println("interrupted, ignoring it");
                }
            }
        }
    }

    @Test
    void aStopReachesTheChild(@TempDir Path tmp) {
        ResultGrid g = Tuner.builder(StubbornTrainable.class)
                .paramSpace(Map.of("mode", "forever"))
                .tuneConfig(TuneConfig.builder().numSamples(1).stopper(Stopper.maxIterations(3)).build())
                .runConfig(isolated("stop", tmp))
                .node(node)
                .build().fit();
        TrialSummary t = g.trials().get(0);
        assertEquals(TrialStatus.TERMINATED, t.status(), g.table());
        assertEquals(3, t.iterations());
    }

    @Test
    void aChildThatIgnoresTheStopIsDestroyedAfterTheGracePeriod(@TempDir Path tmp) throws Exception {
        // The time budget runs on a clock moved by hand once the child wrote its pid: on a loaded
        // machine a budget of real seconds ran out before the child JVM had started.
        dev.gale.cluster.testkit.ManualClock clock = new dev.gale.cluster.testkit.ManualClock(java.time.Instant.ofEpochMilli(1_700_000_000_000L));
        java.util.concurrent.CompletableFuture<ResultGrid> run = java.util.concurrent.CompletableFuture.supplyAsync(() ->
                Tuner.builder(StubbornTrainable.class)
                        .paramSpace(Map.of("mode", "deaf"))
                        .tuneConfig(TuneConfig.builder().numSamples(1).timeBudget(Duration.ofSeconds(4)).build())
                        .runConfig(isolated("deaf", tmp).withStopGracePeriod(Duration.ofMillis(500)))
                        .node(node)
                        .clock(clock)
                        .build().fit());
        Path pidFile = tmp.resolve("deaf").resolve("trial_00001").resolve("pid.txt");
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (!Files.exists(pidFile)) {
            assertFalse(run.isDone(), "the run ended before the child wrote " + pidFile);
            assertTrue(System.nanoTime() < deadline, "the child JVM did not write " + pidFile + " within 120 s");
            Thread.sleep(50);
        }
        clock.advance(Duration.ofSeconds(5));
        ResultGrid g = run.get(120, java.util.concurrent.TimeUnit.SECONDS);
        TrialSummary t = g.trials().get(0);
        assertEquals(TrialStatus.TERMINATED, t.status(), g.table());
        long pid = Long.parseLong(Files.readString(t.trialDir().resolve("pid.txt")).strip());
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "the child JVM is gone");
        assertTrue(read(t.trialDir().resolve("stderr.log")).contains("interrupted, ignoring it"),
                "the cancel interrupted the trainable's thread in the child first");
    }
}
