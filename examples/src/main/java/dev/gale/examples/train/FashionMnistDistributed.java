package dev.gale.examples.train;

import dev.gale.cluster.GaleNode;
import dev.gale.examples.FashionMnist;
import dev.gale.gpu.ResourceSpec;
import dev.gale.train.DataParallelTrainer;
import dev.gale.train.FailureConfig;
import dev.gale.train.ScalingConfig;
import dev.gale.train.TrainResult;
import dev.gale.train.TrainRunConfig;
import dev.gale.train.TrainingFailedException;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;

/**
 * Trains {@link FashionMnistLoop} on a group of workers ({@code gale train fashion-mnist}):
 * prints each epoch as rank 0 reports it, and the final test accuracy.
 */
public final class FashionMnistDistributed {
    private FashionMnistDistributed() {
    }

    /**
     * @param workers     workers in the group
     * @param cpus        CPUs per worker (its PyTorch threads)
     * @param model       mlp or cnn
     * @param epochs      epochs
     * @param batch       per-worker batch
     * @param lr          Adam learning rate
     * @param maxFailures restarts allowed
     * @param name        run name
     * @param storagePath parent of run directories (null: ~/gale_results)
     * @param address     a cluster to join as a client (host:port), or null for the embedded node
     */
    public record Options(int workers, double cpus, String model, int epochs, int batch, double lr, int maxFailures,
                          String name, Path storagePath, String address, int trainSubset) {
        public Options {
            if (!model.equals("mlp") && !model.equals("cnn")) {
                throw new IllegalArgumentException("--model " + model + ": use mlp or cnn");
            }
            if (epochs < 1) throw new IllegalArgumentException("--epochs " + epochs + ": must be >= 1");
            if (batch < 1) throw new IllegalArgumentException("--batch " + batch + ": must be >= 1");
        }
    }

    /** Runs the training; returns the exit code (0 done, 1 failed). */
    public static int run(Options o, PrintStream out) {
        FashionMnist.test(); // fails early, naming the fix, when the data set is missing
        ScalingConfig scaling = ScalingConfig.of(o.workers(), ResourceSpec.ofCpus(o.cpus()));
        GaleNode node = o.address() == null ? GaleNode.shared() : GaleNode.connect(o.address());
        long t0 = System.nanoTime();
        try {
            DataParallelTrainer t = FashionMnistLoop.trainer().node(node).scaling(scaling)
                    .failure(new FailureConfig(o.maxFailures()))
                    .run(new TrainRunConfig(o.name(), o.storagePath(), null, null))
                    .config(Map.of("model", o.model(), "epochs", o.epochs(), "batch", o.batch(), "lr", o.lr(),
                            "train_subset", o.trainSubset()))
                    .onReport(m -> out.printf("epoch %2d  test_accuracy %.4f  samples/s %8.0f  (%.1f s, %d workers)%n",
                            ((Number) m.get("epoch")).intValue(), ((Number) m.get("test_accuracy")).doubleValue(),
                            ((Number) m.get("samples_per_s")).doubleValue(), ((Number) m.get("train_s")).doubleValue(),
                            ((Number) m.get("workers")).intValue()))
                    .build();
            out.printf("training %s on Fashion-MNIST with %d workers (%s each), %d epochs, global batch %d%n", o.model(),
                    o.workers(), ResourceSpec.ofCpus(o.cpus()), o.epochs(), o.batch() * o.workers());
            TrainResult r = t.fit();
            out.printf("done in %.1f s: test accuracy %.4f, %d restart(s); checkpoint %s%n", (System.nanoTime() - t0) / 1e9,
                    ((Number) r.metrics().get("test_accuracy")).doubleValue(), r.failures(),
                    r.checkpoint().map(Path::toString).orElse("-"));
            return 0;
        } catch (TrainingFailedException e) {
            out.println("training failed: " + e.getMessage());
            return 1;
        } finally {
            if (o.address() != null) node.close();
        }
    }
}
