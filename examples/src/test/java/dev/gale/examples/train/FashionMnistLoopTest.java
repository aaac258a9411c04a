package dev.gale.examples.train;

import dev.gale.cluster.GaleNode;
import dev.gale.examples.FashionMnist;
import dev.gale.gpu.ResourceSpec;
import dev.gale.train.DataParallelTrainer;
import dev.gale.train.FailureConfig;
import dev.gale.train.ScalingConfig;
import dev.gale.train.TrainResult;
import dev.gale.train.TrainRunConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The data-parallel Fashion-MNIST example on two worker JVMs, on a subset (skipped without the data set). */
class FashionMnistLoopTest {
    @Test
    void twoWorkersLearnAndCheckpointEveryEpoch(@TempDir Path dir) {
        assumeTrue(Files.isRegularFile(FashionMnist.dir().resolve("train-images-idx3-ubyte.gz")),
                "Fashion-MNIST not installed (apt-get install -y dataset-fashion-mnist)");
        try (GaleNode node = GaleNode.startEmbedded()) {
            DataParallelTrainer.Builder b = FashionMnistLoop.trainer().node(node)
                    .scaling(ScalingConfig.of(2, ResourceSpec.ofCpus(0.5))).failure(FailureConfig.NONE)
                    .run(new TrainRunConfig("fm", dir, Duration.ofSeconds(60), Duration.ofSeconds(120)))
                    .config(Map.of("epochs", 2, "batch", 32, "lr", 2e-3, "train_subset", 4000, "test_size", 1000));
            TrainResult r = b.build().fit();
            assertTrue(r.ok(), r.errors().toString());
            assertEquals(2, r.history().size(), "rank 0 reported every epoch");
            double acc = ((Number) r.metrics().get("test_accuracy")).doubleValue();
            assertTrue(acc > 0.70, "learned: test accuracy " + acc);
            assertEquals(2, ((Number) r.metrics().get("workers")).intValue());
            assertTrue(r.checkpoint().isPresent() && Files.exists(r.checkpoint().get().resolve("epoch")));
        }
    }
}
