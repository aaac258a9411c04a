package dev.gale.tune;

import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;

/**
 * Where and how an experiment runs: its name and directory, how much it prints, and how its
 * trials run on their nodes.
 *
 * @param name                      experiment name; its directory is {@code storagePath/name}
 * @param storagePath               parent of experiment directories (default {@code ~/gale_results})
 * @param quiet                     no progress output at all
 * @param progressMillis            how often the progress table is refreshed
 * @param isolation                 where a trial's code runs: {@link Isolation#THREAD} (default) in the
 *                                  node's JVM, or {@link Isolation#PROCESS} in a child JVM per attempt
 * @param stopGracePeriod           with {@link Isolation#PROCESS}: how long a child JVM asked to stop
 *                                  may take before it is killed (default 10 s)
 * @param stopOnGpuMemoryOverBudget when a trial uses more GPU memory than its lease's budget (see
 *                                  docs/gpu-runtime.md, "Telemetry"), end the attempt as failed
 *                                  (default false: the result is flagged and a warning logged)
 */
public record RunConfig(String name, Path storagePath, boolean quiet, long progressMillis, Isolation isolation,
                        Duration stopGracePeriod, boolean stopOnGpuMemoryOverBudget) {
    /** The default {@link #stopGracePeriod}. */
    public static final Duration DEFAULT_STOP_GRACE = Duration.ofSeconds(10);

    public RunConfig {
        if (name == null || name.isBlank()) {
            name = "gale_" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd_HHmmss"));
        }
        if (name.contains("/") || name.contains("\\") || name.equals("..") || name.equals(".")) {
            throw new IllegalArgumentException("name = '" + name + "': an experiment name cannot contain path separators");
        }
        if (storagePath == null) storagePath = defaultStoragePath();
        if (progressMillis <= 0) progressMillis = 1000;
        if (isolation == null) isolation = Isolation.THREAD;
        if (stopGracePeriod == null) stopGracePeriod = DEFAULT_STOP_GRACE;
        if (stopGracePeriod.isNegative()) {
            throw new IllegalArgumentException("stopGracePeriod = " + stopGracePeriod + ": must be >= 0 (default 10 s)");
        }
    }

    /** Name, storage and output only; trials run in the node's JVM ({@link Isolation#THREAD}). */
    public RunConfig(String name, Path storagePath, boolean quiet, long progressMillis) {
        this(name, storagePath, quiet, progressMillis, Isolation.THREAD, DEFAULT_STOP_GRACE, false);
    }

    /** {@code ~/gale_results}. */
    public static Path defaultStoragePath() {
        return Path.of(System.getProperty("user.home"), "gale_results");
    }

    /** Defaults: generated name, {@code ~/gale_results}, progress every second. */
    public static RunConfig defaults() {
        return new RunConfig(null, null, false, 1000);
    }

    /** The experiment directory. */
    public Path experimentDir() {
        return storagePath.resolve(name);
    }

    public RunConfig withName(String n) { return new RunConfig(n, storagePath, quiet, progressMillis, isolation, stopGracePeriod, stopOnGpuMemoryOverBudget); }
    public RunConfig withStoragePath(Path p) { return new RunConfig(name, p, quiet, progressMillis, isolation, stopGracePeriod, stopOnGpuMemoryOverBudget); }
    public RunConfig withQuiet(boolean q) { return new RunConfig(name, storagePath, q, progressMillis, isolation, stopGracePeriod, stopOnGpuMemoryOverBudget); }
    public RunConfig withProgressMillis(long ms) { return new RunConfig(name, storagePath, quiet, ms, isolation, stopGracePeriod, stopOnGpuMemoryOverBudget); }

    /** Runs each trial attempt in the node's JVM ({@link Isolation#THREAD}) or in a child JVM ({@link Isolation#PROCESS}). */
    public RunConfig withIsolation(Isolation i) { return new RunConfig(name, storagePath, quiet, progressMillis, i, stopGracePeriod, stopOnGpuMemoryOverBudget); }

    /** How long an isolated trial asked to stop may take before its JVM is killed. */
    public RunConfig withStopGracePeriod(Duration d) { return new RunConfig(name, storagePath, quiet, progressMillis, isolation, d, stopOnGpuMemoryOverBudget); }

    /** Whether a trial above its GPU-memory budget is stopped as a failed attempt. */
    public RunConfig withStopOnGpuMemoryOverBudget(boolean b) { return new RunConfig(name, storagePath, quiet, progressMillis, isolation, stopGracePeriod, b); }
}
