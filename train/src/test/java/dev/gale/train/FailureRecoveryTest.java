package dev.gale.train;

import dev.gale.cluster.GaleNode;
import dev.gale.gpu.ResourceSpec;
import dev.gale.train.loops.AdamResumeLoop;
import dev.gale.train.loops.CheckpointLoop;
import dev.gale.train.loops.FailLoop;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
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
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Failures of real worker JVMs: a peer killed or hung mid-collective, kill -9 and restart from a checkpoint, elastic start. */
class FailureRecoveryTest {
    static GaleNode node;

    @BeforeAll
    static void start() {
        node = GaleNode.startEmbedded();
    }

    @AfterAll
    static void stop() {
        if (node != null) node.close();
    }

    private static DataParallelTrainer.Builder builder(Class<? extends TrainLoop> loop, Path dir, Duration collectiveTimeout) {
        return DataParallelTrainer.builder(loop).node(node)
                .scaling(ScalingConfig.of(2, ResourceSpec.ofCpus(0.5)))
                .run(new TrainRunConfig("f", dir.resolve("runs"), collectiveTimeout, Duration.ofSeconds(90)));
    }

    /** Waits (up to 90 s) for the worker to write its pid, then returns its process. */
    private static ProcessHandle awaitPid(Path f, CompletableFuture<?> run) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!Files.exists(f)) {
            if (run.isDone()) fail("the run ended before the worker wrote its pid: " + run.handle((r, e) -> r + " " + e).get());
            if (System.nanoTime() > deadline) fail("no pid file " + f + " within 90 s");
            Thread.sleep(50);
        }
        long pid = Long.parseLong(Files.readString(f).strip());
        return ProcessHandle.of(pid).orElseThrow(() -> new AssertionError("worker pid " + pid + " is not running"));
    }

    @Test
    void aPeerKilledMidCollectiveAbortsTheOthersWithinTheBound(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("out");
        DataParallelTrainer t = builder(FailLoop.class, dir, Duration.ofSeconds(120)).config("mode", "park").config("rank", 1)
                .config("out", out.toString()).build();
        CompletableFuture<TrainResult> run = CompletableFuture.supplyAsync(t::fit);
        ProcessHandle victim = awaitPid(out.resolve("pid"), run);
        long killed = System.nanoTime();
        assertTrue(victim.destroyForcibly(), "SIGKILL sent");
        TrainingFailedException e = assertThrows(TrainingFailedException.class, () -> {
            try {
                run.get(60, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException x) {
                throw x.getCause();
            }
        });
        double seconds = (System.nanoTime() - killed) / 1e9;
        assertTrue(seconds < TrainRunConfig.DEFAULT_COLLECTIVE_TIMEOUT.toSeconds(), "ended " + seconds + " s after the kill");
        assertTrue(e.getMessage().contains("rank 1"), e.getMessage());
        String rank0 = e.result().errors().get(0);
        assertTrue(rank0 != null && rank0.contains("allReduce") && rank0.contains("aborted") && rank0.contains("rank 1"),
                "rank 0's own collective aborted, naming its dead peer: " + e.result().errors());
    }

    @Test
    void aHungPeerAbortsTheCollectiveAfterTheTimeout(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("out");
        DataParallelTrainer t = builder(FailLoop.class, dir, Duration.ofSeconds(3)).config("mode", "park").config("rank", 1)
                .config("out", out.toString()).build();
        TrainingFailedException e = assertTimeoutPreemptively(Duration.ofSeconds(120),
                () -> assertThrows(TrainingFailedException.class, t::fit));
        String rank0 = e.result().errors().get(0);
        assertTrue(rank0 != null && rank0.contains("no progress") && rank0.contains("rank 1"),
                "rank 0 timed out waiting for rank 1: " + e.result().errors());
    }

    @Test
    void killMinus9OfAWorkerMidEpochRestartsFromTheCheckpointAndCompletes(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("out");
        DataParallelTrainer t = builder(CheckpointLoop.class, dir, Duration.ofSeconds(30)).config("epochs", 8)
                .config("killAfter", 2).config("epochMillis", 400).config("out", out.toString())
                .failure(new FailureConfig(2)).build();
        CompletableFuture<TrainResult> run = CompletableFuture.supplyAsync(t::fit);
        ProcessHandle victim = awaitPid(out.resolve("pid"), run);
        Thread.sleep(150); // into the next epoch
        assertTrue(victim.destroyForcibly(), "SIGKILL sent");
        TrainResult r = run.get(180, TimeUnit.SECONDS);
        assertTrue(r.ok(), r.errors().toString());
        assertEquals(1, r.failures(), "one failure, one restart");
        assertTrue(r.failureCauses().getFirst().contains("rank 1 failed") && r.failureCauses().getFirst().contains("137"),
                "the cause names the killed rank and its exit: " + r.failureCauses());
        assertEquals(7, ((Number) r.metrics().get("epoch")).intValue(), "completed every epoch");
        List<Map<String, Object>> after = r.history().stream().filter(m -> ((Number) m.get("attempt")).intValue() == 1).toList();
        assertTrue(!after.isEmpty(), "the restarted group reported");
        int resumed = ((Number) after.getFirst().get("resumedFrom")).intValue();
        assertTrue(resumed >= 3, "resumed after the last checkpoint before the kill (epoch >= 2), not from 0: " + resumed);
        assertEquals(resumed, ((Number) after.getFirst().get("epoch")).intValue());
        // the sum carried over: 3 per step, 5 steps per epoch, every epoch counted once
        assertEquals(8 * 5 * 3.0, ((Number) r.metrics().get("sum")).doubleValue(), 1e-9);
        assertTrue(r.checkpoint().isPresent() && Files.exists(r.checkpoint().get().resolve("state.txt")));
    }

    @Test
    void anElasticGroupStartsWithWhatFitsWhenOnlyTheMinimumCanBePlaced(@TempDir Path dir) throws Exception {
        double cpus = node.inventory().cpus() * 0.75; // one worker fits on the node, two do not
        DataParallelTrainer t = DataParallelTrainer.builder(CheckpointLoop.class).node(node)
                .scaling(ScalingConfig.elastic(1, 2, ResourceSpec.ofCpus(cpus)))
                .elasticWait(Duration.ofMillis(500))
                .run(new TrainRunConfig("e", dir, Duration.ofSeconds(30), Duration.ofSeconds(90)))
                .config("epochs", 2).config("epochMillis", 10).config("out", dir.resolve("out").toString()).build();
        TrainResult r = assertTimeoutPreemptively(Duration.ofSeconds(120), t::fit);
        assertTrue(r.ok(), r.errors().toString());
        assertEquals(1, r.worldSize());
        assertEquals(1, ((Number) r.metrics().get("world")).intValue());
    }

    @Test
    void anElasticGroupTakesTheExtraWorkersThatFit(@TempDir Path dir) throws Exception {
        DataParallelTrainer t = DataParallelTrainer.builder(CheckpointLoop.class).node(node)
                .scaling(ScalingConfig.elastic(1, 2, ResourceSpec.ofCpus(0.5)))
                .elasticWait(Duration.ofSeconds(5))
                .run(new TrainRunConfig("e2", dir, Duration.ofSeconds(30), Duration.ofSeconds(90)))
                .config("epochs", 2).config("epochMillis", 10).config("out", dir.resolve("out").toString()).build();
        TrainResult r = assertTimeoutPreemptively(Duration.ofSeconds(120), t::fit);
        assertTrue(r.ok(), r.errors().toString());
        assertEquals(2, r.worldSize());
        assertEquals(2, ((Number) r.metrics().get("world")).intValue());
    }

    @Test
    void aRestartFromTheCheckpointGoesOnWithAdamsStateLikeAnUninterruptedRun(@TempDir Path dir) throws Exception {
        Path ref = dir.resolve("ref");
        TrainResult a = builder(AdamResumeLoop.class, dir.resolve("a"), Duration.ofSeconds(30)).config("epochs", 4)
                .config("out", ref.toString()).build().fit();
        assertTrue(a.ok(), a.errors().toString());
        Path out = dir.resolve("out");
        DataParallelTrainer t = builder(AdamResumeLoop.class, dir.resolve("b"), Duration.ofSeconds(30)).config("epochs", 4)
                .config("killAfter", 1).config("out", out.toString()).failure(new FailureConfig(1)).build();
        CompletableFuture<TrainResult> run = CompletableFuture.supplyAsync(t::fit);
        ProcessHandle victim = awaitPid(out.resolve("pid"), run);
        assertTrue(victim.destroyForcibly(), "SIGKILL sent");
        TrainResult b = run.get(180, TimeUnit.SECONDS);
        assertTrue(b.ok(), b.errors().toString());
        assertEquals(1, b.failures());
        Map<String, Object> firstAfter = b.history().stream().filter(m -> ((Number) m.get("attempt")).intValue() == 1)
                .findFirst().orElseThrow(() -> new AssertionError("the restarted group reported: " + b.history()));
        assertEquals(2, ((Number) firstAfter.get("resumedFrom")).intValue(), "resumed from epoch 1's checkpoint");
        assertEquals(9, ((Number) firstAfter.get("adamUpdates")).intValue(), "Adam's count went on: 6 before, 3 after");
        float[] want = dev.gale.train.loops.TinyModel.read(ref.resolve("final_0"));
        float[] got = dev.gale.train.loops.TinyModel.read(out.resolve("final_1"));
        org.junit.jupiter.api.Assertions.assertArrayEquals(want, got, 1e-5f,
                "parameters after the restart equal the uninterrupted run's (same moments, same count)");
    }
}
