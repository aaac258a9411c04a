package dev.gale.train;

import ai.djl.Model;
import ai.djl.ndarray.NDManager;
import ai.djl.training.EasyTrain;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.Batch;
import ai.djl.training.optimizer.Adam;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import dev.gale.train.loops.TinyModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Adam's moments and update count survive a save and a load into a fresh model and optimizer (one JVM). */
class CheckpointableAdamTest {
    private static CheckpointableAdam adam() {
        return CheckpointableAdam.of(Adam.builder().optLearningRateTracker(Tracker.fixed(1e-2f)));
    }

    private static void steps(Trainer t, int first, int n) {
        for (int s = first; s < first + n; s++) {
            try (NDManager sub = t.getManager().newSubManager()) {
                Batch b = new Batch(sub, TinyModel.data(sub, s * 16, 16), TinyModel.label(sub, s * 16, 16), 1, null, null, 0, 1);
                EasyTrain.trainBatch(t, b);
                t.step();
            }
        }
    }

    @Test
    void aRestoredAdamContinuesExactlyAsTheUninterruptedOne(@TempDir Path dir) throws Exception {
        float[] mid;
        float[] reference;
        try (Model m = TinyModel.model()) {
            CheckpointableAdam a = adam();
            try (Trainer t = TinyModel.trainer(m, a)) {
                steps(t, 0, 4);
                mid = TinyModel.params(t);
                a.saveState(m.getBlock(), dir.resolve("adam.state"));
                assertEquals(4, a.updates());
                steps(t, 4, 4);
                reference = TinyModel.params(t);
            }
        }
        float[] resumed;
        try (Model m = TinyModel.model()) {
            CheckpointableAdam a = adam();
            try (Trainer t = TinyModel.trainer(m, a)) {
                TinyModel.setParams(t, mid);
                a.loadState(m.getBlock(), dir.resolve("adam.state"));
                assertEquals(4, a.updates(), "the update count came back");
                steps(t, 4, 4);
                assertEquals(8, a.updates());
                resumed = TinyModel.params(t);
            }
        }
        assertArrayEquals(reference, resumed, 1e-6f, "restored moments and count give the uninterrupted run's parameters");
        float[] fresh;
        try (Model m = TinyModel.model(); Trainer t = TinyModel.trainer(m, Optimizer.adam()
                .optLearningRateTracker(Tracker.fixed(1e-2f)).build())) {
            TinyModel.setParams(t, mid);
            steps(t, 4, 4);
            fresh = TinyModel.params(t);
        }
        double maxDiff = 0;
        for (int i = 0; i < fresh.length; i++) maxDiff = Math.max(maxDiff, Math.abs(fresh[i] - reference[i]));
        assertTrue(maxDiff > 1e-3, "control: fresh moments lead elsewhere (max diff " + maxDiff + "), so the check above can fail");
    }

    @Test
    void aStateOfAnotherModelIsRefused(@TempDir Path dir) throws Exception {
        try (Model m = TinyModel.model()) {
            CheckpointableAdam a = adam();
            try (Trainer t = TinyModel.trainer(m, a)) {
                steps(t, 0, 1);
                a.saveState(m.getBlock(), dir.resolve("adam.state"));
            }
        }
        try (Model other = Model.newInstance("other")) {
            other.setBlock(new ai.djl.nn.SequentialBlock().add(ai.djl.nn.core.Linear.builder().setUnits(3).build()));
            CheckpointableAdam a = adam();
            try (Trainer t = TinyModel.trainer(other, a)) {
                IllegalStateException e = assertThrows(IllegalStateException.class, () -> a.loadState(other.getBlock(), dir.resolve("adam.state")));
                assertTrue(e.getMessage().contains("parameters"), e.getMessage());
            }
        }
    }
}
