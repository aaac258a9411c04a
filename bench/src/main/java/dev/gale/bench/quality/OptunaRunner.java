package dev.gale.bench.quality;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Optuna's side of the side-by-side harness: runs {@code vs_optuna.py} (a resource of this module,
 * written to a temporary file) with {@code /usr/bin/python3} and reads its JSON lines.
 *
 * <p>Promises: {@link #available} says why Optuna cannot run (and installs Debian's
 * {@code python3-optuna} and {@code python3-scipy} with apt first when it is missing and this
 * process runs as root); {@link #run} waits for the script at most {@code timeout} and then kills
 * it, saying what it waited for.
 */
public final class OptunaRunner {
    private OptunaRunner() {
    }

    /** The Python interpreter used (Debian's, where apt installs python3-optuna). */
    public static final String PYTHON = "/usr/bin/python3";

    /** The samplers of Optuna the harness runs by default. */
    public static final List<String> SAMPLERS = List.of("random", "tpe", "tpe-multivariate", "cmaes", "qmc");

    /** One run of an Optuna sampler: regret at each checkpoint (trials → regret), CPU seconds. */
    public record Run(String function, String sampler, long seed, Map<Integer, Double> regret, double seconds) {
    }

    /**
     * Null when Optuna 3.x can be imported by {@link #PYTHON} (after installing it with apt when
     * missing and root), else the reason it cannot run. {@code log} gets a line for an install.
     */
    public static String available(PrintStream log) {
        if (!Files.isExecutable(Path.of(PYTHON))) return PYTHON + " is missing (install python3)";
        String v = version();
        if (v != null) return null;
        if (!isRoot()) {
            return "python3-optuna is not installed and this process is not root: install it with"
                    + " `apt-get install python3-optuna python3-scipy`, then run again";
        }
        log.println("installing python3-optuna and python3-scipy with apt-get (not found)");
        try {
            int rc = exec(List.of("apt-get", "install", "-y", "-q", "python3-optuna", "python3-scipy"), 600);
            if (rc != 0) rc = exec(List.of("sh", "-c", "apt-get update -q && apt-get install -y -q python3-optuna python3-scipy"), 900);
            if (rc != 0) return "apt-get install python3-optuna python3-scipy failed (exit " + rc + ")";
        } catch (IOException e) {
            return "apt-get could not run: " + e.getMessage();
        }
        return version() != null ? null : "python3-optuna was installed but `import optuna` still fails";
    }

    /** Optuna's version as {@link #PYTHON} imports it, or null. */
    public static String version() {
        try {
            Process p = new ProcessBuilder(PYTHON, "-c", "import warnings; warnings.filterwarnings('ignore'); import optuna, scipy; print(optuna.__version__)")
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return null;
            }
            if (p.exitValue() != 0) return null;
            String[] lines = out.split("\n");
            return lines[lines.length - 1].trim();
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static boolean isRoot() {
        try {
            Process p = new ProcessBuilder("id", "-u").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            return p.waitFor(10, TimeUnit.SECONDS) && "0".equals(out);
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static int exec(List<String> cmd, long timeoutS) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            if (!p.waitFor(timeoutS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return -1;
            }
            return p.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            return -1;
        }
    }

    /** The script, written to a temporary file (deleted on exit). */
    public static Path script() throws IOException {
        Path f = Files.createTempFile("gale_vs_optuna", ".py");
        f.toFile().deleteOnExit();
        try (InputStream in = OptunaRunner.class.getResourceAsStream("/dev/gale/bench/vs_optuna.py")) {
            if (in == null) throw new IOException("resource /dev/gale/bench/vs_optuna.py is missing from the bench jar");
            Files.write(f, in.readAllBytes());
        }
        return f;
    }

    /**
     * Runs every (function, sampler, seed) through Optuna, {@code jobs} processes at once, at
     * {@code nice} 15 like the rest of the benchmark; {@code progress} gets a line per finished
     * function. Waits at most {@code timeoutS} seconds for the whole script.
     *
     * @throws IllegalStateException when the script fails or runs past the deadline (it is killed)
     */
    public static List<Run> run(List<String> functions, List<String> samplers, int seeds, int firstSeed, int trials,
                                List<Integer> at, int jobs, long timeoutS, PrintStream progress) throws IOException, InterruptedException {
        Path script = script();
        List<String> cmd = new ArrayList<>(List.of("nice", "-n", "15", PYTHON, script.toString(), "run",
                "--functions", String.join(",", functions), "--samplers", String.join(",", samplers),
                "--seeds", Integer.toString(seeds), "--first-seed", Integer.toString(firstSeed),
                "--trials", Integer.toString(trials), "--jobs", Integer.toString(jobs)));
        cmd.add("--at");
        cmd.add(String.join(",", at.stream().map(String::valueOf).toList()));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        // the script and its worker processes end with this JVM, however it ends
        Thread killer = new Thread(() -> {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        });
        Runtime.getRuntime().addShutdownHook(killer);
        try {
            return readRuns(p, functions, samplers, seeds, timeoutS, progress);
        } finally {
            if (!p.isAlive()) {
                try {
                    Runtime.getRuntime().removeShutdownHook(killer);
                } catch (IllegalStateException shuttingDown) {
                    // the hook runs anyway
                }
            }
        }
    }

    private static List<Run> readRuns(Process p, List<String> functions, List<String> samplers, int seeds, long timeoutS,
                                      PrintStream progress) throws InterruptedException {
        List<Run> runs = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        Thread reader = Thread.ofPlatform().daemon().start(() -> {
            String lastFn = null;
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    if (line.isBlank()) continue;
                    Map<?, ?> m = json.readValue(line, Map.class);
                    Map<Integer, Double> regret = new java.util.TreeMap<>();
                    ((Map<?, ?>) m.get("regret")).forEach((k, v) -> regret.put(Integer.parseInt(k.toString()), ((Number) v).doubleValue()));
                    Run run = new Run((String) m.get("function"), (String) m.get("sampler"), ((Number) m.get("seed")).longValue(),
                            regret, ((Number) m.get("seconds")).doubleValue());
                    synchronized (runs) {
                        runs.add(run);
                    }
                    if (!run.function().equals(lastFn)) {
                        if (lastFn != null) progress.println("optuna: " + lastFn + " done");
                        lastFn = run.function();
                    }
                }
                if (lastFn != null) progress.println("optuna: " + lastFn + " done");
            } catch (IOException e) {
                progress.println("optuna: reading the script's output failed: " + e);
            }
        });
        if (!p.waitFor(timeoutS, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new IllegalStateException("vs_optuna.py did not finish " + functions.size() + " functions x " + samplers.size()
                    + " samplers x " + seeds + " seeds within " + timeoutS + " s (killed): raise --optuna-timeout");
        }
        reader.join(TimeUnit.SECONDS.toMillis(30));
        if (p.exitValue() != 0) throw new IllegalStateException("vs_optuna.py failed with exit code " + p.exitValue() + " (its errors are above)");
        synchronized (runs) {
            return List.copyOf(runs);
        }
    }
}
