package dev.gale.tune.multinode;

import com.typesafe.config.ConfigFactory;
import dev.gale.cluster.ClusterStatus;
import dev.gale.cluster.GaleNode;
import dev.gale.cluster.testkit.FakeNvidiaSmi;
import dev.gale.cluster.testkit.JvmProcess;
import dev.gale.cluster.testkit.NodeProcess;
import dev.gale.gpu.ResourceSpec;
import dev.gale.tune.Mode;
import dev.gale.tune.ResultGrid;
import dev.gale.tune.RunConfig;
import dev.gale.tune.TrialStatus;
import dev.gale.tune.TrialSummary;
import dev.gale.tune.TuneConfig;
import dev.gale.tune.Tuner;
import dev.gale.tune.search.Domains;
import dev.gale.tune.search.Searchers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real three-node cluster of JVMs on 127.0.0.1 (a head and a CPU node with 2 CPUs each, a node
 * whose fake {@code nvidia-smi} gives it two 16 GiB GPUs) driven from this JVM as a client:
 * CPU and GPU trials are placed by resources, a worker killed with {@code kill -9} and a worker
 * frozen and thawed (a partition that heals) cost no trial and no duplicate result, and a driver
 * killed with {@code kill -9} is resumed without running a finished trial again.
 */
class MultiNodeTuneTest {
    static final List<String> FAST_DOWNING = List.of("-Dpekko.cluster.split-brain-resolver.stable-after=3s");
    static final long MIB = 1L << 20;

    @TempDir
    static Path tmp;
    static NodeProcess head;
    static NodeProcess cpu;
    static NodeProcess gpu;
    static GaleNode client;

    @BeforeAll
    static void startCluster() {
        System.setProperty("pekko.cluster.split-brain-resolver.stable-after", "3s");
        ConfigFactory.invalidateCaches();
        head = NodeProcess.start(List.of("--resources", "cpus=2,memory=2GiB"), Map.of(), options("head"));
        String address = head.awaitUp(Duration.ofSeconds(90));
        Path smi = FakeNvidiaSmi.install(tmp.resolve("smi"), List.of(
                FakeNvidiaSmi.gpu(0, "GPU-fake-0", "Fake A100", 16384), FakeNvidiaSmi.gpu(1, "GPU-fake-1", "Fake A100", 16384)));
        cpu = NodeProcess.start(List.of("--join", address, "--resources", "cpus=2,memory=2GiB"), Map.of(), options("cpu"));
        gpu = NodeProcess.start(List.of("--join", address, "--resources", "cpus=2,memory=2GiB"), FakeNvidiaSmi.pathEnv(smi),
                options("gpu"));
        cpu.awaitUp(Duration.ofSeconds(90));
        gpu.awaitUp(Duration.ofSeconds(90));
        client = GaleNode.connect(address);
    }

    static List<String> options(String name) {
        List<String> o = new ArrayList<>(FAST_DOWNING);
        o.add("-Dgale.node.name=" + name);
        return o;
    }

    @AfterAll
    static void stopCluster() {
        if (client != null) client.close();
        for (NodeProcess n : new NodeProcess[]{gpu, cpu, head}) if (n != null) n.close();
    }

    static Map<String, Object> space(int steps, int sleepMs, Path log) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("x", Domains.uniform(0, 1));
        s.put("steps", steps);
        s.put("sleep_ms", sleepMs);
        if (log != null) s.put("log", log.toString());
        return s;
    }

    static Tuner.Builder tuner(String name, int samples, int concurrent, ResourceSpec res, Map<String, Object> space) {
        return Tuner.builder(StepTrainable.class).paramSpace(space)
                .tuneConfig(TuneConfig.builder().metric("loss").mode(Mode.MIN).numSamples(samples)
                        .maxConcurrentTrials(concurrent).searcher(Searchers.byName("random")).seed(11).maxFailures(3).build())
                .runConfig(new RunConfig(name, tmp, true, 200)).resources(res).node(client);
    }

    /** Every result row of a trial. */
    static List<Map<String, Object>> rows(TrialSummary t) {
        try {
            List<Map<String, Object>> out = new ArrayList<>();
            for (String line : Files.readAllLines(t.trialDir().resolve("result.jsonl"), StandardCharsets.UTF_8)) {
                if (!line.isBlank()) out.add(new com.fasterxml.jackson.databind.ObjectMapper().readValue(line,
                        new com.fasterxml.jackson.core.type.TypeReference<Map<String, Object>>() { }));
            }
            return out;
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    static void assertEachIterationOnce(ResultGrid g, int steps) {
        for (TrialSummary t : g.trials()) {
            List<Integer> its = rows(t).stream().map(r -> ((Number) r.get("training_iteration")).intValue()).toList();
            List<Integer> want = new ArrayList<>();
            for (int i = 1; i <= steps; i++) want.add(i);
            assertEquals(want, its, t.trialId() + " recorded each iteration exactly once");
        }
    }

    @Test
    void cpuAndGpuTrialsArePlacedByResourcesAndFractionsShareAGpuWithinItsMemory() throws Exception {
        ClusterStatus st = client.status(Duration.ofSeconds(10));
        assertEquals(3, st.nodes().size(), st.toString());

        ResourceSpec share = ResourceSpec.ofCpus(0.25).withGpus(0.5).withGpuMemory(6L << 30);
        CompletableFuture<ResultGrid> gpuRun = CompletableFuture.supplyAsync(() ->
                tuner("gpu-exp", 8, 0, share, space(3, 300, null)).build().fit());
        ResultGrid cpuRun = tuner("cpu-exp", 8, 4, ResourceSpec.ofCpus(1), space(3, 300, null)).build().fit();
        ResultGrid gpuGrid = gpuRun.get();

        assertEquals(8, cpuRun.count(TrialStatus.TERMINATED), cpuRun.table());
        assertEquals(8, gpuGrid.count(TrialStatus.TERMINATED), gpuGrid.table());
        for (TrialSummary t : cpuRun.trials()) {
            String node = (String) t.lastResult().get("node");
            assertTrue(node.equals("head") || node.equals("cpu"), t.trialId() + " is CPU work and ran on " + node
                    + " although the CPU nodes had room");
        }
        // per GPU: intervals of the trials that leased it; at no moment more than 16 GiB leased
        Map<String, List<long[]>> perGpu = new HashMap<>();
        for (TrialSummary t : gpuGrid.trials()) {
            Map<String, Object> last = t.lastResult();
            assertEquals("gpu", last.get("node"), t.trialId() + " needs a GPU: only the GPU node has one");
            assertEquals(6L << 30, ((Number) last.get("gpu_mem")).longValue());
            String g = (String) last.get("gpus");
            assertTrue(g.equals("0") || g.equals("1"), g);
            perGpu.computeIfAbsent(g, k -> new ArrayList<>()).add(new long[]{((Number) last.get("start_ms")).longValue(),
                    ((Number) last.get("now_ms")).longValue()});
        }
        for (Map.Entry<String, List<long[]>> e : perGpu.entrySet()) {
            for (long[] a : e.getValue()) {
                long at = a[0] + 1;
                int overlapping = 0;
                for (long[] b : e.getValue()) if (b[0] <= at && at < b[1]) overlapping++;
                assertTrue(overlapping * 6 <= 16, "GPU " + e.getKey() + ": " + overlapping + " shares of 6 GiB at once");
            }
        }
        assertEquals(2, perGpu.size(), "eight half-GPU trials at once use both GPUs: " + perGpu.keySet());
    }

    @Test
    void aWorkerKilledWithKill9CostsNoTrial() throws Exception {
        NodeProcess victim = NodeProcess.start(List.of("--join", head.address(), "--resources", "cpus=2,memory=2GiB"),
                Map.of(), options("victim"));
        try {
            String victimId = "pekko://gale@" + victim.awaitUp(Duration.ofSeconds(90));
            CompletableFuture<ResultGrid> run = CompletableFuture.supplyAsync(() ->
                    tuner("kill-worker", 8, 6, ResourceSpec.ofCpus(1), space(8, 300, null)).build().fit());
            awaitStatus(s -> holders(s, victimId) >= 1, Duration.ofSeconds(60));
            Thread.sleep(700); // let its trials write a checkpoint or two
            victim.kill();
            ResultGrid g = run.get();
            assertEquals(8, g.count(TrialStatus.TERMINATED), g.table());
            assertEachIterationOnce(g, 8);
            boolean retried = false;
            for (TrialSummary t : g.trials()) {
                for (Map<String, Object> r : rows(t)) {
                    if (((Number) r.get("attempt")).intValue() > 0) {
                        retried = true;
                        assertFalse("victim".equals(r.get("node")), "a retry ran on the dead node");
                    }
                }
            }
            assertTrue(retried, "the trials of the killed node were retried");
            assertEquals(3, client.status(Duration.ofSeconds(10)).nodes().size(), "the dead node is gone");
        } finally {
            victim.close();
        }
    }

    @Test
    void aFrozenWorkerThatComesBackReportsNothingTwice() throws Exception {
        NodeProcess frozen = NodeProcess.start(List.of("--join", head.address(), "--resources", "cpus=2,memory=2GiB"),
                Map.of(), options("frozen"));
        try {
            String id = "pekko://gale@" + frozen.awaitUp(Duration.ofSeconds(90));
            CompletableFuture<ResultGrid> run = CompletableFuture.supplyAsync(() ->
                    tuner("partition", 6, 6, ResourceSpec.ofCpus(1), space(10, 250, null)).build().fit());
            awaitStatus(s -> holders(s, id) >= 1, Duration.ofSeconds(60));
            Thread.sleep(600);
            signal("STOP", frozen.pid());
            awaitStatus(s -> s.nodes().stream().noneMatch(n -> n.nodeId().equals(id)), Duration.ofSeconds(60));
            signal("CONT", frozen.pid()); // the partition heals: its trials run on and try to report
            ResultGrid g = run.get();
            assertEquals(6, g.count(TrialStatus.TERMINATED), g.table());
            assertEachIterationOnce(g, 10);
            for (TrialSummary t : g.trials()) {
                List<Map<String, Object>> rs = rows(t);
                int lastAttempt = -1;
                for (Map<String, Object> r : rs) {
                    int a = ((Number) r.get("attempt")).intValue();
                    assertTrue(a >= lastAttempt, t.trialId() + ": a result of an earlier attempt came after a later one");
                    lastAttempt = a;
                }
            }
            assertEquals(dev.gale.cluster.NodeMain.EXIT_DOWNED, frozen.waitFor(Duration.ofSeconds(60)),
                    "the downed node shuts itself down: " + frozen.describe());
        } finally {
            signal("CONT", frozen.pid());
            frozen.close();
        }
    }

    @Test
    void aDriverKilledWithKill9IsResumedWithoutRerunningFinishedTrials() throws Exception {
        Path storage = tmp.resolve("driver-kill");
        Files.createDirectories(storage);
        String name = "resumed";
        Path dir = storage.resolve(name);
        Path log = storage.resolve(name + "-runs.log");
        JvmProcess first = JvmProcess.builder(DriverMain.class.getName()).name("driver")
                .args(List.of(head.address(), storage.toString(), name, "8")).jvmOptions(FAST_DOWNING).start();
        Set<String> finishedAtKill;
        int linesAtKill;
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (finished(dir).size() < 3) {
                assertTrue(System.nanoTime() < deadline && first.isAlive(), "the first driver never finished 3 trials: " + first.describe());
                Thread.sleep(50);
            }
            first.kill();
            first.waitFor(Duration.ofSeconds(30));
            finishedAtKill = finished(dir);
            linesAtKill = Files.readAllLines(log).size();
        } finally {
            first.close();
        }
        assertTrue(finishedAtKill.size() < 8, "killed mid-experiment");

        JvmProcess second = JvmProcess.builder(DriverMain.class.getName()).name("driver-resume")
                .args(List.of(head.address(), storage.toString(), name, "8", "resume")).jvmOptions(FAST_DOWNING).start();
        try {
            String done = second.awaitLine("DRIVER DONE", Duration.ofSeconds(180));
            assertEquals("8 0", done.trim(), second.describe());
        } finally {
            second.close();
        }
        List<String> after = Files.readAllLines(log).subList(linesAtKill, Files.readAllLines(log).size());
        for (String line : after) {
            String trial = line.split(" ")[1];
            assertFalse(finishedAtKill.contains(trial), trial + " had finished before the kill and ran again: " + line);
        }
        ResultGrid g = ResultGrid.load(dir);
        assertEquals(8, g.count(TrialStatus.TERMINATED), g.table());
        assertEachIterationOnce(g, 6);
        Set<String> ids = new HashSet<>();
        for (TrialSummary t : g.trials()) ids.add(t.trialId());
        assertEquals(8, ids.size());
    }

    /** Trials recorded as finished (journal of endings), as a restore would read them. */
    static Set<String> finished(Path dir) throws IOException {
        Set<String> out = new HashSet<>();
        Path journal = dir.resolve("experiment_journal.jsonl");
        if (!Files.exists(journal)) return out;
        for (String line : Files.readAllLines(journal, StandardCharsets.UTF_8)) {
            // the journal records every transition: only endings count
            boolean ending = line.contains("\"status\":\"TERMINATED\"") || line.contains("\"status\":\"ERROR\"");
            int i = line.indexOf("\"trial_id\":\"");
            if (ending && i >= 0 && line.endsWith("}")) out.add(line.substring(i + 12, line.indexOf('"', i + 12)));
        }
        return out;
    }

    static int holders(ClusterStatus s, String nodeId) {
        for (ClusterStatus.Node n : s.nodes()) if (n.nodeId().equals(nodeId)) return n.leases();
        return 0;
    }

    static void awaitStatus(Predicate<ClusterStatus> p, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        ClusterStatus st = client.status(Duration.ofSeconds(10));
        while (!p.test(st)) {
            assertTrue(System.nanoTime() < deadline, "cluster never reached the expected state: " + st);
            Thread.sleep(50);
            st = client.status(Duration.ofSeconds(10));
        }
    }

    static void signal(String sig, long pid) throws IOException, InterruptedException {
        new ProcessBuilder("kill", "-" + sig, Long.toString(pid)).inheritIO().start().waitFor();
    }
}
