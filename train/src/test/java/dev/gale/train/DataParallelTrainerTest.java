package dev.gale.train;

import ai.djl.Model;
import ai.djl.ndarray.NDManager;
import ai.djl.training.EasyTrain;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.Batch;
import dev.gale.cluster.GaleNode;
import dev.gale.gpu.ResourceSpec;
import dev.gale.train.loops.DatasetLoop;
import dev.gale.train.loops.FailLoop;
import dev.gale.train.loops.IndexDataset;
import dev.gale.train.loops.SyncLoop;
import dev.gale.train.loops.TinyModel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A group of real worker JVMs on an embedded one-node cluster: gradients, parameters, bad input, one rank's exception. */
class DataParallelTrainerTest {
    static GaleNode node;

    @BeforeAll
    static void start() {
        node = GaleNode.startEmbedded();
    }

    @AfterAll
    static void stop() {
        if (node != null) node.close();
    }

    private static DataParallelTrainer.Builder builder(Class<? extends TrainLoop> loop, int workers, Path dir) {
        return DataParallelTrainer.builder(loop).node(node)
                .scaling(ScalingConfig.of(workers, ResourceSpec.ofCpus(0.5)))
                .run(new TrainRunConfig("t", dir.resolve("runs"), Duration.ofSeconds(30), Duration.ofSeconds(90)));
    }

    @Test
    void twoWorkersWithHalfBatchesAverageToTheFullBatchGradient(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("out");
        TrainResult r = builder(SyncLoop.class, 2, dir).config("out", out.toString()).config("batch", 32).config("steps", 1)
                .build().fit();
        assertTrue(r.ok());
        assertEquals(2, r.worldSize());
        float[] params0 = TinyModel.read(out.resolve("params0"));
        float[] g0 = TinyModel.read(out.resolve("grad_0"));
        float[] g1 = TinyModel.read(out.resolve("grad_1"));
        assertArrayEquals(g0, g1, "both ranks hold the same averaged gradient");
        float[] full;
        try (Model m = TinyModel.model(); Trainer t = TinyModel.trainer(m, false)) {
            TinyModel.setParams(t, params0);
            try (NDManager sub = t.getManager().newSubManager()) {
                Batch b = new Batch(sub, TinyModel.data(sub, 0, 32), TinyModel.label(sub, 0, 32), 1, null, null, 0, 1);
                EasyTrain.trainBatch(t, b);
                full = TinyModel.grads(t);
            }
        }
        assertEquals(full.length, g0.length);
        double maxAbs = 0;
        for (float v : full) maxAbs = Math.max(maxAbs, Math.abs(v));
        for (int i = 0; i < full.length; i++) {
            double tol = 1e-5 * Math.max(Math.abs(full[i]), maxAbs * 1e-2);
            assertEquals(full[i], g0[i], tol, "gradient element " + i);
        }
    }

    @Test
    void parametersAreBitIdenticalOnEveryRankAfterSteps(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("out");
        TrainResult r = builder(SyncLoop.class, 2, dir).config("out", out.toString()).config("batch", 32).config("steps", 8)
                .config("adam", 1).build().fit();
        assertTrue(r.ok());
        float[] p0 = TinyModel.read(out.resolve("params_0"));
        float[] p1 = TinyModel.read(out.resolve("params_1"));
        float[] init = TinyModel.read(out.resolve("params0"));
        assertEquals(p0.length, p1.length);
        for (int i = 0; i < p0.length; i++) {
            assertEquals(Float.floatToRawIntBits(p0[i]), Float.floatToRawIntBits(p1[i]), "parameter " + i + " differs between ranks");
        }
        boolean moved = false;
        for (int i = 0; i < p0.length; i++) moved |= p0[i] != init[i];
        assertTrue(moved, "training changed the parameters");
    }

    @Test
    void zeroWorkersIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ScalingConfig.of(0));
        assertTrue(e.getMessage().contains("at least 1 worker"), e.getMessage());
    }

    @Test
    void moreGpusPerWorkerThanAnyNodeHasFailsAtOnceNamingTheShape(@TempDir Path dir) {
        DataParallelTrainer t = DataParallelTrainer.builder(SyncLoop.class).node(node)
                .scaling(ScalingConfig.of(2, ResourceSpec.ofCpus(1).withGpus(4)))
                .run(TrainRunConfig.of("gpu", dir)).build();
        TrainingFailedException e = assertTimeoutPreemptively(Duration.ofSeconds(30),
                () -> assertThrows(TrainingFailedException.class, t::fit));
        assertTrue(e.getMessage().contains("cannot be placed"), e.getMessage());
        assertTrue(e.getMessage().contains("gpus=4"), e.getMessage());
    }

    @Test
    void anExceptionOnOneRankStopsEveryRankAndNamesTheRank(@TempDir Path dir) {
        DataParallelTrainer t = builder(FailLoop.class, 2, dir).config("mode", "throw").config("rank", 1).build();
        TrainingFailedException e = assertTimeoutPreemptively(Duration.ofSeconds(120),
                () -> assertThrows(TrainingFailedException.class, t::fit));
        assertTrue(e.getMessage().contains("rank 1 failed"), e.getMessage());
        assertTrue(e.getMessage().contains("boom on purpose"), e.getMessage());
        TrainResult r = e.result();
        assertTrue(r.errors().get(1).contains("boom on purpose"), r.errors().toString());
        String rank0 = r.errors().get(0);
        assertTrue(rank0 != null && rank0.contains("aborted"), "rank 0 stopped because its peer failed: " + r.errors());
        assertFalse(r.ok());
    }

    @Test
    void namedDatasetsGiveEachRankItsSeededShardEveryEpoch(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("out");
        int size = 50, batch = 4, seed = 7;
        TrainResult r = builder(DatasetLoop.class, 2, dir)
                .dataset("train", IndexDataset.class).dataset("test", IndexDataset.Double.class)
                .config("out", out.toString()).config("size", size).config("batch", batch).config("seed", seed)
                .config("epochs", 2).build().fit();
        assertTrue(r.ok(), String.valueOf(r.errors()));
        int steps = size / 2 / batch;                         // 6 batches per rank, the tail of 2 dropped
        java.util.List<java.util.Set<Integer>> perEpoch = new java.util.ArrayList<>();
        for (int e = 0; e < 2; e++) {
            java.util.Set<Integer> union = new java.util.HashSet<>();
            for (int rank = 0; rank < 2; rank++) {
                int[] got = java.util.Arrays.stream(java.nio.file.Files.readString(out.resolve("r" + rank + "_e" + e)).split(" "))
                        .mapToInt(Integer::parseInt).toArray();
                long[] want = new ShardSampler(batch, rank, 2, seed, 0).indexes(size, e);
                assertEquals(steps * batch, got.length, "rank " + rank + " epoch " + e);
                assertArrayEquals(java.util.Arrays.stream(want).mapToInt(x -> (int) x).toArray(), got,
                        "rank " + rank + " epoch " + e + " is the seeded shuffle's shard");
                for (int x : got) assertTrue(union.add(x), "index " + x + " in two shards of epoch " + e);
            }
            assertEquals(2 * steps * batch, union.size());
            perEpoch.add(union);
        }
        assertFalse(java.nio.file.Files.readString(out.resolve("r0_e0")).equals(java.nio.file.Files.readString(out.resolve("r0_e1"))),
                "each epoch reshuffles");
        assertEquals(Integer.toString(2 * size), java.nio.file.Files.readString(out.resolve("test_size")), "dataset(\"test\") is the whole set");
        String unknown = java.nio.file.Files.readString(out.resolve("unknown"));
        assertTrue(unknown.contains("nope") && unknown.contains("\"train\"") && unknown.contains("\"test\""), unknown);
    }

    @Test
    void aDatasetFactoryMustBeCreatableByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DataParallelTrainer.builder(SyncLoop.class).dataset("train", HiddenFactory.class));
        assertTrue(e.getMessage().contains("public"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> DataParallelTrainer.builder(SyncLoop.class).dataset(" ", IndexDataset.class));
    }

    static final class HiddenFactory implements DatasetFactory {
        @Override
        public ai.djl.training.dataset.RandomAccessDataset create(NDManager manager, TrainContext ctx) {
            return null;
        }
    }
}
