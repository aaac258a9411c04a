package dev.gale.train.multinode;

import dev.gale.cluster.GaleNode;
import dev.gale.cluster.ResourceManager;
import dev.gale.cluster.testkit.NodeProcess;
import dev.gale.gpu.ResourceSpec;
import dev.gale.train.DataParallelTrainer;
import dev.gale.train.FailureConfig;
import dev.gale.train.ScalingConfig;
import dev.gale.train.TrainResult;
import dev.gale.train.TrainRunConfig;
import dev.gale.train.loops.CheckpointLoop;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two node JVMs (2 CPUs each) and a group of two 1-CPU workers packed on one of them: once the
 * group has a checkpoint, the ResourceManager can empty that node; the group restarts from its
 * checkpoint on the other node, completes every epoch once, and the move is not a failure
 * ({@code maxFailures} 0).
 */
class MoveOnConsolidationTrainTest {
    @Test
    void aCheckpointedGroupMovesOffTheEmptiedNodeWithoutAFailure(@TempDir Path tmp) throws Exception {
        try (NodeProcess head = NodeProcess.start(List.of("--resources", "cpus=2"), Map.of(), List.of())) {
            String address = head.awaitUp(Duration.ofSeconds(90));
            try (NodeProcess other = NodeProcess.start(List.of("--join", address, "--resources", "cpus=2"), Map.of(), List.of())) {
                other.awaitUp(Duration.ofSeconds(90));
                try (GaleNode client = GaleNode.connect(address)) {
                    int epochs = 40;
                    DataParallelTrainer t = DataParallelTrainer.builder(CheckpointLoop.class).node(client)
                            .scaling(ScalingConfig.of(2, ResourceSpec.ofCpus(1)))
                            .failure(new FailureConfig(0))
                            .run(new TrainRunConfig("move", tmp, Duration.ofSeconds(60), Duration.ofSeconds(90)))
                            .config(Map.of("epochs", epochs, "epochMillis", 250, "out", tmp.resolve("out").toString()))
                            .build();
                    CompletableFuture<TrainResult> run = CompletableFuture.supplyAsync(t::fit);
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
                    List<String> emptied = List.of();
                    while (emptied.isEmpty()) {
                        assertFalse(run.isDone(), "training ended before its node could be emptied");
                        assertTrue(System.nanoTime() < deadline, "no node could be emptied within 120 s (the group should hold movable leases)");
                        emptied = AskPattern.<ResourceManager.Command, ResourceManager.Consolidating>ask(client.resourceManager(),
                                        r -> new ResourceManager.Consolidate(1, Duration.ofSeconds(60), Set.of(), r), Duration.ofSeconds(10),
                                        client.system().scheduler())
                                .toCompletableFuture().get(15, TimeUnit.SECONDS).nodeIds();
                        if (emptied.isEmpty()) Thread.sleep(200);
                    }
                    TrainResult r = run.get(240, TimeUnit.SECONDS);
                    assertTrue(r.ok(), r.errors().toString());
                    assertEquals(0, r.failures(), "a move is not a failure: " + r.failureCauses());
                    assertEquals(epochs - 1, ((Number) r.metrics().get("epoch")).intValue(), "completed every epoch");
                    int resumed = r.history().stream().filter(m -> ((Number) m.get("attempt")).intValue() == 1)
                            .mapToInt(m -> ((Number) m.get("resumedFrom")).intValue()).findFirst().orElse(-1);
                    assertTrue(resumed >= 1, "the second attempt resumed from a checkpoint: " + resumed);
                    // every epoch counted once: 3 per step (ranks 1 and 2 all-reduced), 5 steps per epoch
                    assertEquals(epochs * 5 * 3.0, ((Number) r.metrics().get("sum")).doubleValue(), 1e-9);
                }
            }
        }
    }
}
