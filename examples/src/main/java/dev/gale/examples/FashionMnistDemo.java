package dev.gale.examples;

import dev.gale.gpu.DjlRuntime;
import dev.gale.gpu.ResourceSpec;
import dev.gale.tune.Mode;
import dev.gale.tune.ResultGrid;
import dev.gale.tune.RunConfig;
import dev.gale.tune.TrialStatus;
import dev.gale.tune.TrialSummary;
import dev.gale.tune.TuneConfig;
import dev.gale.tune.Tuner;
import dev.gale.tune.schedulers.AshaScheduler;
import dev.gale.tune.search.Domains;
import dev.gale.tune.search.SearchSpace;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Hyperparameter search for {@link FashionMnistTrainable}: random search over hidden size,
 * learning rate, batch size and dropout, ASHA early stopping on {@code val_accuracy}, two trials
 * of one CPU each at a time on the embedded one-node cluster. With the defaults it takes one to
 * two minutes on two cores (JVM start included) and the best trial's test accuracy is about 0.87
 * (measured: 66 s and 0.868; 108 s and 0.869 with other work on the cores).
 *
 * <pre>{@code
 * java -cp ... dev.gale.examples.FashionMnistDemo --trials 12 --epochs 6
 * }</pre>
 */
public final class FashionMnistDemo {

    private FashionMnistDemo() {
    }

    /**
     * Options of the demo.
     *
     * @param trials        how many configurations to sample (numSamples)
     * @param epochs        epochs of a trial that ASHA does not stop (maxT)
     * @param trainSubset   training images per epoch (at most 55,000)
     * @param storagePath   parent of the experiment directory (null: {@code ~/gale_results})
     * @param name          experiment name (null or blank: generated)
     * @param quiet         no progress table
     * @param seed          seed of the random search
     * @param maxConcurrent trials at once (each leases one CPU)
     */
    public record DemoOptions(int trials, int epochs, int trainSubset, Path storagePath, String name, boolean quiet,
                              long seed, int maxConcurrent) {
        public DemoOptions {
            if (trials < 1) throw new IllegalArgumentException("trials = " + trials + ": must be >= 1");
            if (epochs < 1) throw new IllegalArgumentException("epochs = " + epochs + ": must be >= 1");
            if (trainSubset < 1 || trainSubset > 55_000) {
                throw new IllegalArgumentException("trainSubset = " + trainSubset + ": must be in [1, 55000]");
            }
            if (maxConcurrent < 1) throw new IllegalArgumentException("maxConcurrent = " + maxConcurrent + ": must be >= 1");
        }

        /** The defaults: 12 trials, 6 epochs, 40,000 images, 2 at once, seed 0. */
        public static DemoOptions defaults() {
            return new DemoOptions(12, 6, 40_000, null, null, false, 0, 2);
        }

        public DemoOptions withTrials(int n) { return new DemoOptions(n, epochs, trainSubset, storagePath, name, quiet, seed, maxConcurrent); }
        public DemoOptions withEpochs(int n) { return new DemoOptions(trials, n, trainSubset, storagePath, name, quiet, seed, maxConcurrent); }
        public DemoOptions withTrainSubset(int n) { return new DemoOptions(trials, epochs, n, storagePath, name, quiet, seed, maxConcurrent); }
        public DemoOptions withStoragePath(Path p) { return new DemoOptions(trials, epochs, trainSubset, p, name, quiet, seed, maxConcurrent); }
        public DemoOptions withName(String n) { return new DemoOptions(trials, epochs, trainSubset, storagePath, n, quiet, seed, maxConcurrent); }
        public DemoOptions withQuiet(boolean q) { return new DemoOptions(trials, epochs, trainSubset, storagePath, name, q, seed, maxConcurrent); }
        public DemoOptions withSeed(long s) { return new DemoOptions(trials, epochs, trainSubset, storagePath, name, quiet, s, maxConcurrent); }
        public DemoOptions withMaxConcurrent(int n) { return new DemoOptions(trials, epochs, trainSubset, storagePath, name, quiet, seed, n); }
    }

    /** The search space of the demo, with {@code epochs} and {@code train_subset} as constants. */
    public static SearchSpace space(int epochs, int trainSubset) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(FashionMnistTrainable.HIDDEN, Domains.choice(128, 256, 512));
        m.put(FashionMnistTrainable.LR, Domains.loguniform(1e-4, 1e-2));
        m.put(FashionMnistTrainable.BATCH_SIZE, Domains.choice(64, 128, 256));
        m.put(FashionMnistTrainable.DROPOUT, Domains.uniform(0.0, 0.5));
        m.put(FashionMnistTrainable.EPOCHS, epochs);
        m.put(FashionMnistTrainable.TRAIN_SUBSET, trainSubset);
        return SearchSpace.of(m);
    }

    /**
     * Runs the search and prints the best trial, its test accuracy and the experiment directory.
     *
     * @return 0 when at least one trial reported, 1 when none did, 2 when the data set is missing
     */
    public static int run(DemoOptions o, PrintStream out) {
        long t0 = System.nanoTime();
        DjlRuntime.ensureOffline();
        try {
            // fail before the cluster starts when the data is missing; decodes once for all trials
            FashionMnist.train();
            FashionMnist.test();
        } catch (IllegalStateException e) {
            out.println("error: " + e.getMessage());
            return 2;
        }
        out.printf(Locale.ROOT, "Fashion-MNIST HPO: %d trials, up to %d epochs of %,d images, %d at once (1 CPU each), ASHA on val_accuracy%n",
                o.trials(), o.epochs(), o.trainSubset(), o.maxConcurrent());

        TuneConfig tune = TuneConfig.builder()
                .metric("val_accuracy").mode(Mode.MAX)
                .numSamples(o.trials())
                .maxConcurrentTrials(o.maxConcurrent())
                .seed(o.seed())
                .scheduler(AshaScheduler.builder()
                        .timeAttr("training_iteration")
                        .maxT(o.epochs())
                        .gracePeriod(1)
                        .reductionFactor(2)
                        .build())
                .build();
        RunConfig run = new RunConfig(o.name(), o.storagePath(), o.quiet(), 5000);
        ResultGrid grid = Tuner.builder(FashionMnistTrainable.class)
                .paramSpace(space(o.epochs(), o.trainSubset()))
                .tuneConfig(tune)
                .runConfig(run)
                .resources(ResourceSpec.ofCpus(1))
                .output(out)
                .build()
                .fit();
        double seconds = (System.nanoTime() - t0) / 1e9;

        out.println();
        out.println(grid.table());
        List<TrialSummary> errors = grid.errors();
        if (!errors.isEmpty()) {
            out.printf("%d trial(s) failed, first: %s: %s%n", errors.size(), errors.get(0).trialId(), errors.get(0).error());
        }
        TrialSummary best;
        try {
            best = grid.best("val_accuracy", Mode.MAX);
        } catch (IllegalArgumentException e) {
            out.println("no trial reported val_accuracy; see " + grid.experimentDir());
            return 1;
        }
        out.printf(Locale.ROOT, "Best trial: %s (%d epochs, %s)%n", best.trialId(), best.iterations(), best.status());
        out.printf(Locale.ROOT, "  config: hidden=%s lr=%.5g batch_size=%s dropout=%.3f%n",
                best.config().get(FashionMnistTrainable.HIDDEN), ((Number) best.config().get(FashionMnistTrainable.LR)).doubleValue(),
                best.config().get(FashionMnistTrainable.BATCH_SIZE), ((Number) best.config().get(FashionMnistTrainable.DROPOUT)).doubleValue());
        out.printf(Locale.ROOT, "  val_accuracy=%.4f test_accuracy=%.4f%n", best.metric("val_accuracy"), best.metric("test_accuracy"));
        best.lastCheckpoint().ifPresent(c -> out.println("  last checkpoint: " + c.path()));
        out.printf(Locale.ROOT, "Trials: %d terminated, %d in error; %.1f s in all%n",
                grid.count(TrialStatus.TERMINATED), grid.count(TrialStatus.ERROR), seconds);
        out.println("Experiment directory: " + grid.experimentDir());
        return 0;
    }

    /** Command line: {@code [--trials N] [--epochs N] [--train-subset N] [--storage-path DIR] [--name NAME] [--seed N] [--max-concurrent N] [--quiet]}. */
    public static void main(String[] args) {
        quietLogging();
        DemoOptions o = DemoOptions.defaults();
        try {
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "--trials" -> o = o.withTrials(Integer.parseInt(value(args, ++i, a)));
                    case "--epochs" -> o = o.withEpochs(Integer.parseInt(value(args, ++i, a)));
                    case "--train-subset" -> o = o.withTrainSubset(Integer.parseInt(value(args, ++i, a)));
                    case "--storage", "--storage-path" -> o = o.withStoragePath(Path.of(value(args, ++i, a)));
                    case "--name" -> o = o.withName(value(args, ++i, a));
                    case "--seed" -> o = o.withSeed(Long.parseLong(value(args, ++i, a)));
                    case "--max-concurrent" -> o = o.withMaxConcurrent(Integer.parseInt(value(args, ++i, a)));
                    case "-q", "--quiet" -> o = o.withQuiet(true);
                    case "-h", "--help" -> {
                        System.out.println("usage: FashionMnistDemo [--trials N] [--epochs N] [--train-subset N] [--storage-path DIR]"
                                + " [--name NAME] [--seed N] [--max-concurrent N] [--quiet]");
                        System.exit(0);
                    }
                    default -> throw new IllegalArgumentException("unknown option " + a + " (try --help)");
                }
            }
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(64);
        }
        int rc = run(o, System.out);
        System.out.flush();
        System.exit(rc);
    }

    /** Uses the examples' logging configuration (warnings only) unless one is given. */
    static void quietLogging() {
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "dev/gale/examples/logback-demo.xml");
        }
    }

    private static String value(String[] args, int i, String flag) {
        if (i >= args.length) throw new IllegalArgumentException(flag + " needs a value");
        return args[i];
    }
}
