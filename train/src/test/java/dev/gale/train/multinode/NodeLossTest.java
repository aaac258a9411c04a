package dev.gale.train.multinode;

import com.typesafe.config.ConfigFactory;
import dev.gale.cluster.GaleNode;
import dev.gale.cluster.Placement;
import dev.gale.cluster.testkit.NodeProcess;
import dev.gale.gpu.ResourceSpec;
import dev.gale.train.DataParallelTrainer;
import dev.gale.train.FailureConfig;
import dev.gale.train.ScalingConfig;
import dev.gale.train.TrainResult;
import dev.gale.train.TrainRunConfig;
import dev.gale.train.loops.CheckpointLoop;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A group spread over two node JVMs, driven from this JVM as a client; the node that is not the
 * head is killed with SIGKILL mid-run (its lease is revoked when the cluster downs it) and the
 * group restarts from its checkpoint on the node that is left, and completes.
 */
@Tag("slow")
class NodeLossTest {
    static final List<String> FAST_DOWNING = List.of("-Dpekko.cluster.split-brain-resolver.stable-after=3s");

    @Test
    void aLostNodeRestartsTheGroupFromItsCheckpointOnTheNodesLeft(@TempDir Path tmp) throws Exception {
        System.setProperty("pekko.cluster.split-brain-resolver.stable-after", "3s");
        ConfigFactory.invalidateCaches();
        try (NodeProcess head = NodeProcess.start(List.of("--resources", "cpus=2"), Map.of(), FAST_DOWNING)) {
            String address = head.awaitUp(Duration.ofSeconds(90));
            try (NodeProcess other = NodeProcess.start(List.of("--join", address, "--resources", "cpus=2"), Map.of(), FAST_DOWNING)) {
                other.awaitUp(Duration.ofSeconds(90));
                try (GaleNode client = GaleNode.connect(address)) {
                    Path out = tmp.resolve("out");
                    DataParallelTrainer t = DataParallelTrainer.builder(CheckpointLoop.class).node(client)
                            .scaling(ScalingConfig.of(2, ResourceSpec.ofCpus(1)).withPlacement(Placement.SPREAD))
                            .failure(new FailureConfig(2))
                            .run(new TrainRunConfig("loss", tmp, Duration.ofSeconds(60), Duration.ofSeconds(90)))
                            .config(Map.of("epochs", 60, "killAfter", 1, "epochMillis", 500, "out", out.toString()))
                            .build();
                    CompletableFuture<TrainResult> run = CompletableFuture.supplyAsync(t::fit);
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
                    while (!Files.exists(out.resolve("pid"))) {
                        if (run.isDone()) fail("ended before epoch 1: " + run.handle((r, e) -> r + " " + e).get());
                        if (System.nanoTime() > deadline) fail("the group did not reach epoch 1 within 120 s");
                        Thread.sleep(50);
                    }
                    other.kill();
                    TrainResult r = run.get(240, TimeUnit.SECONDS);
                    assertTrue(r.ok(), r.errors().toString());
                    assertEquals(1, r.failures(), r.failureCauses().toString());
                    assertTrue(r.failureCauses().getFirst().contains("lost its node"), r.failureCauses().toString());
                    assertEquals(59, ((Number) r.metrics().get("epoch")).intValue());
                    int resumed = r.history().stream().filter(m -> ((Number) m.get("attempt")).intValue() == 1)
                            .mapToInt(m -> ((Number) m.get("resumedFrom")).intValue()).findFirst().orElse(-1);
                    assertTrue(resumed >= 2, "resumed from a checkpoint: " + resumed);
                }
            }
        }
    }
}
