package dev.gale.bench;

import dev.gale.bench.quality.SamplerNames;
import dev.gale.bench.quality.TestFunction;
import dev.gale.bench.quality.TestFunctions;
import dev.gale.tune.Mode;
import dev.gale.tune.Result;
import dev.gale.tune.search.Searcher;
import dev.gale.tune.search.Searchers;
import dev.gale.tune.search.Suggestion;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * {@code gale bench quality}: how good each sampler's search is. For every sampler × function ×
 * seed it drives the {@link Searcher} directly through its SPI, sequentially (one trial at a
 * time: setup, then suggest → evaluate → onTrialResult → onTrialComplete), and records the simple
 * regret (best value found so far − the known optimum). Prints, per function and sampler, the
 * mean ± standard error over seeds of the regret at the checkpoints (default 50 and 200 trials)
 * and the mean milliseconds per trial spent in the searcher (suggest + the two tell calls; the
 * objective is not timed), then per function the best sampler and whether issue 3's targets are
 * met.
 *
 * <p>Options: {@code --samplers a,b} (default {@link #DEFAULT_SAMPLERS}; names
 * {@link Searchers#byName} rejects are skipped with a "not available" line), {@code --functions
 * x,y} (default {@link TestFunctions#NAMES}; also {@link TestFunctions#SHIFTED_NAMES}, which have
 * no target), {@code --seeds N} (20), {@code --first-seed S} (1; seeds S..S+N-1), {@code --trials
 * N} (200), {@code --at a,b} (regret checkpoints; default 50 and the trial count), {@code --threads
 * N} (1; seeds run in parallel on a fixed pool, which makes the ms figures noisier).
 *
 * <p>{@code --vs-optuna} runs {@link VsOptunaBench} instead (Gale's samplers through
 * {@code Study.optimize} against Optuna's, on the public, tuning and held-out functions).
 *
 * <p>A searcher answering {@link Suggestion.Wait} in this sequential loop is a bug in the searcher
 * and fails that sampler's row; {@link Suggestion.Finished} ends the run early (the best value so
 * far then stands for the remaining checkpoints).
 */
public final class QualityBench {
    private QualityBench() {
    }

    /** The samplers run by default, whether or not they are registered yet. */
    public static final List<String> DEFAULT_SAMPLERS =
            List.of("auto", "random", "tpe", "tpe-univariate", "cmaes", "qmc-sobol", "qmc-halton", "gp");

    /** Issue 3's targets at 200 trials: mean regret of Gale's best sampler per function. */
    public static final Map<String, Double> BEST_TARGETS = targets(1e-4, 0.02, 10, 2.5, 1.3, 1e-5);
    /** Issue 3's targets at 200 trials: mean regret of TPE on its own. */
    public static final Map<String, Double> TPE_TARGETS = targets(0.006, 0.12, 80, 5.3, 7, 1e-5);

    private static Map<String, Double> targets(double... v) {
        Map<String, Double> m = new LinkedHashMap<>();
        for (int i = 0; i < v.length; i++) m.put(TestFunctions.NAMES.get(i), v[i]);
        return Map.copyOf(m);
    }

    /** Parsed options. */
    public record Options(List<String> samplers, List<String> functions, int seeds, int trials, int threads, List<Integer> at,
                          int firstSeed) {
        public Options {
            if (firstSeed < 0) throw new IllegalArgumentException("--first-seed must be >= 0, got " + firstSeed);
            if (samplers.isEmpty()) throw new IllegalArgumentException("--samplers is empty");
            if (functions.isEmpty()) throw new IllegalArgumentException("--functions is empty");
            if (seeds < 1) throw new IllegalArgumentException("--seeds must be >= 1, got " + seeds);
            if (trials < 1) throw new IllegalArgumentException("--trials must be >= 1, got " + trials);
            if (threads < 1) throw new IllegalArgumentException("--threads must be >= 1, got " + threads);
            for (int a : at) {
                if (a < 1 || a > trials) throw new IllegalArgumentException("--at " + a + " is outside 1.." + trials);
            }
            samplers = List.copyOf(samplers);
            functions = List.copyOf(functions);
            at = List.copyOf(at);
        }
    }

    /** Parses the options (see the class comment); throws IllegalArgumentException for bad ones. */
    public static Options parse(List<String> args) {
        List<String> known = List.of("--samplers", "--functions", "--seeds", "--trials", "--threads", "--at", "--first-seed");
        for (int i = 0; i < args.size(); i += 2) {
            if (!known.contains(args.get(i))) throw new IllegalArgumentException("unknown option " + args.get(i) + ": use " + known);
        }
        List<String> samplers = list(OverheadBench.strArg(args, "--samplers", String.join(",", DEFAULT_SAMPLERS)));
        List<String> functions = list(OverheadBench.strArg(args, "--functions", String.join(",", TestFunctions.NAMES)));
        for (String f : functions) TestFunctions.byName(f); // validates
        int trials = OverheadBench.intArg(args, "--trials", 200);
        List<Integer> at;
        if (args.contains("--at")) {
            at = list(OverheadBench.strArg(args, "--at", "")).stream().map(Integer::parseInt).sorted().distinct().toList();
        } else {
            at = trials > 50 ? List.of(50, trials) : List.of(trials);
        }
        return new Options(samplers, functions, OverheadBench.intArg(args, "--seeds", 20), trials,
                OverheadBench.intArg(args, "--threads", 1), at, OverheadBench.intArg(args, "--first-seed", 1));
    }

    private static List<String> list(String s) {
        return Arrays.stream(s.split(",")).map(String::trim).filter(x -> !x.isEmpty()).toList();
    }

    /**
     * One seed's run.
     *
     * @param bestSoFar      {@code bestSoFar[i]}: best objective value among trials 1..i+1 (padded
     *                       with the last best when the searcher finished early)
     * @param completed      trials actually run
     * @param searcherNanos  time spent in suggest + onTrialResult + onTrialComplete, all trials
     */
    public record Run(double[] bestSoFar, int completed, long searcherNanos) {
        /** Simple regret after {@code k} trials (1-based). */
        public double regretAt(int k, TestFunction f) {
            return f.regret(bestSoFar[k - 1]);
        }
    }

    /**
     * Runs {@code sampler} (a name for {@link Searchers#byName}) on {@code f} for {@code trials}
     * sequential trials with seed {@code seed}.
     *
     * @throws IllegalStateException when the searcher answers WAIT (a bug in a sequential run)
     */
    public static Run runSeed(String sampler, TestFunction f, long seed, int trials) {
        return runSeed(Searchers.byName(sampler), sampler, f, seed, trials);
    }

    /** As {@link #runSeed(String, TestFunction, long, int)} on a given, not yet set-up searcher. */
    public static Run runSeed(Searcher s, String sampler, TestFunction f, long seed, int trials) {
        s.setup(f.space(), "value", Mode.MIN, trials, seed);
        double[] best = new double[trials];
        double b = Double.POSITIVE_INFINITY;
        long nanos = 0;
        int done = 0;
        for (int i = 0; i < trials; i++) {
            String id = "t" + (i + 1);
            long t0 = System.nanoTime();
            Suggestion sug = s.suggest(id);
            nanos += System.nanoTime() - t0;
            if (sug instanceof Suggestion.Finished) break;
            if (sug instanceof Suggestion.Wait) {
                throw new IllegalStateException(sampler + " answered WAIT at trial " + (i + 1)
                        + " with no trial running: a bug in the searcher");
            }
            double v = f.evaluate(((Suggestion.Config) sug).config());
            Result r = new Result(id, 1, 0, 0, Map.of("value", v));
            t0 = System.nanoTime();
            s.onTrialResult(id, r);
            s.onTrialComplete(id, r, false);
            nanos += System.nanoTime() - t0;
            if (v < b) b = v;
            best[i] = b;
            done++;
        }
        for (int i = done; i < trials; i++) best[i] = done == 0 ? Double.NaN : best[done - 1];
        return new Run(best, done, nanos);
    }

    /** One table row: a sampler on a function over all seeds; {@code error} non-null when it failed. */
    public record Row(String function, String sampler, double[] mean, double[] se, double msPerTrial, int minCompleted, String error) {
    }

    /** Runs the benchmark; returns 0 when every target that could be checked is met, 1 otherwise. */
    public static int run(List<String> args, PrintStream out) throws Exception {
        if (args.contains("--vs-optuna")) {
            List<String> rest = new ArrayList<>(args);
            rest.remove("--vs-optuna");
            return VsOptunaBench.run(rest, out);
        }
        Options o = parse(args);
        out.printf(Locale.ROOT, "gale bench quality: %d seeds (%d..%d) x %d trials, sequential, %d thread(s)%n", o.seeds(),
                o.firstSeed(), o.firstSeed() + o.seeds() - 1, o.trials(), o.threads());
        Map<String, String> samplers = new LinkedHashMap<>(); // benchmark name -> registered name
        for (String name : o.samplers()) {
            try {
                String resolved = SamplerNames.resolve(name);
                if (!resolved.equals(name)) out.println("sampler " + name + ": registered as " + resolved);
                samplers.put(name, resolved);
            } catch (IllegalArgumentException e) {
                out.println("not available: " + name + ": " + e.getMessage());
            }
        }
        List<TestFunction> functions = o.functions().stream().map(TestFunctions::byName).toList();
        List<Row> rows = new ArrayList<>();
        ExecutorService pool = o.threads() > 1 ? Executors.newFixedThreadPool(o.threads()) : null;
        try {
            for (TestFunction f : functions) {
                for (Map.Entry<String, String> sampler : samplers.entrySet()) {
                    rows.add(row(f, sampler.getKey(), sampler.getValue(), o, pool));
                }
            }
        } finally {
            if (pool != null) pool.shutdownNow();
        }
        printTable(rows, o, out);
        return printVerdicts(rows, functions, List.copyOf(samplers.keySet()), o, out);
    }

    private static Row row(TestFunction f, String sampler, String registered, Options o, ExecutorService pool) throws InterruptedException {
        List<Run> runs = new ArrayList<>();
        try {
            if (pool == null) {
                for (int seed = o.firstSeed(); seed < o.firstSeed() + o.seeds(); seed++) runs.add(runSeed(registered, f, seed, o.trials()));
            } else {
                List<Future<Run>> fs = new ArrayList<>();
                for (int seed = o.firstSeed(); seed < o.firstSeed() + o.seeds(); seed++) {
                    long sd = seed;
                    fs.add(pool.submit(() -> runSeed(registered, f, sd, o.trials())));
                }
                for (Future<Run> fu : fs) runs.add(fu.get());
            }
        } catch (ExecutionException e) {
            return failed(f, sampler, e.getCause());
        } catch (RuntimeException e) {
            return failed(f, sampler, e);
        }
        int k = o.at().size();
        double[] mean = new double[k], se = new double[k];
        for (int j = 0; j < k; j++) {
            double[] r = new double[runs.size()];
            for (int i = 0; i < r.length; i++) r[i] = runs.get(i).regretAt(o.at().get(j), f);
            mean[j] = mean(r);
            se[j] = stdErr(r);
        }
        long nanos = 0, n = 0;
        int minDone = Integer.MAX_VALUE;
        for (Run r : runs) {
            nanos += r.searcherNanos();
            n += r.completed();
            minDone = Math.min(minDone, r.completed());
        }
        return new Row(f.name(), sampler, mean, se, n == 0 ? Double.NaN : nanos / 1e6 / n, minDone, null);
    }

    private static Row failed(TestFunction f, String sampler, Throwable e) {
        return new Row(f.name(), sampler, null, null, Double.NaN, 0, e.getClass().getSimpleName() + ": " + e.getMessage());
    }

    static double mean(double[] v) {
        double s = 0;
        for (double x : v) s += x;
        return s / v.length;
    }

    /** Standard error of the mean (sample standard deviation / √n); 0 for one value. */
    static double stdErr(double[] v) {
        if (v.length < 2) return 0;
        double m = mean(v), s = 0;
        for (double x : v) s += (x - m) * (x - m);
        return Math.sqrt(s / (v.length - 1) / v.length);
    }

    private static void printTable(List<Row> rows, Options o, PrintStream out) {
        StringBuilder h = new StringBuilder(String.format(Locale.ROOT, "%-12s | %-17s", "function", "sampler"));
        for (int a : o.at()) h.append(String.format(Locale.ROOT, " | %-21s", "regret@" + a + " mean ± s.e."));
        h.append(" | ms/suggest");
        out.println(h);
        out.println("-".repeat(h.length() + 4));
        for (Row r : rows) {
            StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%-12s | %-17s", r.function(), r.sampler()));
            if (r.error() != null) {
                b.append(" | failed: ").append(r.error());
            } else {
                for (int j = 0; j < o.at().size(); j++) {
                    b.append(String.format(Locale.ROOT, " | %-21s", String.format(Locale.ROOT, "%.3e ± %.1e", r.mean()[j], r.se()[j])));
                }
                b.append(String.format(Locale.ROOT, " | %.4f", r.msPerTrial()));
                if (r.minCompleted() < o.trials()) b.append(" (finished early: ").append(r.minCompleted()).append(" trials)");
            }
            out.println(b);
        }
    }

    private static int printVerdicts(List<Row> rows, List<TestFunction> functions, List<String> samplers, Options o, PrintStream out) {
        int last = o.at().size() - 1;
        int at = o.at().get(last);
        out.printf(Locale.ROOT, "targets (issue 3) are for mean regret at 200 trials; checked here at %d trials%s%n",
                at, at == 200 ? "" : " (NOT the targets' trial count)");
        boolean allMet = true;
        for (TestFunction f : functions) {
            Row best = null, tpe = null;
            for (Row r : rows) {
                if (!r.function().equals(f.name()) || r.error() != null) continue;
                if (best == null || r.mean()[last] < best.mean()[last]) best = r;
                if (r.sampler().equalsIgnoreCase("tpe")) tpe = r;
            }
            StringBuilder b = new StringBuilder(f.name()).append(": ");
            if (!BEST_TARGETS.containsKey(f.name())) {
                if (best != null) {
                    b.append(String.format(Locale.ROOT, "best %s (%.3e); no target (not one of the issue's functions)", best.sampler(), best.mean()[last]));
                }
                out.println(b);
                continue;
            }
            double tb = BEST_TARGETS.get(f.name()), tt = TPE_TARGETS.get(f.name());
            if (best == null) {
                b.append("no sampler ran; best target <= ").append(fmt(tb)).append(": NOT checked");
                allMet = false;
            } else {
                boolean ok = best.mean()[last] <= tb;
                allMet &= ok;
                b.append(String.format(Locale.ROOT, "best %s (%.3e); best target <= %s: %s", best.sampler(), best.mean()[last], fmt(tb),
                        ok ? "met" : "NOT met"));
            }
            if (tpe == null) {
                b.append("; TPE target <= ").append(fmt(tt)).append(": not checked (tpe ")
                        .append(samplers.stream().anyMatch(s -> s.equalsIgnoreCase("tpe")) ? "failed)" : "not run)");
            } else {
                boolean ok = tpe.mean()[last] <= tt;
                allMet &= ok;
                b.append(String.format(Locale.ROOT, "; TPE (%.3e) target <= %s: %s", tpe.mean()[last], fmt(tt), ok ? "met" : "NOT met"));
            }
            out.println(b);
        }
        return allMet ? 0 : 1;
    }

    private static String fmt(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e9) return Long.toString((long) v);
        return String.format(Locale.ROOT, "%s", v).replace(".0E", "e").replace("E", "e");
    }

    /** Entry point for running without the CLI. */
    public static void main(String[] args) throws Exception {
        System.exit(run(List.of(args), System.out));
    }
}
