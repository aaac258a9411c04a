package dev.gale.examples;

import dev.gale.examples.FashionMnistDemo.DemoOptions;
import dev.gale.tune.search.SearchSpace;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class FashionMnistDemoTest {
    @TempDir
    Path dir;

    @Test
    void defaultsAreValidAndOptionsAreChecked() {
        DemoOptions d = DemoOptions.defaults();
        assertEquals(2, d.maxConcurrent());
        assertEquals(12, d.withTrials(12).trials());
        assertThrows(IllegalArgumentException.class, () -> d.withTrials(0));
        assertThrows(IllegalArgumentException.class, () -> d.withEpochs(0));
        assertThrows(IllegalArgumentException.class, () -> d.withTrainSubset(55_001));
        assertThrows(IllegalArgumentException.class, () -> d.withMaxConcurrent(0));
    }

    @Test
    void spaceHasTheFourHyperparametersAndTheConstants() {
        SearchSpace s = FashionMnistDemo.space(3, 1000);
        assertEquals(java.util.Set.of("hidden", "lr", "batch_size", "dropout"), s.domains().keySet());
        assertEquals(java.util.Map.of("epochs", 3, "train_subset", 1000), s.constants());
        for (int i = 0; i < 20; i++) {
            java.util.Map<String, Object> c = s.sample(new java.util.SplittableRandom(i), java.util.Map.of());
            double lr = ((Number) c.get("lr")).doubleValue();
            assertTrue(lr >= 1e-4 && lr <= 1e-2, "lr " + lr);
            assertTrue(java.util.List.of(64, 128, 256).contains(c.get("batch_size")), c.toString());
        }
    }

    @Test
    void missingDataIsReportedBeforeAnyTrial() {
        String old = System.getProperty(FashionMnist.DIR_PROPERTY);
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try {
            System.setProperty(FashionMnist.DIR_PROPERTY, dir.resolve("nowhere").toString());
            int rc = FashionMnistDemo.run(DemoOptions.defaults().withStoragePath(dir).withQuiet(true),
                    new PrintStream(buf, true, StandardCharsets.UTF_8));
            assertEquals(2, rc);
        } finally {
            if (old == null) System.clearProperty(FashionMnist.DIR_PROPERTY);
            else System.setProperty(FashionMnist.DIR_PROPERTY, old);
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("apt-get install -y dataset-fashion-mnist"), out);
    }

    /** The whole demo, tiny: embedded cluster, 2 trials of 1 CPU, ASHA. */
    @Test
    @Tag("slow")
    void runsEndToEndOnTheEmbeddedCluster() {
        assumeTrue(Files.isRegularFile(FashionMnist.dir().resolve("train-images-idx3-ubyte.gz")), "Fashion-MNIST not installed");
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int rc = FashionMnistDemo.run(new DemoOptions(3, 2, 1024, dir, "demo-test", true, 1, 2),
                new PrintStream(buf, true, StandardCharsets.UTF_8));
        String out = buf.toString(StandardCharsets.UTF_8);
        assertEquals(0, rc, out);
        assertTrue(out.contains("Best trial: trial_"), out);
        assertTrue(out.contains("test_accuracy="), out);
        assertTrue(out.contains("Experiment directory: " + dir.resolve("demo-test")), out);
        assertTrue(Files.isDirectory(dir.resolve("demo-test")));
    }
}
