package dev.gale.cli;

import dev.gale.examples.train.FashionMnistDistributed;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code gale train fashion-mnist}: data-parallel training of the Fashion-MNIST MLP or CNN on a worker group. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Train a model data-parallel on a group of worker JVMs (one per worker, gradients",
                "all-reduced every step). Built in: fashion-mnist (--model mlp|cnn)."})
final class TrainCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "TASK", description = "what to train: fashion-mnist")
    String task;

    @Option(names = "--workers", description = "workers in the group (default: ${DEFAULT-VALUE})")
    int workers = 2;

    @Option(names = "--cpus-per-worker", description = "CPUs (PyTorch threads) per worker (default: ${DEFAULT-VALUE})")
    double cpus = 1;

    @Option(names = "--model", description = "mlp or cnn (default: ${DEFAULT-VALUE})")
    String model = "mlp";

    @Option(names = "--epochs", description = "epochs (default: ${DEFAULT-VALUE})")
    int epochs = 10;

    @Option(names = "--batch", description = "batch per worker; the global batch is batch x workers (default: ${DEFAULT-VALUE})")
    int batch = 64;

    @Option(names = "--lr", description = "Adam learning rate (default: ${DEFAULT-VALUE})")
    double lr = 1e-3;

    @Option(names = "--train-subset", description = "training images used (default: ${DEFAULT-VALUE})")
    int trainSubset = 60_000;

    @Option(names = "--max-failures", description = "restarts from the last checkpoint allowed (default: ${DEFAULT-VALUE})")
    int maxFailures = 2;

    @Option(names = "--name", description = "run name (default: ${DEFAULT-VALUE})")
    String name = "fashion-mnist-dp";

    @Option(names = "--storage-path", description = "parent of run directories (default ~/gale_results)")
    Path storagePath;

    @Option(names = "--address", description = "a running cluster to use (host:port); default: an embedded one-node cluster")
    String address;

    @Override
    public Integer call() {
        if (!"fashion-mnist".equals(task)) {
            throw new IllegalArgumentException("train " + task + ": the built-in task is fashion-mnist"
                    + " (your own loops: DataParallelTrainer in Java, see docs/train.md)");
        }
        if (workers < 1) throw new IllegalArgumentException("--workers " + workers + ": must be >= 1");
        return FashionMnistDistributed.run(new FashionMnistDistributed.Options(workers, cpus, model, epochs, batch, lr,
                maxFailures, name, storagePath, address, trainSubset), System.out);
    }
}
