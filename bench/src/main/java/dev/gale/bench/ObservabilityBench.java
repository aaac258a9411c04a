package dev.gale.bench;

import dev.gale.observability.importance.ParamImportance;
import dev.gale.observability.importance.PedAnova;
import dev.gale.tune.Mode;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * {@code gale bench observability}: the targets of the dashboard issue.
 *
 * <ol>
 *   <li>importance: PED-ANOVA over 10,000 trials × 10 parameters (domains inferred from the values,
 *       as the dashboard does) in ≤ 1 s: the first call (cold JVM) and the median of the next rounds.</li>
 *   <li>page: the dashboard with those trials loaded and every plot drawn in headless Chromium in ≤ 2 s.</li>
 *   <li>live: results reach an open page ≤ 1 s after their report at 1,000 results/s; the driver's
 *       results/s with and without the dashboard.</li>
 * </ol>
 */
public final class ObservabilityBench {
    private ObservabilityBench() {
    }

    /** Runs the benchmark; returns 0 when every target is met, 1 otherwise. */
    public static int run(List<String> args, PrintStream out) {
        int trials = OverheadBench.intArg(args, "--trials", 10_000);
        int params = OverheadBench.intArg(args, "--params", 10);
        int rounds = OverheadBench.intArg(args, "--rounds", 5);
        out.printf(Locale.ROOT, "gale bench observability: %d cores, load average %s%n",
                Runtime.getRuntime().availableProcessors(), loadAverage());
        boolean ok = importance(out, trials, params, rounds);
        if (!args.contains("--importance-only") && DashboardPageBench.available(out)) {
            try {
                ok &= DashboardPageBench.page(out, trials, params, Math.max(1, Math.min(rounds, 3)));
                if (args.contains("--page-only")) return ok ? 0 : 1;
                java.nio.file.Path base = java.nio.file.Files.createTempDirectory("gale-bench-live");
                try {
                    ok &= DashboardPageBench.live(out, base, OverheadBench.intArg(args, "--rate", 1000), OverheadBench.intArg(args, "--seconds", 5));
                } finally {
                    DashboardPageBench.deleteTree(base);
                }
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException("observability bench: " + e.getMessage(), e);
            }
        }
        return ok ? 0 : 1;
    }

    /** PED-ANOVA on a synthetic search of {@code trials} × {@code params} with one planted parameter. */
    static boolean importance(PrintStream out, int trials, int params, int rounds) {
        List<PedAnova.Observation> obs = syntheticSearch(trials, params, 7);
        long t0 = System.nanoTime();
        List<ParamImportance> first = PedAnova.defaults().evaluate(obs, Mode.MIN);
        double cold = (System.nanoTime() - t0) / 1e6;
        double[] ms = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            long t = System.nanoTime();
            PedAnova.defaults().evaluate(obs, Mode.MIN);
            ms[r] = (System.nanoTime() - t) / 1e6;
        }
        double median = OverheadBench.median(ms);
        boolean ok = cold <= 1000 && median <= 1000;
        out.printf(Locale.ROOT, "importance (PED-ANOVA, %,d trials x %d params, domains inferred): first call %.0f ms,"
                        + " median of %d more %.1f ms (target <= 1,000 ms: %s); top parameter %s (%.2f), planted p3%n",
                trials, params, cold, rounds, median, ok ? "met" : "NOT met", first.get(0).name(), first.get(0).importance());
        return ok;
    }

    /**
     * A search of {@code trials} random configs of {@code params} parameters (uniform floats, one
     * log-uniform, one integer, one categorical) whose objective depends mostly on {@code p3}.
     */
    public static List<PedAnova.Observation> syntheticSearch(int trials, int params, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<PedAnova.Observation> out = new ArrayList<>(trials);
        String[] cats = {"adam", "sgd", "rmsprop"};
        for (int i = 0; i < trials; i++) {
            Map<String, Object> p = new LinkedHashMap<>();
            for (int k = 0; k < params; k++) {
                Object v = switch (k) {
                    case 0 -> Math.exp(Math.log(1e-5) + r.nextDouble() * Math.log(1e4));
                    case 1 -> 1 + r.nextInt(8);
                    case 2 -> cats[r.nextInt(cats.length)];
                    default -> r.nextDouble();
                };
                p.put("p" + k, v);
            }
            double v = params > 3 ? 10 * Math.pow((double) p.get("p3") - 0.3, 2) : 0;
            out.add(new PedAnova.Observation(p, v + 0.1 * r.nextDouble()));
        }
        return out;
    }

    static String loadAverage() {
        double l = java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        return l < 0 ? "n/a" : String.format(Locale.ROOT, "%.1f", l);
    }

    /** Entry point for running without the CLI. */
    public static void main(String[] args) {
        System.exit(run(List.of(args), System.out));
    }
}
