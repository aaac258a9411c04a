package dev.gale.bench;

import dev.gale.tune.Mode;
import dev.gale.tune.ResultGrid;
import dev.gale.tune.TrialStatus;
import dev.gale.tune.search.Searchers;
import dev.gale.tune.study.Objective;
import dev.gale.tune.study.Study;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * {@code gale bench study}: what a define-by-run {@link Study} costs in this JVM, as a user of
 * Optuna would compare it.
 *
 * <ol>
 *   <li>the first {@code optimize} call's start-up: from the call to the first trial's objective
 *   (the JVM's shared embedded node starts here; target ≤ 1 s);</li>
 *   <li>a second {@code optimize} of {@code --trials} (200) trials of a trivial objective (two
 *   floats, a sum of squares) with the random sampler, all-in: call to return (target ≤ 100 ms,
 *   ≤ 0.5 ms per trial); the median of {@code --rounds} (5) such calls is reported;</li>
 *   <li>the same study in Optuna 3.1 ({@code RandomSampler}, in-memory storage) when Debian's
 *   {@code python3-optuna} is installed (run with {@code /usr/bin/python3}; installed with apt when
 *   this process is root and apt is there), and the ratio Gale / Optuna; otherwise that column is
 *   skipped with a message.</li>
 * </ol>
 * The study keeps its trials in memory (no storage path), as Optuna's default does; {@code --dir
 * DIR} gives it a storage path instead, to measure the experiment directories' cost too.
 */
public final class StudyBench {
    /** The Python side: prints the median seconds of {@code rounds} optimize calls of {@code trials} trials. */
    static final String OPTUNA_SCRIPT = """
            import sys, time, statistics
            import optuna
            optuna.logging.set_verbosity(optuna.logging.WARNING)
            trials, rounds = int(sys.argv[1]), int(sys.argv[2])
            def objective(t):
                x = t.suggest_float("x", -10, 10)
                y = t.suggest_float("y", -10, 10)
                return x * x + y * y
            times = []
            for r in range(rounds + 1):
                study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=r))
                t0 = time.perf_counter()
                study.optimize(objective, n_trials=trials)
                if r > 0:
                    times.append(time.perf_counter() - t0)
            print(statistics.median(times))
            """;

    private StudyBench() {
    }

    /** Runs the benchmark; returns 0 when both of Gale's targets are met, 1 otherwise. */
    public static int run(List<String> args, PrintStream out) throws IOException, InterruptedException {
        int trials = OverheadBench.intArg(args, "--trials", 200);
        int rounds = OverheadBench.intArg(args, "--rounds", 5);
        String dirArg = OverheadBench.strArg(args, "--dir", null);
        Path storage = dirArg == null ? null : Files.createTempDirectory(Files.createDirectories(Path.of(dirArg)), "gale-bench-study");
        out.printf(Locale.ROOT, "gale bench study: %d trials of a trivial objective, random sampler, %s; load %s%n", trials,
                storage == null ? "trials kept in memory" : "storage " + storage, loadAverage());
        Objective objective = t -> {
            double x = t.suggestFloat("x", -10, 10);
            double y = t.suggestFloat("y", -10, 10);
            return x * x + y * y;
        };
        long[] firstTrialAt = {0};
        long t0 = System.nanoTime();
        Study first = study(storage, "first", 0);
        first.optimize(t -> {
            if (firstTrialAt[0] == 0) firstTrialAt[0] = System.nanoTime();
            return objective.evaluate(t);
        }, 1);
        long t1 = System.nanoTime();
        double startup = (firstTrialAt[0] - t0) / 1e9;
        out.printf(Locale.ROOT, "first optimize call: %.3f s to the first trial (the shared node starts here), %.3f s all-in%n",
                startup, (t1 - t0) / 1e9);
        // warm-up: the JIT and the actor paths, as a user's second call finds them
        study(storage, "warmup", 1).optimize(objective, trials);
        double[] secs = new double[rounds];
        long cpu0 = processCpuNanos();
        for (int r = 0; r < rounds; r++) {
            Study s = study(storage, "round" + r, 2 + r);
            long a = System.nanoTime();
            ResultGrid g = s.optimize(objective, trials);
            secs[r] = (System.nanoTime() - a) / 1e9;
            if (g.count(TrialStatus.TERMINATED) != trials) {
                throw new IllegalStateException("round " + r + ": " + g.count(TrialStatus.TERMINATED) + " of " + trials
                        + " trials terminated:\n" + g.table());
            }
        }
        double cpuPerTrial = (processCpuNanos() - cpu0) / 1e6 / rounds / trials;
        double med = OverheadBench.median(secs);
        double perTrial = med * 1000 / trials;
        boolean okStart = startup <= 1.0;
        boolean okRun = med <= 0.1 && perTrial <= 0.5;
        out.printf(Locale.ROOT, "second optimize, %d trials: %.1f ms median of %d calls (best %.1f ms) = %.3f ms/trial"
                        + " (CPU of this process: %.3f ms/trial, all threads)%n",
                trials, med * 1000, rounds, Arrays.stream(secs).min().orElse(0) * 1000, perTrial, cpuPerTrial);
        Double optuna = optuna(trials, rounds, out);
        if (optuna != null) {
            out.printf(Locale.ROOT, "Optuna 3.1, same study: %.1f ms median of %d calls = %.3f ms/trial; Gale / Optuna = %.2f%n",
                    optuna * 1000, rounds, optuna * 1000 / trials, med / optuna);
        }
        out.printf(Locale.ROOT, "start-up   %.3f s (target <= 1 s: %s)%n", startup, okStart ? "met" : "NOT met");
        out.printf(Locale.ROOT, "%d trials %.1f ms, %.3f ms/trial (target <= 100 ms and <= 0.5 ms/trial: %s)%n", trials,
                med * 1000, perTrial, okRun ? "met" : "NOT met");
        if (storage != null) OverheadBench.deleteTree(storage);
        return okStart && okRun ? 0 : 1;
    }

    /** CPU time of this process so far (all threads, JIT and GC included), or 0 when unknown. */
    private static long processCpuNanos() {
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return Math.max(0, os.getProcessCpuTime());
        }
        return 0;
    }

    private static Study study(Path storage, String name, long seed) {
        Study.Builder b = Study.builder().name("bench-" + name).mode(Mode.MIN).sampler(Searchers.random()).seed(seed).quiet(true);
        if (storage != null) b.storagePath(storage);
        return b.build();
    }

    /** Optuna's median seconds, or null (with a message) when it cannot run here. */
    static Double optuna(int trials, int rounds, PrintStream out) throws IOException, InterruptedException {
        Path python = Path.of("/usr/bin/python3");
        if (!Files.isExecutable(python)) {
            out.println("Optuna: skipped (no /usr/bin/python3; install python3-optuna with apt)");
            return null;
        }
        if (!hasOptuna(python)) {
            if (isRoot() && Files.isExecutable(Path.of("/usr/bin/apt-get"))) {
                out.println("Optuna: installing python3-optuna (apt-get install -y python3-optuna) ...");
                int rc = exec(List.of("/usr/bin/apt-get", "install", "-y", "-qq", "python3-optuna"), 600);
                if (rc != 0) exec(List.of("/bin/sh", "-c", "apt-get update -qq && apt-get install -y -qq python3-optuna"), 900);
            }
            if (!hasOptuna(python)) {
                out.println("Optuna: skipped (python3-optuna is not installed: sudo apt-get install -y python3-optuna)");
                return null;
            }
        }
        Path script = Files.createTempFile("gale-bench-study", ".py");
        try {
            Files.writeString(script, OPTUNA_SCRIPT, StandardCharsets.UTF_8);
            Process p = new ProcessBuilder(python.toString(), script.toString(), Integer.toString(trials), Integer.toString(rounds))
                    .redirectErrorStream(true).start();
            String text;
            try (InputStream in = p.getInputStream()) {
                text = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
            }
            if (!p.waitFor(10, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                out.println("Optuna: skipped (did not finish within 10 minutes)");
                return null;
            }
            String[] lines = text.split("\n");
            try {
                return Double.parseDouble(lines[lines.length - 1].strip());
            } catch (NumberFormatException e) {
                out.println("Optuna: skipped (its run failed: " + text + ")");
                return null;
            }
        } finally {
            Files.deleteIfExists(script);
        }
    }

    private static boolean hasOptuna(Path python) throws IOException, InterruptedException {
        return exec(List.of(python.toString(), "-c", "import optuna"), 120) == 0;
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    private static int exec(List<String> cmd, int timeoutSeconds) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(new ArrayList<>(cmd)).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        return p.exitValue();
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }
}
