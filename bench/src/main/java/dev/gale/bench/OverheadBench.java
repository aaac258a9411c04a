package dev.gale.bench;

import dev.gale.cluster.GaleNode;
import dev.gale.cluster.NodeConfig;
import dev.gale.gpu.InventoryDiscovery;
import dev.gale.gpu.NodeInventory;
import dev.gale.gpu.ResourceSpec;
import dev.gale.tune.Mode;
import dev.gale.tune.ResultGrid;
import dev.gale.tune.RunConfig;
import dev.gale.tune.TrialStatus;
import dev.gale.tune.TuneConfig;
import dev.gale.tune.Tuner;
import dev.gale.tune.search.Domains;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code gale bench overhead}: the framework's own cost per trial and per result, measured on the
 * embedded one-node cluster with the experiment directory written.
 *
 * <ol>
 *   <li>10,000 no-op trials that report once each: trials/s (target ≥ 2,000 on 2 cores);</li>
 *   <li>1,000 trials × 100 reports: results/s (target ≥ 100,000).</li>
 * </ol>
 * Each trial leases {@code --cpus} CPUs (default 1, Ray's default), so a 2-core node runs two
 * at a time. {@code --dir} sets where the experiment directories go (default: the temp dir); the
 * figures depend on that file system, since every trial creates a directory and three files. The node is started before the clock starts; each figure is the wall time of
 * {@code Tuner.fit()} from call to return, directory included.
 */
public final class OverheadBench {
    private OverheadBench() {
    }

    /** Runs the benchmark; returns 0 when both targets are met, 1 otherwise. */
    public static int run(List<String> args, PrintStream out) throws IOException {
        int trials = intArg(args, "--trials", 10_000);
        int resultTrials = intArg(args, "--result-trials", 1_000);
        int reports = intArg(args, "--reports", 100);
        int rounds = intArg(args, "--rounds", 3);
        double cpus = Double.parseDouble(strArg(args, "--cpus", "1"));
        String dir = strArg(args, "--dir", System.getProperty("java.io.tmpdir"));
        Files.createDirectories(Path.of(dir));
        Path base = Files.createTempDirectory(Path.of(dir), "gale-bench-overhead");
        NodeInventory inv = InventoryDiscovery.discover();
        out.printf(Locale.ROOT, "gale bench overhead: %d cores, %d rounds, %s per trial, results in %s%n",
                (int) inv.cpus(), rounds, ResourceSpec.ofCpus(cpus), base);
        double[] tpsAll = new double[rounds];
        double[] rpsAll = new double[rounds];
        try (GaleNode node = GaleNode.start(NodeConfig.embedded().withInventory(inv))) {
            // warm-up: JIT and the actor paths
            runOnce(node, base, "warmup-1", 2000, 1, cpus);
            runOnce(node, base, "warmup-2", 200, 100, cpus);
            for (int r = 1; r <= rounds; r++) {
                double s1 = runOnce(node, base, "noop-" + r, trials, 1, cpus);
                double tps = trials / s1;
                double s2 = runOnce(node, base, "reports-" + r, resultTrials, reports, cpus);
                double rps = (double) resultTrials * reports / s2;
                out.printf(Locale.ROOT, "round %d: %,d no-op trials in %.2f s = %,.0f trials/s | %,d trials x %d reports in %.2f s = %,.0f results/s%n",
                        r, trials, s1, tps, resultTrials, reports, s2, rps);
                tpsAll[r - 1] = tps;
                rpsAll[r - 1] = rps;
            }
        } finally {
            deleteTree(base);
        }
        double tps = median(tpsAll);
        double rps = median(rpsAll);
        boolean ok1 = tps >= 2000;
        boolean ok2 = rps >= 100_000;
        out.printf(Locale.ROOT, "trials/s  = %,.0f median of %d rounds, best %,.0f (target >= 2,000: %s)%n",
                tps, rounds, max(tpsAll), ok1 ? "met" : "NOT met");
        out.printf(Locale.ROOT, "results/s = %,.0f median of %d rounds, best %,.0f (target >= 100,000: %s)%n",
                rps, rounds, max(rpsAll), ok2 ? "met" : "NOT met");
        return ok1 && ok2 ? 0 : 1;
    }

    private static double runOnce(GaleNode node, Path base, String name, int trials, int reports, double cpus) {
        long t0 = System.nanoTime();
        ResultGrid g = Tuner.builder(ctx -> {
                    double x = ctx.config().getDouble("x");
                    for (int i = 0; i < reports; i++) ctx.report(Map.of("score", x + i));
                })
                .paramSpace(Map.of("x", Domains.uniform(0, 1)))
                .tuneConfig(TuneConfig.builder().metric("score").mode(Mode.MAX).numSamples(trials).seed(1)
                        .searcher(dev.gale.tune.search.Searchers.random()) // the framework's cost, not a sampler's (auto is the default)
                        .build())
                .runConfig(new RunConfig(name, base, true, 1000))
                .resources(ResourceSpec.ofCpus(cpus))
                .node(node)
                .build().fit();
        double s = (System.nanoTime() - t0) / 1e9;
        long done = g.count(TrialStatus.TERMINATED);
        if (done != trials) {
            throw new IllegalStateException(name + ": only " + done + " of " + trials + " trials terminated");
        }
        return s;
    }

    static double median(double[] v) {
        double[] c = v.clone();
        java.util.Arrays.sort(c);
        int n = c.length;
        return n % 2 == 1 ? c[n / 2] : (c[n / 2 - 1] + c[n / 2]) / 2;
    }

    static double max(double[] v) {
        double m = Double.NEGATIVE_INFINITY;
        for (double x : v) m = Math.max(m, x);
        return m;
    }

    static int intArg(List<String> args, String name, int dflt) {
        return Integer.parseInt(strArg(args, name, Integer.toString(dflt)));
    }

    static String strArg(List<String> args, String name, String dflt) {
        int i = args.indexOf(name);
        if (i < 0) return dflt;
        if (i + 1 >= args.size()) throw new IllegalArgumentException(name + " needs a value");
        return args.get(i + 1);
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (var s = Files.walk(p)) {
            for (Path x : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(x);
        }
    }

    /** Entry point for running without the CLI. */
    public static void main(String[] args) throws IOException {
        System.exit(run(List.of(args), System.out));
    }
}
