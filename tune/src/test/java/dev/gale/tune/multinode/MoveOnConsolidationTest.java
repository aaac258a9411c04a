package dev.gale.tune.multinode;

import dev.gale.cluster.GaleNode;
import dev.gale.cluster.ResourceManager;
import dev.gale.cluster.testkit.NodeProcess;
import dev.gale.gpu.ResourceSpec;
import dev.gale.tune.Mode;
import dev.gale.tune.ResultGrid;
import dev.gale.tune.RunConfig;
import dev.gale.tune.TrialStatus;
import dev.gale.tune.TrialSummary;
import dev.gale.tune.TuneConfig;
import dev.gale.tune.Tuner;
import dev.gale.tune.search.Searchers;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real two-node cluster (a head and a node, 2 CPUs each, separate JVMs on 127.0.0.1): two
 * checkpointing trials packed on one node are moved to the other when the ResourceManager is asked
 * to consolidate — each stops, runs again from its checkpoint on the other node as a new attempt,
 * records every iteration exactly once and ends TERMINATED, and no move counts as a failure
 * ({@code maxFailures} 0).
 */
class MoveOnConsolidationTest {
    @TempDir
    static Path tmp;
    static NodeProcess head;
    static NodeProcess other;
    static GaleNode client;

    @BeforeAll
    static void startCluster() {
        head = NodeProcess.start(List.of("--resources", "cpus=2,memory=2GiB"), Map.of(), List.of("-Dgale.node.name=head"));
        String address = head.awaitUp(Duration.ofSeconds(90));
        other = NodeProcess.start(List.of("--join", address, "--resources", "cpus=2,memory=2GiB"), Map.of(),
                List.of("-Dgale.node.name=other"));
        other.awaitUp(Duration.ofSeconds(90));
        client = GaleNode.connect(address);
    }

    @AfterAll
    static void stopCluster() {
        if (client != null) client.close();
        for (NodeProcess n : new NodeProcess[]{other, head}) if (n != null) n.close();
    }

    static List<String> consolidate() throws Exception {
        return AskPattern.<ResourceManager.Command, ResourceManager.Consolidating>ask(client.resourceManager(),
                        r -> new ResourceManager.Consolidate(1, Duration.ofSeconds(60), java.util.Set.of(), r), Duration.ofSeconds(10),
                        client.system().scheduler())
                .toCompletableFuture().get(15, TimeUnit.SECONDS).nodeIds();
    }

    @Test
    void checkpointedTrialsMoveOffTheEmptiedNodeAndResumeWithoutAFailure() throws Exception {
        int steps = 30;
        Path log = tmp.resolve("starts.log");
        CompletableFuture<ResultGrid> run = CompletableFuture.supplyAsync(() -> Tuner.builder(StepTrainable.class)
                .paramSpace(MultiNodeTuneTest.space(steps, 200, log))
                .tuneConfig(TuneConfig.builder().metric("loss").mode(Mode.MIN).numSamples(2).maxConcurrentTrials(2)
                        .searcher(Searchers.byName("random")).seed(5).maxFailures(0).build())
                .runConfig(new RunConfig("move-exp", tmp, true, 200)).resources(ResourceSpec.ofCpus(1)).node(client)
                .build().fit());

        // both trials run packed on one node (PACK); once each has a checkpoint their leases are movable and that node can be
        // emptied. Wait until both have started, so that the node emptied holds both (not one granted before the other)
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.exists(log) || Files.readAllLines(log, StandardCharsets.UTF_8).stream().filter(l -> l.startsWith("start")).count() < 2) {
            assertFalse(run.isDone(), "the experiment ended before both trials started: " + (run.isDone() ? run.get().table() : ""));
            assertTrue(System.nanoTime() < deadline, "both trials did not start within 60 s");
            Thread.sleep(50);
        }
        List<String> emptied = List.of();
        while (emptied.isEmpty()) {
            assertFalse(run.isDone(), "the experiment ended before a node could be emptied: " + (run.isDone() ? run.get().table() : ""));
            assertTrue(System.nanoTime() < deadline, "no node could be emptied within 60 s (trials should hold movable leases)");
            emptied = consolidate();
            if (emptied.isEmpty()) Thread.sleep(200);
        }
        assertEquals(1, emptied.size(), emptied.toString());

        ResultGrid g = run.get(120, TimeUnit.SECONDS);
        assertEquals(2, g.count(TrialStatus.TERMINATED), g.table());
        MultiNodeTuneTest.assertEachIterationOnce(g, steps);

        List<String[]> starts = new ArrayList<>();
        for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) if (!line.isBlank()) starts.add(line.split(" "));
        for (TrialSummary t : g.trials()) {
            List<String[]> mine = starts.stream().filter(s -> s[1].equals(t.trialId())).toList();
            assertEquals(2, mine.size(), t.trialId() + " ran twice (before and after the move): " + describe(mine));
            String[] first = mine.get(0), second = mine.get(1);
            assertEquals("0", first[3], "its first run started from the beginning");
            assertTrue(Integer.parseInt(second[3]) > 0, t.trialId() + " resumed from a checkpoint: " + describe(mine));
            assertNotEquals(first[4], second[4], t.trialId() + " resumed on the other node: " + describe(mine));
            assertEquals(2, t.attempts(), "the move is a new attempt");
            assertEquals(null, t.error());
        }
    }

    static String describe(List<String[]> starts) {
        List<String> out = new ArrayList<>();
        for (String[] s : starts) out.add(String.join(" ", s));
        return out.toString();
    }
}
