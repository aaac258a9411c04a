package dev.gale.cli;

import dev.gale.examples.FashionMnistDemo;
import dev.gale.examples.FashionMnistDemo.DemoOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code gale demo}: the Fashion-MNIST MLP search with ASHA on the embedded cluster. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Tune a Fashion-MNIST MLP (hidden size, learning rate, batch size, dropout) with ASHA",
                "on an embedded one-node cluster; prints the best config and its test accuracy."})
final class DemoCommand implements Callable<Integer> {
    private static final DemoOptions D = DemoOptions.defaults();

    @Option(names = "--trials", description = "number of sampled configs (default: ${DEFAULT-VALUE})")
    int trials = D.trials();

    @Option(names = "--epochs", description = "max epochs per trial (ASHA max_t) (default: ${DEFAULT-VALUE})")
    int epochs = D.epochs();

    @Option(names = "--train-subset", description = "training images used (default: ${DEFAULT-VALUE})")
    int trainSubset = D.trainSubset();

    @Option(names = "--max-concurrent", description = "trials at once (default: ${DEFAULT-VALUE})")
    int maxConcurrent = D.maxConcurrent();

    @Option(names = "--seed", description = "searcher seed (default: ${DEFAULT-VALUE})")
    long seed = D.seed();

    @Option(names = "--name", description = "experiment name")
    String name;

    @Option(names = "--storage-path", description = "parent of experiment directories (default ~/gale_results)")
    Path storagePath;

    @Option(names = {"-q", "--quiet"}, description = "no progress output")
    boolean quiet;

    @Override
    public Integer call() {
        return FashionMnistDemo.run(new DemoOptions(trials, epochs, trainSubset, storagePath, name, quiet, seed,
                maxConcurrent), System.out);
    }
}
