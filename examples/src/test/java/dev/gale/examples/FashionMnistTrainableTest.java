package dev.gale.examples;

import dev.gale.gpu.DjlRuntime;
import dev.gale.tune.Checkpoint;
import dev.gale.tune.TrialStoppedException;
import dev.gale.tune.testing.TestTrialContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Trains on a tiny subset of the real data set (skipped when it is not installed). */
class FashionMnistTrainableTest {
    @TempDir
    Path dir;

    @BeforeAll
    static void dataAndEngine() {
        assumeTrue(Files.isRegularFile(FashionMnist.dir().resolve("train-images-idx3-ubyte.gz")),
                "Fashion-MNIST not installed (apt-get install -y dataset-fashion-mnist)");
        DjlRuntime.ensureOffline();
    }

    static Map<String, Object> tiny(int epochs) {
        Map<String, Object> c = new HashMap<>();
        c.put("hidden", 32);
        c.put("lr", 3e-3);
        c.put("batch_size", 64);
        c.put("dropout", 0.1);
        c.put("epochs", epochs);
        c.put("train_subset", 512);
        c.put("val_size", 256);
        c.put("test_size", 256);
        return c;
    }

    @Test
    void reportsMetricsAndACheckpointEachEpoch() throws Exception {
        TestTrialContext ctx = TestTrialContext.builder().config(tiny(2)).trialDir(dir).build();
        new FashionMnistTrainable().train(ctx);

        assertEquals(2, ctx.reports().size());
        for (int i = 0; i < 2; i++) {
            Map<String, Object> r = ctx.reports().get(i);
            assertEquals(i + 1, ((Number) r.get("epoch")).intValue());
            for (String k : List.of("val_accuracy", "test_accuracy")) {
                double v = ((Number) r.get(k)).doubleValue();
                assertTrue(v >= 0 && v <= 1, k + " = " + v);
            }
            assertTrue(((Number) r.get("loss")).doubleValue() > 0);
            assertTrue(((Number) r.get("samples_per_s")).doubleValue() > 0);
        }
        // 512 images, 2 epochs of Adam at 3e-3: well above chance (0.1)
        assertTrue(((Number) ctx.reports().get(1).get("val_accuracy")).doubleValue() > 0.4, ctx.reports().toString());

        assertEquals(2, ctx.checkpoints().size());
        Path last = ctx.checkpoints().get(1);
        assertTrue(Files.isRegularFile(last.resolve(Checkpoint.DATA_FILE)));
        assertTrue(Files.isRegularFile(last.resolve(FashionMnistTrainable.MODEL_NAME + "-0000.params")));
        assertEquals(2, ((Number) new Checkpoint(last).loadData().get("epoch")).intValue());
    }

    @Test
    void resumesFromACheckpointWithTheNextEpoch() throws Exception {
        TestTrialContext first = TestTrialContext.builder().config(tiny(1)).trialDir(dir.resolve("a")).build();
        new FashionMnistTrainable().train(first);
        double accAfter1 = ((Number) first.reports().get(0).get("val_accuracy")).doubleValue();

        TestTrialContext second = TestTrialContext.builder().config(tiny(3)).trialDir(dir.resolve("b"))
                .resumeFrom(new Checkpoint(first.checkpoints().get(0))).build();
        new FashionMnistTrainable().train(second);

        assertEquals(2, second.reports().size());
        assertEquals(2, ((Number) second.reports().get(0).get("epoch")).intValue());
        assertEquals(3, ((Number) second.reports().get(1).get("epoch")).intValue());
        // the loaded weights were used: after more training it is no worse than chance and
        // typically better than after one epoch; a fresh model would start near 0.1
        double accAfter2 = ((Number) second.reports().get(0).get("val_accuracy")).doubleValue();
        assertTrue(accAfter2 > 0.4 && accAfter2 + 0.15 > accAfter1, accAfter1 + " -> " + accAfter2);
        assertEquals(3, ((Number) new Checkpoint(second.checkpoints().get(1)).loadData().get("epoch")).intValue());
    }

    @Test
    void aCheckpointAtTheLastEpochTrainsNothing() throws Exception {
        TestTrialContext first = TestTrialContext.builder().config(tiny(1)).trialDir(dir.resolve("a")).build();
        new FashionMnistTrainable().train(first);
        TestTrialContext again = TestTrialContext.builder().config(tiny(1)).trialDir(dir.resolve("b"))
                .resumeFrom(new Checkpoint(first.checkpoints().get(0))).build();
        new FashionMnistTrainable().train(again);
        assertTrue(again.reports().isEmpty());
    }

    @Test
    void stopFromTheSchedulerPropagates() {
        TestTrialContext ctx = TestTrialContext.builder().config(tiny(3)).trialDir(dir).stopAfterReports(1).build();
        assertThrows(TrialStoppedException.class, () -> new FashionMnistTrainable().train(ctx));
        assertEquals(1, ctx.reports().size());
    }

    @Test
    void badConfigNamesTheKey() {
        Map<String, Object> c = tiny(1);
        c.put("dropout", 1.5);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new FashionMnistTrainable().train(TestTrialContext.builder().config(c).trialDir(dir).build()));
        assertTrue(e.getMessage().startsWith("dropout = 1.5"), e.getMessage());
        c.put("dropout", 0.1);
        c.put("train_subset", 60_000);
        e = assertThrows(IllegalArgumentException.class,
                () -> new FashionMnistTrainable().train(TestTrialContext.builder().config(c).trialDir(dir).build()));
        assertTrue(e.getMessage().startsWith("train_subset = 60000"), e.getMessage());
    }

    /** DJL's own gradient collector allows one per process; two trials in one JVM must both train. */
    @Test
    void twoTrialsTrainAtOnceInOneJvm() throws Exception {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        TestTrialContext[] ctxs = new TestTrialContext[2];
        Thread[] ts = new Thread[2];
        for (int i = 0; i < 2; i++) {
            Path d = Files.createDirectories(dir.resolve("t" + i));
            Map<String, Object> c = tiny(2);
            c.put("train_subset", 2048);
            ctxs[i] = TestTrialContext.builder().config(c).trialDir(d).build();
            TestTrialContext ctx = ctxs[i];
            ts[i] = new Thread(() -> {
                try {
                    DjlRuntime.configureThreadForLease(1);
                    new FashionMnistTrainable().train(ctx);
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
            }, "trial-" + i);
        }
        for (Thread t : ts) t.start();
        for (Thread t : ts) t.join();
        assertNull(failure.get(), () -> "a concurrent trial failed: " + failure.get());
        for (TestTrialContext ctx : ctxs) {
            assertEquals(2, ctx.reports().size());
            assertTrue(((Number) ctx.reports().get(1).get("val_accuracy")).doubleValue() > 0.4, ctx.reports().toString());
        }
    }
}
