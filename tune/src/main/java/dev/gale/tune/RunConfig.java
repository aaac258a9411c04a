package dev.gale.tune;

import dev.gale.tune.callback.Callback;
import dev.gale.tune.callback.DashboardOptions;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * Where and how an experiment runs: its name and directory, how much it prints, how its trials run
 * on their nodes, its callbacks and which checkpoints it keeps.
 *
 * <p>Promises: a RunConfig is valid on construction; mistakes fail with a message naming the
 * field and the fix.
 *
 * @param name                      experiment name; its directory is {@code storagePath/name}
 * @param storagePath               parent of experiment directories (default {@code ~/gale_results})
 * @param quiet                     no progress output at all
 * @param progressMillis            how often the progress table is refreshed
 * @param isolation                 where a trial's code runs: {@link Isolation#THREAD} (default) in the
 *                                  node's JVM, or {@link Isolation#PROCESS} in a child JVM per attempt
 * @param stopGracePeriod           how long a trial asked to stop may take (a child JVM is then killed;
 *                                  an interrupted experiment stops waiting for it 10 s later); default 10 s
 * @param stopOnGpuMemoryOverBudget when a trial uses more GPU memory than its lease's budget (see
 *                                  docs/gpu-runtime.md, "Telemetry"), end the attempt as failed
 *                                  (default false: the result is flagged and a warning logged)
 * @param callbacks                 callbacks of this experiment (besides the progress table, the
 *                                  result writers, and those found with {@code ServiceLoader})
 * @param callbackQueueSize         events that may wait for the callbacks before result events are
 *                                  dropped for them (default 10,000; see {@link Callback})
 * @param checkpointConfig          which checkpoints of each trial are kept (default: all)
 * @param pendingTimeout            how long the experiment may wait for resources while it holds
 *                                  none before it fails with a message naming what holds them
 *                                  (default 10 minutes; null waits forever)
 * @param handleSignals             {@code Tuner.fit()} handles SIGINT/SIGTERM (Ctrl-C): running
 *                                  trials are stopped and recorded INTERRUPTED, a second signal
 *                                  exits at once (default true)
 * @param dashboard                 serve the web dashboard while the experiment runs (needs the
 *                                  module gale-observability on the classpath; {@code Tuner.build()}
 *                                  fails naming it otherwise): the URL is printed once the page is
 *                                  up, and the dashboard stops when {@code fit()} returns. Null
 *                                  (default): none
 */
public record RunConfig(String name, Path storagePath, boolean quiet, long progressMillis, Isolation isolation,
                        Duration stopGracePeriod, boolean stopOnGpuMemoryOverBudget, List<Callback> callbacks,
                        int callbackQueueSize, CheckpointConfig checkpointConfig, Duration pendingTimeout,
                        boolean handleSignals, DashboardOptions dashboard) {
    /** The default {@link #stopGracePeriod}. */
    public static final Duration DEFAULT_STOP_GRACE = Duration.ofSeconds(10);
    /** The default {@link #callbackQueueSize}. */
    public static final int DEFAULT_CALLBACK_QUEUE = 10_000;
    /** The default {@link #pendingTimeout}. */
    public static final Duration DEFAULT_PENDING_TIMEOUT = Duration.ofMinutes(10);

    public RunConfig {
        if (name == null || name.isBlank()) name = generatedName(Clock.systemDefaultZone());
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
        callbacks = callbacks == null ? List.of() : List.copyOf(callbacks);
        if (callbackQueueSize < 0) {
            throw new IllegalArgumentException("callbackQueueSize = " + callbackQueueSize + ": must be >= 1 (0 = the default 10,000)");
        }
        if (callbackQueueSize == 0) callbackQueueSize = DEFAULT_CALLBACK_QUEUE;
        if (checkpointConfig == null) checkpointConfig = CheckpointConfig.KEEP_ALL;
        if (pendingTimeout != null && (pendingTimeout.isNegative() || pendingTimeout.isZero())) {
            throw new IllegalArgumentException("pendingTimeout = " + pendingTimeout + ": must be positive, or null to wait forever");
        }
    }

    /** Without a dashboard (the record's components before {@link #dashboard} was added). */
    public RunConfig(String name, Path storagePath, boolean quiet, long progressMillis, Isolation isolation,
                     Duration stopGracePeriod, boolean stopOnGpuMemoryOverBudget, List<Callback> callbacks,
                     int callbackQueueSize, CheckpointConfig checkpointConfig, Duration pendingTimeout,
                     boolean handleSignals) {
        this(name, storagePath, quiet, progressMillis, isolation, stopGracePeriod, stopOnGpuMemoryOverBudget, callbacks,
                callbackQueueSize, checkpointConfig, pendingTimeout, handleSignals, null);
    }

    /** Name, storage and output only; everything else default. */
    public RunConfig(String name, Path storagePath, boolean quiet, long progressMillis) {
        this(name, storagePath, quiet, progressMillis, Isolation.THREAD, DEFAULT_STOP_GRACE, false);
    }

    /** As {@link #RunConfig(String, Path, boolean, long)} with the isolation settings. */
    public RunConfig(String name, Path storagePath, boolean quiet, long progressMillis, Isolation isolation,
                     Duration stopGracePeriod, boolean stopOnGpuMemoryOverBudget) {
        this(name, storagePath, quiet, progressMillis, isolation, stopGracePeriod, stopOnGpuMemoryOverBudget, List.of(),
                DEFAULT_CALLBACK_QUEUE, CheckpointConfig.KEEP_ALL, DEFAULT_PENDING_TIMEOUT, true);
    }

    /** {@code ~/gale_results}. */
    public static Path defaultStoragePath() {
        return Path.of(System.getProperty("user.home"), "gale_results");
    }

    /** Defaults: generated name, {@code ~/gale_results}, progress every second. */
    public static RunConfig defaults() {
        return defaults(Clock.systemDefaultZone());
    }

    /** {@link #defaults()} with the name generated from {@code clock}. */
    public static RunConfig defaults(Clock clock) {
        return new RunConfig(generatedName(clock), null, false, 1000);
    }

    /** The name given to an experiment without one: {@code gale_<yyyyMMdd_HHmmss>} of {@code clock}'s local time. */
    public static String generatedName(Clock clock) {
        return "gale_" + LocalDateTime.now(clock).format(DateTimeFormatter.ofPattern("yyyyMMdd_HHmmss"));
    }

    /** The experiment directory. */
    public Path experimentDir() {
        return storagePath.resolve(name);
    }

    public RunConfig withName(String n) { return new RunConfig(n, storagePath, quiet, progressMillis, isolation, stopGracePeriod, stopOnGpuMemoryOverBudget, callbacks, callbackQueueSize, checkpointConfig, pendingTimeout, handleSignals, dashboard); }
    public RunConfig withStoragePath(Path p) { return new RunConfig(name, p, quiet, progressMillis, isolation, stopGracePeriod, stopOnGpuMemoryOverBudget, callbacks, callbackQueueSize, checkpointConfig, pendingTimeout, handleSignals, dashboard); }
    public RunConfig withQuiet(boolean q) { return new RunConfig(name, storagePath, q, progressMillis, isolation, stopGracePeriod, stopOnGpuMemoryOverBudget, callbacks, callbackQueueSize, checkpointConfig, pendingTimeout, handleSignals, dashboard); }
    public RunConfig withProgressMillis(long ms) { return new RunConfig(name, storagePath, quiet, ms, isolation, stopGracePeriod, stopOnGpuMemoryOverBudget, callbacks, callbackQueueSize, checkpointConfig, pendingTimeout, handleSignals, dashboard); }

    /** Runs each trial attempt in the node's JVM ({@link Isolation#THREAD}) or in a child JVM ({@link Isolation#PROCESS}). */
    public RunConfig withIsolation(Isolation i) { return new RunConfig(name, storagePath, quiet, progressMillis, i, stopGracePeriod, stopOnGpuMemoryOverBudget, callbacks, callbackQueueSize, checkpointConfig, pendingTimeout, handleSignals, dashboard); }

    /** How long a trial asked to stop may take before its JVM is killed. */
    public RunConfig withStopGracePeriod(Duration d) { return new RunConfig(name, storagePath, quiet, progressMillis, isolation, d, stopOnGpuMemoryOverBudget, callbacks, callbackQueueSize, checkpointConfig, pendingTimeout, handleSignals, dashboard); }

    /** Whether a trial above its GPU-memory budget is stopped as a failed attempt. */
    public RunConfig withStopOnGpuMemoryOverBudget(boolean b) { return new RunConfig(name, storagePath, quiet, progressMillis, isolation, stopGracePeriod, b, callbacks, callbackQueueSize, checkpointConfig, pendingTimeout, handleSignals, dashboard); }

    /** These callbacks, added to those already set. */
    public RunConfig withCallbacks(Callback... more) {
        List<Callback> all = new ArrayList<>(callbacks);
        all.addAll(List.of(more));
        return new RunConfig(name, storagePath, quiet, progressMillis, isolation, stopGracePeriod, stopOnGpuMemoryOverBudget, all, callbackQueueSize, checkpointConfig, pendingTimeout, handleSignals, dashboard);
    }

    /** Events that may wait for the callbacks before result events are dropped for them. */
    public RunConfig withCallbackQueueSize(int n) { return new RunConfig(name, storagePath, quiet, progressMillis, isolation, stopGracePeriod, stopOnGpuMemoryOverBudget, callbacks, n, checkpointConfig, pendingTimeout, handleSignals, dashboard); }

    /** Which checkpoints of each trial are kept. */
    public RunConfig withCheckpointConfig(CheckpointConfig c) { return new RunConfig(name, storagePath, quiet, progressMillis, isolation, stopGracePeriod, stopOnGpuMemoryOverBudget, callbacks, callbackQueueSize, c, pendingTimeout, handleSignals, dashboard); }

    /** How long trials may wait for resources while the experiment holds none (null: forever). */
    public RunConfig withPendingTimeout(Duration d) { return new RunConfig(name, storagePath, quiet, progressMillis, isolation, stopGracePeriod, stopOnGpuMemoryOverBudget, callbacks, callbackQueueSize, checkpointConfig, d, handleSignals, dashboard); }

    /** Whether {@code Tuner.fit()} handles SIGINT/SIGTERM (Ctrl-C) by interrupting the experiment. */
    public RunConfig withHandleSignals(boolean b) { return new RunConfig(name, storagePath, quiet, progressMillis, isolation, stopGracePeriod, stopOnGpuMemoryOverBudget, callbacks, callbackQueueSize, checkpointConfig, pendingTimeout, b, dashboard); }

    /**
     * Serves the web dashboard while the experiment runs (null: none); needs gale-observability on
     * the classpath. The URL is printed once the page is up; the dashboard stops when {@code fit()} returns.
     */
    public RunConfig withDashboard(DashboardOptions d) { return new RunConfig(name, storagePath, quiet, progressMillis, isolation, stopGracePeriod, stopOnGpuMemoryOverBudget, callbacks, callbackQueueSize, checkpointConfig, pendingTimeout, handleSignals, d); }
}
