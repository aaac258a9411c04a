package dev.gale.bench;

import dev.gale.bench.quality.BenchObjective;
import dev.gale.bench.quality.BenchObjectives;
import dev.gale.bench.quality.GaleRunner;
import dev.gale.bench.quality.OptunaRunner;
import dev.gale.bench.quality.SamplerNames;
import dev.gale.cluster.GaleNode;
import dev.gale.cluster.NodeConfig;
import dev.gale.gpu.NodeInventory;
import dev.gale.tune.search.Searchers;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * {@code gale bench quality --vs-optuna}: Gale's samplers and Optuna 3.1's on the same functions
 * ({@link BenchObjectives}: the six public ones, a tuning half, the first held-out half — held out
 * until 2026-12-07, reported since without a target — and the held-out half; {@code --functions development}
 * adds the development functions, reported without a target), in one run.
 * Gale runs through {@code Study.optimize} as a user would ({@link GaleRunner}); Optuna through
 * {@code vs_optuna.py} ({@link OptunaRunner}; skipped with a message when Optuna cannot be
 * installed). Prints per function the mean ± standard error and the median of the simple regret at
 * each checkpoint (default 50 and the trial count) over the seeds, then a verdict per function and
 * per group against issue 10's targets, for the default sampler ({@code --default}, default
 * {@code auto}):
 *
 * <ul>
 *   <li>the default's mean regret at the last checkpoint ≤ Optuna's best sampler's on every public
 *       function and on ≥ 90 % of the held-out ones, and never more than 1.5× worse;</li>
 *   <li>within 1.5× of Gale's best sampler on every function (development functions are reported
 *       but not counted).</li>
 * </ul>
 *
 * Ratios compare means with 1e-12 added to both (two regrets of 0 tie). Exit code 0 only when every
 * target checked is met. With {@code --sides parallel} Optuna's script runs beside Gale's runs (each
 * side with {@code --threads} workers) instead of before them.
 */
public final class VsOptunaBench {
    private VsOptunaBench() {
    }

    /** Gale's samplers run by default (the first is the default sampler). */
    public static final List<String> GALE_SAMPLERS = List.of("auto", "random", "tpe", "tpe-univariate", "cmaes", "qmc-sobol", "gp");

    /** Parsed options. */
    public record Options(List<String> functions, List<String> gale, List<String> optuna, String defaultSampler, int seeds,
                          int firstSeed, int trials, List<Integer> at, int threads, GaleRunner.Driver driver, Path dir,
                          long optunaTimeoutS, boolean parallelSides) {
        public Options {
            if (functions.isEmpty()) throw new IllegalArgumentException("--functions is empty");
            if (seeds < 1) throw new IllegalArgumentException("--seeds must be >= 1, got " + seeds);
            if (trials < 1) throw new IllegalArgumentException("--trials must be >= 1, got " + trials);
            if (threads < 1) throw new IllegalArgumentException("--threads must be >= 1, got " + threads);
            for (int a : at) if (a < 1 || a > trials) throw new IllegalArgumentException("--at " + a + " is outside 1.." + trials);
            functions = List.copyOf(functions);
            gale = List.copyOf(gale);
            optuna = List.copyOf(optuna);
            at = List.copyOf(at);
        }
    }

    /** Parses the options; throws IllegalArgumentException for bad ones. */
    public static Options parse(List<String> args) {
        List<String> known = List.of("--functions", "--gale", "--optuna", "--default", "--seeds", "--first-seed", "--trials", "--at",
                "--threads", "--driver", "--dir", "--optuna-timeout", "--sides");
        for (int i = 0; i < args.size(); i += 2) {
            if (!known.contains(args.get(i))) throw new IllegalArgumentException("unknown option " + args.get(i) + ": use --vs-optuna with " + known);
            if (i + 1 >= args.size()) throw new IllegalArgumentException(args.get(i) + " needs a value");
        }
        List<String> functions = new ArrayList<>();
        for (String f : list(OverheadBench.strArg(args, "--functions", "public,tuning,held-out-1,held-out"))) {
            switch (f) {
                case "public" -> functions.addAll(BenchObjectives.PUBLIC);
                case "tuning" -> functions.addAll(BenchObjectives.TUNING);
                case "held-out-1" -> functions.addAll(BenchObjectives.FIRST_HELD_OUT);
                case "held-out" -> functions.addAll(BenchObjectives.HELD_OUT);
                case "development" -> functions.addAll(BenchObjectives.DEVELOPMENT);
                case "all" -> functions.addAll(BenchObjectives.all());
                default -> functions.add(BenchObjectives.byName(f).name());
            }
        }
        String optuna = OverheadBench.strArg(args, "--optuna", String.join(",", OptunaRunner.SAMPLERS));
        int trials = OverheadBench.intArg(args, "--trials", 200);
        List<Integer> at = args.contains("--at")
                ? list(OverheadBench.strArg(args, "--at", "")).stream().map(Integer::parseInt).sorted().distinct().toList()
                : trials > 50 ? List.of(50, trials) : List.of(trials);
        String dir = OverheadBench.strArg(args, "--dir", Files.isDirectory(Path.of("/dev/shm")) ? "/dev/shm"
                : System.getProperty("java.io.tmpdir"));
        return new Options(functions.stream().distinct().toList(), list(OverheadBench.strArg(args, "--gale", String.join(",", GALE_SAMPLERS))),
                optuna.equals("none") ? List.of() : list(optuna), OverheadBench.strArg(args, "--default", "auto"),
                OverheadBench.intArg(args, "--seeds", 20), OverheadBench.intArg(args, "--first-seed", 1), trials, at,
                OverheadBench.intArg(args, "--threads", 1),
                GaleRunner.Driver.valueOf(OverheadBench.strArg(args, "--driver", "study").toUpperCase(Locale.ROOT)),
                Path.of(dir), OverheadBench.intArg(args, "--optuna-timeout", 0), parseSides(OverheadBench.strArg(args, "--sides", "sequential")));
    }

    private static boolean parseSides(String s) {
        return switch (s) {
            case "sequential" -> false;
            case "parallel" -> true;
            default -> throw new IllegalArgumentException("--sides " + s + ": use sequential (default) or parallel");
        };
    }

    private static List<String> list(String s) {
        return Arrays.stream(s.split(",")).map(String::trim).filter(x -> !x.isEmpty()).toList();
    }

    /** A row: one sampler on one function over the seeds; {@code error} non-null when it failed. */
    public record Row(String function, String sampler, double[] mean, double[] se, double[] median, double secondsPerRun,
                      Map<String, Integer> samplerCounts, String error) {
    }

    /** Runs the benchmark; returns 0 when every target checked is met, 1 otherwise. */
    public static int run(List<String> args, PrintStream out) throws Exception {
        Options o = parse(args);
        out.printf(Locale.ROOT, "gale bench quality --vs-optuna: %d functions, seeds %d..%d, %d trials, Gale through %s, %d thread(s)%n",
                o.functions().size(), o.firstSeed(), o.firstSeed() + o.seeds() - 1, o.trials(),
                o.driver() == GaleRunner.Driver.STUDY ? "Study.optimize" : "the sampler's define-by-run calls directly (--driver direct)",
                o.threads());
        Map<String, String> gale = new LinkedHashMap<>();
        for (String s : o.gale()) {
            try {
                gale.put(s, SamplerNames.resolve(s));
            } catch (IllegalArgumentException e) {
                out.println("not available: gale:" + s + ": " + e.getMessage());
            }
        }
        List<Row> rows = new ArrayList<>();
        List<String> optunaSamplers = o.optuna();
        java.util.concurrent.CompletableFuture<List<OptunaRunner.Run>> optunaRuns = null;
        if (!optunaSamplers.isEmpty()) {
            String why = OptunaRunner.available(out);
            if (why != null) {
                out.println("Optuna's columns are skipped: " + why);
                optunaSamplers = List.of();
            } else {
                out.println("Optuna " + OptunaRunner.version() + " (" + OptunaRunner.PYTHON + "), samplers " + optunaSamplers
                        + (o.parallelSides() ? ", beside Gale's runs (--sides parallel)" : ""));
                long runs = (long) o.functions().size() * optunaSamplers.size() * o.seeds();
                long timeout = o.optunaTimeoutS() > 0 ? o.optunaTimeoutS() : 600 + runs * Math.max(60, o.trials() / 2L);
                List<String> os = optunaSamplers;
                java.util.concurrent.Callable<List<OptunaRunner.Run>> job = () -> OptunaRunner.run(o.functions(), os, o.seeds(),
                        o.firstSeed(), o.trials(), o.at(), o.threads(), timeout, out);
                optunaRuns = new java.util.concurrent.CompletableFuture<>();
                if (o.parallelSides()) {
                    java.util.concurrent.CompletableFuture<List<OptunaRunner.Run>> f = optunaRuns;
                    Thread.ofPlatform().daemon().name("optuna-side").start(() -> {
                        try {
                            f.complete(job.call());
                        } catch (Exception e) {
                            f.completeExceptionally(e);
                        }
                    });
                } else {
                    optunaRuns.complete(job.call());
                }
            }
        }
        rows.addAll(galeRows(gale, o, out));
        if (optunaRuns != null) {
            try {
                rows.addAll(0, optunaRows(optunaRuns.get(), o, optunaSamplers));
            } catch (ExecutionException e) {
                throw e.getCause() instanceof Exception x ? x : e;
            }
        }
        printTables(rows, o, out);
        return printVerdicts(rows, o, List.copyOf(gale.keySet()), optunaSamplers, out);
    }

    private static List<Row> optunaRows(List<OptunaRunner.Run> runs, Options o, List<String> samplers) {
        List<Row> rows = new ArrayList<>();
        for (String f : o.functions()) {
            for (String s : samplers) {
                List<OptunaRunner.Run> rs = runs.stream().filter(r -> r.function().equals(f) && r.sampler().equals(s)).toList();
                if (rs.size() != o.seeds()) {
                    rows.add(new Row(f, "optuna:" + s, null, null, null, Double.NaN, Map.of(), rs.size() + " of " + o.seeds() + " seeds ran"));
                    continue;
                }
                double[][] r = new double[o.at().size()][rs.size()];
                double sec = 0;
                for (int i = 0; i < rs.size(); i++) {
                    for (int j = 0; j < o.at().size(); j++) r[j][i] = rs.get(i).regret().get(o.at().get(j));
                    sec += rs.get(i).seconds();
                }
                rows.add(row(f, "optuna:" + s, r, sec / rs.size(), Map.of()));
            }
        }
        return rows;
    }

    private static Row row(String f, String sampler, double[][] r, double secondsPerRun, Map<String, Integer> counts) {
        int k = r.length;
        double[] mean = new double[k], se = new double[k], median = new double[k];
        for (int j = 0; j < k; j++) {
            mean[j] = QualityBench.mean(r[j]);
            se[j] = QualityBench.stdErr(r[j]);
            median[j] = median(r[j]);
        }
        return new Row(f, sampler, mean, se, median, secondsPerRun, counts, null);
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
    }

    private record Task(String function, String sampler, String registered, long seed) {
    }

    private static List<Row> galeRows(Map<String, String> gale, Options o, PrintStream out) throws Exception {
        if (gale.isEmpty()) return List.of();
        // one embedded node per worker: two experiments running at once on one node would both have
        // a trial_00001 (work ids are unique per experiment only)
        java.util.concurrent.BlockingQueue<GaleNode> nodes = new java.util.concurrent.LinkedBlockingQueue<>();
        List<GaleNode> started = new ArrayList<>();
        Path dir = null;
        if (o.driver() == GaleRunner.Driver.STUDY) {
            for (int i = 0; i < o.threads(); i++) {
                GaleNode n = GaleNode.start(NodeConfig.embedded().withInventory(new NodeInventory(1, 1L << 30, List.of(), Map.of())));
                started.add(n);
                nodes.add(n);
            }
            dir = Files.createTempDirectory(o.dir(), "gale-vs-optuna-");
        }
        ExecutorService pool = Executors.newFixedThreadPool(o.threads());
        try {
            List<Row> rows = new ArrayList<>();
            for (String fn : o.functions()) {
                BenchObjective f = BenchObjectives.byName(fn);
                Map<String, List<Future<GaleRunner.Run>>> futures = new LinkedHashMap<>();
                for (Map.Entry<String, String> s : gale.entrySet()) {
                    List<Future<GaleRunner.Run>> fs = new ArrayList<>();
                    for (long seed = o.firstSeed(); seed < o.firstSeed() + o.seeds(); seed++) {
                        Task t = new Task(fn, s.getKey(), s.getValue(), seed);
                        Path d = dir;
                        fs.add(pool.submit(() -> {
                            if (o.driver() == GaleRunner.Driver.DIRECT) {
                                return GaleRunner.direct(f, Searchers.byName(t.registered()), t.seed(), o.trials());
                            }
                            GaleNode n = nodes.take();
                            try {
                                return GaleRunner.study(f, t.registered(), t.seed(), o.trials(), n, d);
                            } finally {
                                nodes.add(n);
                            }
                        }));
                    }
                    futures.put(s.getKey(), fs);
                }
                for (Map.Entry<String, List<Future<GaleRunner.Run>>> e : futures.entrySet()) {
                    List<GaleRunner.Run> runs = new ArrayList<>();
                    String error = null;
                    for (Future<GaleRunner.Run> fu : e.getValue()) {
                        try {
                            runs.add(fu.get());
                        } catch (ExecutionException ex) {
                            if (error == null) error = ex.getCause().toString();
                        }
                    }
                    if (error != null) {
                        rows.add(new Row(fn, "gale:" + e.getKey(), null, null, null, Double.NaN, Map.of(), error));
                        continue;
                    }
                    double[][] r = new double[o.at().size()][runs.size()];
                    double sec = 0;
                    Map<String, Integer> counts = new TreeMap<>();
                    for (int i = 0; i < runs.size(); i++) {
                        for (int j = 0; j < o.at().size(); j++) r[j][i] = runs.get(i).regretAt(o.at().get(j), f);
                        sec += runs.get(i).seconds();
                        for (String s : runs.get(i).samplers()) if (s != null) counts.merge(s, 1, Integer::sum);
                    }
                    rows.add(row(fn, "gale:" + e.getKey(), r, sec / runs.size(), counts));
                }
                out.println("gale: " + fn + " done");
            }
            return rows;
        } finally {
            pool.shutdownNow();
            for (GaleNode n : started) n.close();
            if (dir != null) GaleRunner.deleteTree(dir);
        }
    }

    private static String num(double v) {
        if (v == 0) return "0";
        double a = Math.abs(v);
        return a >= 1e4 || a < 1e-3 ? String.format(Locale.ROOT, "%.2e", v) : String.format(Locale.ROOT, "%.4g", v);
    }

    private static void printTables(List<Row> rows, Options o, PrintStream out) {
        List<String> header = new ArrayList<>(List.of("function", "group", "sampler"));
        for (int a : o.at()) {
            header.add("regret@" + a + " mean ± s.e.");
            header.add("median@" + a);
        }
        header.add("s/run");
        header.add("trials per sampler (auto)");
        List<List<String>> table = new ArrayList<>();
        for (Row r : rows) {
            List<String> cells = new ArrayList<>(List.of(r.function(), BenchObjectives.group(r.function()), r.sampler()));
            if (r.error() != null) {
                cells.add("failed: " + r.error());
                while (cells.size() < header.size()) cells.add("");
            } else {
                for (int j = 0; j < o.at().size(); j++) {
                    cells.add(num(r.mean()[j]) + " ± " + num(r.se()[j]));
                    cells.add(num(r.median()[j]));
                }
                cells.add(String.format(Locale.ROOT, "%.2f", r.secondsPerRun()));
                cells.add(r.samplerCounts().isEmpty() ? "" : r.samplerCounts().toString());
            }
            table.add(cells);
        }
        List<List<String>> sorted = new ArrayList<>();
        for (String f : o.functions()) for (List<String> c : table) if (c.get(0).equals(f)) sorted.add(c);
        out.println(dev.gale.tune.ResultGrid.formatTable(header, sorted));
    }

    /** (a + 1e-12) / (b + 1e-12). */
    static double ratio(double a, double b) {
        return (a + 1e-12) / (b + 1e-12);
    }

    private static int printVerdicts(List<Row> rows, Options o, List<String> gale, List<String> optuna, PrintStream out) {
        int last = o.at().size() - 1;
        int at = o.at().get(last);
        String def = "gale:" + o.defaultSampler();
        out.printf(Locale.ROOT, "verdicts: mean regret at %d trials%s; default = %s%n", at,
                at == 200 ? "" : " (the targets are for 200 trials)", def);
        Map<String, int[]> vsOptuna = new LinkedHashMap<>(); // group -> {functions, met (<=), within 1.5x}
        Map<String, Double> worst = new LinkedHashMap<>();
        int galeChecked = 0, galeMet = 0;
        boolean all = true;
        for (String f : o.functions()) {
            Row d = null, ob = null, gb = null;
            for (Row r : rows) {
                if (!r.function().equals(f) || r.error() != null) continue;
                if (r.sampler().equals(def)) d = r;
                if (r.sampler().startsWith("optuna:") && (ob == null || r.mean()[last] < ob.mean()[last])) ob = r;
                if (r.sampler().startsWith("gale:") && (gb == null || r.mean()[last] < gb.mean()[last])) gb = r;
            }
            String group = BenchObjectives.group(f);
            StringBuilder b = new StringBuilder(f).append(" (").append(group).append("): ");
            if (d == null) {
                out.println(b.append("the default ").append(def).append(" did not run: NOT checked"));
                all = false;
                continue;
            }
            b.append(def).append(' ').append(num(d.mean()[last]));
            if (ob != null) {
                double r = ratio(d.mean()[last], ob.mean()[last]);
                int[] c = vsOptuna.computeIfAbsent(group, k -> new int[3]);
                c[0]++;
                if (r <= 1) c[1]++;
                if (r <= 1.5) c[2]++;
                worst.merge(group, r, Math::max);
                b.append(String.format(Locale.ROOT, "; Optuna's best %s %s: ratio %.2f, %s", ob.sampler(), num(ob.mean()[last]), r,
                        r <= 1 ? "<= (met)" : r <= 1.5 ? "worse, within 1.5x" : "worse by more than 1.5x"));
            }
            if (gb != null) {
                double r = ratio(d.mean()[last], gb.mean()[last]);
                boolean counted = !group.equals("development"); // the issue's functions; development ones are reported only
                if (counted) galeChecked++;
                if (counted && r <= 1.5) galeMet++;
                b.append(String.format(Locale.ROOT, "; Gale's best %s %s: ratio %.2f, %s", gb.sampler(), num(gb.mean()[last]), r,
                        !counted ? (r <= 1.5 ? "within 1.5x (development: no target)" : "not within 1.5x (development: no target)")
                                : r <= 1.5 ? "within 1.5x (met)" : "NOT within 1.5x"));
            }
            out.println(b);
        }
        out.println("summary:");
        if (optuna.isEmpty()) {
            out.println("  default vs Optuna: NOT checked (Optuna did not run)");
            all = false;
        }
        for (Map.Entry<String, int[]> e : vsOptuna.entrySet()) {
            int[] c = e.getValue();
            double share = 100.0 * c[1] / c[0];
            boolean met;
            String target;
            if (e.getKey().equals("held-out")) {
                met = share >= 90 && c[2] == c[0];
                target = ">= 90 % and none worse than 1.5x";
            } else if (e.getKey().equals("public")) {
                met = c[1] == c[0];
                target = "all";
            } else {
                met = true;
                target = "none (the tuning half, the first held-out half and the development functions are reported, the targets are for the public and held-out functions)";
            }
            if (!met) all = false;
            out.printf(Locale.ROOT, "  %s: default <= Optuna's best on %d of %d (%.0f %%), within 1.5x on %d of %d, worst ratio %.2f; target %s: %s%n",
                    e.getKey(), c[1], c[0], share, c[2], c[0], worst.get(e.getKey()), target,
                    e.getKey().equals("public") || e.getKey().equals("held-out") ? met ? "met" : "NOT met" : "-");
        }
        boolean galeOk = galeChecked > 0 && galeMet == galeChecked;
        if (!galeOk) all = false;
        if (galeChecked == 0) {
            out.println("  every function: NOT checked (none of the issue's functions ran; development functions are not counted)");
        } else {
            out.printf(Locale.ROOT, "  every function (development ones aside): default within 1.5x of Gale's best sampler on %d of %d: %s%n", galeMet,
                    galeChecked, galeOk ? "met" : "NOT met");
        }
        return all ? 0 : 1;
    }
}
