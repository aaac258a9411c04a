package dev.gale.bench;

import dev.gale.cluster.GaleNode;
import dev.gale.cluster.NodeConfig;
import dev.gale.examples.FashionMnist;
import dev.gale.examples.FashionMnistTrainable;
import dev.gale.gpu.DjlRuntime;
import dev.gale.gpu.InventoryDiscovery;
import dev.gale.gpu.NodeInventory;
import dev.gale.gpu.ResourceSpec;
import dev.gale.tune.Mode;
import dev.gale.tune.ResultGrid;
import dev.gale.tune.RunConfig;
import dev.gale.tune.TrialStatus;
import dev.gale.tune.TrialSummary;
import dev.gale.tune.TuneConfig;
import dev.gale.tune.Tuner;
import dev.gale.tune.search.SearchSpace;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * {@code gale bench concurrency}: does a trial's CPU lease keep concurrent DJL trials from
 * slowing each other down?
 *
 * <p>Runs the same {@link FashionMnistTrainable} trial (fixed config) through the Tuner on the
 * embedded one-node cluster, each trial leasing {@code --cpus} CPUs (default 1). First an
 * unmeasured warm-up trial (the first epochs in a JVM run up to 2x slower: JIT, allocator; without
 * it the lone trial, which runs first, is handicapped), then {@code --rounds} rounds of: one trial
 * alone, then {@code --concurrent} (default 2) at once. A trial's figure is its fastest epoch's
 * {@code samples_per_s} (training only, evaluation excluded); each printed figure is the best of
 * the rounds. Best-of is what makes the figures usable on a machine whose cores are shared with
 * other work: a neighbour's burst slows an epoch down, never speeds one up. Prints the lone
 * figure, each concurrent trial's figure and its ratio to the lone one, and PASS when every
 * concurrent trial keeps at least {@code --target} (default 40 %) of the lone trial's samples/s.
 *
 * <p>{@code --threads-default} turns the lease's PyTorch thread setting off
 * ({@link DjlRuntime#LEASE_THREADS_PROPERTY}), so every trial uses PyTorch's default of all cores:
 * the comparison. Run it in a fresh JVM: a thread count set
 * earlier in the same JVM stays as PyTorch's process-wide default.
 */
public final class ConcurrencyBench {
    private ConcurrencyBench() {
    }

    /** Parsed options. */
    record Options(boolean threadsDefault, int epochs, int warmupEpochs, int rounds, int trainSubset, int hidden, int batchSize,
                   int concurrent, double cpus, double target, Path storage, boolean help) {
        Options {
            if (epochs < 1) throw new IllegalArgumentException("--epochs = " + epochs + ": must be >= 1");
            if (warmupEpochs < 1) throw new IllegalArgumentException("--warmup-epochs = " + warmupEpochs + ": must be >= 1");
            if (rounds < 1) throw new IllegalArgumentException("--rounds = " + rounds + ": must be >= 1");
            if (trainSubset < 1 || trainSubset > 59_000) throw new IllegalArgumentException("--train-subset = " + trainSubset + ": must be in [1, 59000]");
            if (hidden < 1) throw new IllegalArgumentException("--hidden = " + hidden + ": must be >= 1");
            if (batchSize < 1) throw new IllegalArgumentException("--batch-size = " + batchSize + ": must be >= 1");
            if (concurrent < 2) throw new IllegalArgumentException("--concurrent = " + concurrent + ": must be >= 2");
            if (!(cpus > 0)) throw new IllegalArgumentException("--cpus = " + cpus + ": must be > 0");
            if (!(target > 0 && target <= 1)) throw new IllegalArgumentException("--target = " + target + ": must be in (0, 1]");
        }
    }

    static final String USAGE = String.join("\n",
            "usage: gale bench concurrency [--threads-default] [--epochs N] [--warmup-epochs N] [--rounds N]",
            "                              [--train-subset N] [--hidden N] [--batch-size N] [--concurrent N]",
            "                              [--cpus C] [--target F] [--storage DIR]",
            "  After a warm-up trial, R rounds of: one Fashion-MNIST MLP trial alone, then N at once, each",
            "  leasing C CPUs. A trial's figure is its fastest epoch; each figure is the best of the rounds.",
            "  PASS when each concurrent trial keeps >= F of the lone trial's samples/s.",
            "  --threads-default  do not set PyTorch's thread count from the lease (for comparison)",
            "  --epochs N         epochs per measured trial (default 3)",
            "  --warmup-epochs N  epochs of the unmeasured warm-up trial (default 4)",
            "  --rounds N         rounds of alone + together (default 2)",
            "  --train-subset N   training images per epoch (default 20000)",
            "  --hidden N         hidden units (default 256)    --batch-size N  (default 128)",
            "  --concurrent N     trials at once (default 2)     --cpus C        CPUs per trial (default 1)",
            "  --target F         pass mark, fraction of the lone figure (default 0.4)",
            "  --storage DIR      keep the experiment directories there (default: a temporary directory, deleted)");

    static Options parse(List<String> args) {
        boolean threadsDefault = false;
        boolean help = false;
        int epochs = 3;
        int warmup = 4;
        int rounds = 2;
        int subset = 20_000;
        int hidden = 256;
        int batch = 128;
        int concurrent = 2;
        double cpus = 1;
        double target = 0.4;
        Path storage = null;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            switch (a) {
                case "--threads-default" -> threadsDefault = true;
                case "-h", "--help" -> help = true;
                case "--epochs" -> epochs = Integer.parseInt(value(args, ++i, a));
                case "--warmup-epochs" -> warmup = Integer.parseInt(value(args, ++i, a));
                case "--rounds" -> rounds = Integer.parseInt(value(args, ++i, a));
                case "--train-subset" -> subset = Integer.parseInt(value(args, ++i, a));
                case "--hidden" -> hidden = Integer.parseInt(value(args, ++i, a));
                case "--batch-size" -> batch = Integer.parseInt(value(args, ++i, a));
                case "--concurrent" -> concurrent = Integer.parseInt(value(args, ++i, a));
                case "--cpus" -> cpus = Double.parseDouble(value(args, ++i, a));
                case "--target" -> target = Double.parseDouble(value(args, ++i, a));
                case "--storage" -> storage = Path.of(value(args, ++i, a));
                default -> throw new IllegalArgumentException("unknown option '" + a + "'\n" + USAGE);
            }
        }
        return new Options(threadsDefault, epochs, warmup, rounds, subset, hidden, batch, concurrent, cpus, target, storage, help);
    }

    private static String value(List<String> args, int i, String flag) {
        if (i >= args.size()) throw new IllegalArgumentException(flag + " needs a value\n" + USAGE);
        return args.get(i);
    }

    /**
     * Runs the benchmark and prints its figures.
     *
     * @return 0 on PASS, 1 on FAIL (or when a trial did not report), 2 for bad options or missing data
     */
    public static int run(List<String> args, PrintStream out) {
        Options o;
        try {
            o = parse(args);
        } catch (IllegalArgumentException e) {
            out.println("error: " + e.getMessage());
            return 2;
        }
        if (o.help()) {
            out.println(USAGE);
            return 0;
        }
        DjlRuntime.ensureOffline();
        if (o.threadsDefault()) {
            System.setProperty(DjlRuntime.LEASE_THREADS_PROPERTY, "false");
        }
        try {
            FashionMnist.train();
            FashionMnist.test();
        } catch (IllegalStateException e) {
            out.println("error: " + e.getMessage());
            return 2;
        }
        Path base;
        try {
            base = o.storage() != null ? Files.createDirectories(o.storage()) : Files.createTempDirectory("gale-bench-concurrency");
        } catch (IOException e) {
            out.println("error: cannot create the experiment directory: " + e.getMessage());
            return 2;
        }
        NodeInventory inv = InventoryDiscovery.discover();
        ResourceSpec lease = ResourceSpec.ofCpus(o.cpus());
        out.printf(Locale.ROOT, "gale bench concurrency: %s cores, %s per trial, PyTorch threads %s; MLP 784-%d-10, batch %d, "
                        + "%d epochs of %,d images per trial, %d rounds after a %d-epoch warm-up%n",
                fmt(inv.cpus()), lease, o.threadsDefault() ? "= PyTorch default (all cores; --threads-default)"
                        : "from the lease (" + lease.threads() + ")", o.hidden(), o.batchSize(), o.epochs(), o.trainSubset(),
                o.rounds(), o.warmupEpochs());
        if (o.cpus() * o.concurrent() > inv.cpus()) {
            out.printf(Locale.ROOT, "note: %d trials x %s CPUs do not fit on %s cores: the 'concurrent' trials will queue%n",
                    o.concurrent(), fmt(o.cpus()), fmt(inv.cpus()));
        }
        out.println("load average before: " + loadAverage());
        String tag = o.threadsDefault() ? "default" : "lease";
        double lone = Double.NaN;
        double[] together = new double[o.concurrent()];
        java.util.Arrays.fill(together, Double.NaN);
        try (GaleNode node = GaleNode.start(NodeConfig.embedded().withInventory(inv))) {
            // warm-up: the first epochs in a JVM run up to 2x slower (JIT, allocator); not measured
            runTrials(node, base, "concurrency-" + tag + "-warmup", o, 1, o.warmupEpochs());
            for (int r = 1; r <= o.rounds(); r++) {
                ResultGrid g1 = runTrials(node, base, "concurrency-" + tag + "-lone-" + r, o, 1, o.epochs());
                double l = best(g1.trials().get(0), out);
                ResultGrid g2 = runTrials(node, base, "concurrency-" + tag + "-x" + o.concurrent() + "-" + r, o, o.concurrent(), o.epochs());
                StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "round %d: alone %,.0f | %d at once:", r, l, o.concurrent()));
                List<TrialSummary> ts = g2.trials();
                for (int i = 0; i < o.concurrent(); i++) {
                    double s = i < ts.size() ? best(ts.get(i), out) : Double.NaN;
                    line.append(String.format(Locale.ROOT, " %,.0f (%.0f %%)", s, 100 * s / l));
                    if (!(together[i] >= s)) together[i] = s; // NaN-aware max
                }
                out.println(line.append(" samples/s"));
                if (!(lone >= l)) lone = l;
            }
        } finally {
            if (o.storage() == null) deleteTree(base);
        }
        if (Double.isNaN(lone) || java.util.Arrays.stream(together).anyMatch(Double::isNaN)) {
            out.println("FAIL: not every trial reported samples_per_s");
            return 1;
        }
        out.printf(Locale.ROOT, "alone:          %,10.0f samples/s%n", lone);
        double worst = Double.POSITIVE_INFINITY;
        double sum = 0;
        for (int i = 0; i < together.length; i++) {
            out.printf(Locale.ROOT, "%d at once, #%d: %,10.0f samples/s = %5.1f %% of alone%n",
                    o.concurrent(), i + 1, together[i], 100 * together[i] / lone);
            worst = Math.min(worst, together[i]);
            sum += together[i];
        }
        out.printf(Locale.ROOT, "aggregate %d at once: %,.0f samples/s = %.2fx alone%n", o.concurrent(), sum, sum / lone);
        out.println("load average after: " + loadAverage());
        boolean pass = worst >= o.target() * lone;
        out.printf(Locale.ROOT, "%s: the slowest concurrent trial keeps %.1f %% of the lone trial's samples/s (target >= %.0f %%)%s%n",
                pass ? "PASS" : "FAIL", 100 * worst / lone, 100 * o.target(),
                o.storage() != null ? "; experiments in " + base : "");
        return pass ? 0 : 1;
    }

    /** The trainable's fixed config for the benchmark. */
    static Map<String, Object> config(Options o) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(FashionMnistTrainable.HIDDEN, o.hidden());
        m.put(FashionMnistTrainable.LR, 1e-3);
        m.put(FashionMnistTrainable.BATCH_SIZE, o.batchSize());
        m.put(FashionMnistTrainable.DROPOUT, 0.2);
        m.put(FashionMnistTrainable.EPOCHS, o.epochs());
        m.put(FashionMnistTrainable.TRAIN_SUBSET, o.trainSubset());
        // small evaluation sets: the benchmark measures training
        m.put(FashionMnistTrainable.VAL_SIZE, 1_000);
        m.put(FashionMnistTrainable.TEST_SIZE, 1_000);
        return m;
    }

    private static ResultGrid runTrials(GaleNode node, Path base, String name, Options o, int n, int epochs) {
        Map<String, Object> cfg = config(o);
        cfg.put(FashionMnistTrainable.EPOCHS, epochs);
        return Tuner.builder(FashionMnistTrainable.class)
                .paramSpace(SearchSpace.of(cfg))
                // metric MAX: each trial's best result is its fastest epoch (FIFO: nothing is stopped)
                .tuneConfig(TuneConfig.builder().metric("samples_per_s").mode(Mode.MAX)
                        .numSamples(n).maxConcurrentTrials(n).build())
                .runConfig(new RunConfig(name, base, true, 1000))
                .resources(ResourceSpec.ofCpus(o.cpus()))
                .node(node)
                .build()
                .fit();
    }

    /** The trial's fastest epoch (NaN when it reported none). */
    private static double best(TrialSummary t, PrintStream out) {
        if (t.status() != TrialStatus.TERMINATED) out.println(t.trialId() + " " + t.status() + ": " + t.error());
        return t.bestMetric("samples_per_s");
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2] + " (1, 5, 15 min; other processes on the cores skew the figures)";
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) return;
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            // leave what could not be deleted
        }
    }

    /** {@code java ... dev.gale.bench.ConcurrencyBench [options]}. */
    public static void main(String[] args) {
        int rc = run(List.of(args), System.out);
        System.out.flush();
        System.exit(rc);
    }
}
