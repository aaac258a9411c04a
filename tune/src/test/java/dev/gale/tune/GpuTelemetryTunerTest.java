package dev.gale.tune;

import dev.gale.cluster.GaleNode;
import dev.gale.cluster.NodeConfig;
import dev.gale.gpu.GpuDevice;
import dev.gale.gpu.GpuTelemetry;
import dev.gale.gpu.NodeInventory;
import dev.gale.gpu.ResourceSpec;
import dev.gale.tune.search.Domains;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static dev.gale.tune.TuneTestSupport.readJsonl;
import static org.junit.jupiter.api.Assertions.*;

/**
 * GPU telemetry through real Tuner runs: a fake {@code nvidia-smi} says GPU 0 is 55 % busy with
 * 6000 MiB used, 3000 MiB of it by the process whose pid is in {@link #pidFile}.
 */
@DisabledOnOs(OS.WINDOWS)
public class GpuTelemetryTunerTest {
    static final long GIB = 1L << 30;
    static GaleNode node;
    static Path dir;
    static Path pidFile;

    @BeforeAll
    static void start() throws IOException {
        dir = Files.createTempDirectory("gale-telemetry");
        pidFile = dir.resolve("gpu-process.pid");
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path smi = bin.resolve("nvidia-smi");
        Files.writeString(smi, """
                #!/bin/sh
                if [ "$1" = "--query-gpu=index,uuid,utilization.gpu,memory.used,memory.total" ]; then
                  printf '%%s\\n' '0, GPU-aaa, 55, 6000, 40960'
                  printf '%%s\\n' '1, GPU-bbb, 10, 100, 40960'
                  exit 0
                fi
                if [ "$1" = "--query-compute-apps=pid,gpu_uuid,used_memory" ]; then
                  if [ -f '%s' ]; then
                    read pid < '%s'
                    printf '%%s\\n' "$pid, GPU-aaa, 3000"
                    echo sampled >> '%s.seen'
                  fi
                  printf '%%s\\n' '1, GPU-aaa, 3000'
                  exit 0
                fi
                echo "unexpected arguments: $*" >&2
                exit 2
                """.formatted(pidFile, pidFile, pidFile));
        assertTrue(smi.toFile().setExecutable(true));
        GpuTelemetry.configureShared(Map.of("PATH", bin.toString()), Duration.ofMillis(50));
        List<GpuDevice> gpus = List.of(new GpuDevice(0, "GPU-aaa", "Fake GPU", 40 * GIB, 0, 0),
                new GpuDevice(1, "GPU-bbb", "Fake GPU", 40 * GIB, 0, 0));
        node = GaleNode.start(NodeConfig.embedded().withInventory(new NodeInventory(4, 4 * GIB, gpus, Map.of())));
    }

    @AfterAll
    static void stop() {
        node.close();
        GpuTelemetry.configureShared(System.getenv(), GpuTelemetry.DEFAULT_INTERVAL);
    }

    static long num(Map<String, Object> m, String k) {
        assertTrue(m.containsKey(k), k + " missing from " + m);
        return ((Number) m.get(k)).longValue();
    }

    @Test
    void resultsCarryUtilizationAndMemoryOfTheLeasedGpu(@TempDir Path tmp) {
        ResultGrid g = Tuner.builder(ctx -> {
                    for (int i = 1; i <= 2; i++) ctx.report(Map.of("i", i));
                })
                .tuneConfig(TuneConfig.builder().numSamples(1).build())
                .resources(ResourceSpec.ofCpus(1).withGpus(0.5).withGpuMemory(4 * GIB))
                .runConfig(TuneTestSupport.quiet("alone", tmp))
                .node(node)
                .build().fit();
        TrialSummary t = g.trials().get(0);
        assertEquals(TrialStatus.TERMINATED, t.status(), g.table());
        List<Map<String, Object>> rows = readJsonl(t.trialDir().resolve("result.jsonl"));
        assertEquals(2, rows.size());
        for (Map<String, Object> r : rows) {
            // the only lessee of GPU 0: the device's 6000 MiB against its 4 GiB budget
            assertEquals(55.0, ((Number) r.get("gpu0_util_pct")).doubleValue(), 0);
            assertEquals(6000, num(r, "gpu0_mem_used_mb"));
            assertEquals(4096, num(r, "gpu0_mem_budget_mb"));
            assertEquals(Boolean.TRUE, r.get("gpu_mem_over_budget"));
            assertFalse(r.containsKey("gpu1_util_pct"), "only the leased GPU: " + r);
        }
    }

    static final CountDownLatch BOTH = new CountDownLatch(2);
    static final CountDownLatch REPORTED = new CountDownLatch(2);

    @Test
    void twoLesseesOfOneGpuShareTheSumOfTheirBudgets(@TempDir Path tmp) {
        ResultGrid g = Tuner.builder(ctx -> {
                    BOTH.countDown();
                    assertTrue(BOTH.await(60, TimeUnit.SECONDS), "both trials run at once");
                    ctx.report(Map.of("i", 1));
                    REPORTED.countDown(); // stay a lessee until the other trial has reported too
                    assertTrue(REPORTED.await(60, TimeUnit.SECONDS));
                })
                .paramSpace(Map.of("k", Domains.gridSearch(1, 2)))
                .tuneConfig(TuneConfig.builder().maxConcurrentTrials(2).build())
                .resources(ResourceSpec.ofCpus(1).withGpus(0.5).withGpuMemory(4 * GIB))
                .runConfig(TuneTestSupport.quiet("shared", tmp))
                .node(node)
                .build().fit();
        assertEquals(2, g.count(TrialStatus.TERMINATED), g.table());
        for (TrialSummary t : g.trials()) {
            Map<String, Object> r = t.lastResult();
            assertEquals(6000, num(r, "gpu0_mem_used_mb"));
            assertEquals(8192, num(r, "gpu0_mem_budget_mb"), "both shares packed on GPU 0: budgets add up");
            assertEquals(Boolean.FALSE, r.get("gpu_mem_over_budget"));
        }
    }

    @Test
    void overBudgetStopsTheAttemptWhenAsked(@TempDir Path tmp) {
        ResultGrid g = Tuner.builder(ctx -> {
                    for (int i = 1; i <= 200; i++) {
                        ctx.report(Map.of("i", i));
                        Thread.sleep(5);
                    }
                })
                .tuneConfig(TuneConfig.builder().numSamples(1).maxFailures(1).build())
                .resources(ResourceSpec.ofCpus(1).withGpus(0.5).withGpuMemory(4 * GIB))
                .runConfig(TuneTestSupport.quiet("stop", tmp).withStopOnGpuMemoryOverBudget(true))
                .node(node)
                .build().fit();
        TrialSummary t = g.trials().get(0);
        assertEquals(TrialStatus.ERROR, t.status(), g.table());
        assertEquals(2, t.attempts(), "a failed attempt, retried per maxFailures");
        assertTrue(t.error().contains("6000 MiB") && t.error().contains("budget of 4096 MiB"), t.error());
        assertTrue(t.iterations() < 200, "stopped early: " + t.iterations());
    }

    /** Writes its pid where the fake nvidia-smi lists it with 3000 MiB on GPU 0, then reports. */
    public static class GpuUser implements Trainable {
        @Override
        public void train(TrialContext ctx) throws Exception {
            Path pid = Path.of(ctx.config().getString("pidfile"));
            Files.writeString(pid, Long.toString(ProcessHandle.current().pid()));
            // report once the telemetry has sampled with the pid there: the fake nvidia-smi notes each
            // such sample; the second one starts only after the first was read (a fixed 300 ms was
            // not always enough on a loaded machine)
            Path seen = Path.of(pid + ".seen");
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
            while (!Files.exists(seen) || Files.readAllLines(seen).size() < 2) {
                if (System.nanoTime() > deadline) throw new IllegalStateException("the telemetry did not sample within 60 s of " + pid);
                Thread.sleep(20);
            }
            for (int i = 1; i <= 2; i++) ctx.report(Map.of("i", i));
        }
    }

    @Test
    void anIsolatedTrialIsJudgedByItsOwnProcessMemory(@TempDir Path tmp) throws IOException {
        try {
            ResultGrid g = Tuner.builder(GpuUser.class)
                    .paramSpace(Map.of("pidfile", pidFile.toString()))
                    .tuneConfig(TuneConfig.builder().numSamples(1).build())
                    .resources(ResourceSpec.ofCpus(1).withGpus(0.5).withGpuMemory(4 * GIB))
                    .runConfig(TuneTestSupport.quiet("process", tmp).withIsolation(Isolation.PROCESS)
                            .withStopOnGpuMemoryOverBudget(true))
                    .node(node)
                    .build().fit();
            TrialSummary t = g.trials().get(0);
            assertEquals(TrialStatus.TERMINATED, t.status(), g.table());
            Map<String, Object> r = t.lastResult();
            assertEquals(3000, num(r, "gpu0_mem_used_mb"), "its own process's memory, not the device's 6000 MiB");
            assertEquals(4096, num(r, "gpu0_mem_budget_mb"));
            assertEquals(Boolean.FALSE, r.get("gpu_mem_over_budget"));
            assertEquals(55.0, ((Number) r.get("gpu0_util_pct")).doubleValue(), 0);
        } finally {
            Files.deleteIfExists(pidFile);
            Files.deleteIfExists(Path.of(pidFile + ".seen"));
        }
    }
}
