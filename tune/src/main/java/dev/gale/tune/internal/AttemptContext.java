package dev.gale.tune.internal;

import ai.djl.Device;
import dev.gale.gpu.Allocation;
import dev.gale.gpu.DjlRuntime;
import dev.gale.tune.Checkpoint;
import dev.gale.tune.Config;
import dev.gale.tune.TrialContext;
import dev.gale.tune.TrialStoppedException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * The {@link TrialContext} of one trial attempt, wherever it runs: in the node's JVM
 * ({@link ControllerTransport} beneath), in a child JVM ({@link ChannelTransport} beneath) or in a
 * unit test ({@link dev.gale.tune.testing.TestTrialContext}). It holds everything the trainable
 * sees; the {@link TrialTransport} only moves results, checkpoints and questions.
 *
 * <p>Promises:
 * <ul>
 *   <li>{@code report} numbers results {@code training_iteration} = the payload's iteration offset
 *       + 1, + 2, ... (so a retry continues from its checkpoint's iteration), with
 *       {@code time_total_s} = the payload's time offset + seconds since this context was made, and
 *       {@code timestamp} from the clock;</li>
 *   <li>a reported checkpoint becomes {@code checkpoint_<iteration, six digits>} of the trial and is
 *       stored before {@code report} returns; the metrics map is copied, so the caller may reuse
 *       both;</li>
 *   <li>arguments are checked first: a null metrics map, a checkpoint that is not a directory and a
 *       value JSON cannot carry ({@link MetricValidator#transportProblem}, the message the
 *       controller would give) throw {@link IllegalArgumentException}, and the result is not
 *       counted. NaN and infinities are sent on: the controller rejects them (the trial ends in
 *       ERROR, not retried) and the next {@code report} throws {@link TrialStoppedException};</li>
 *   <li>once the transport says the trial must stop, {@link #shouldStop()} is true and every later
 *       {@code report} throws {@link TrialStoppedException} without sending anything;</li>
 *   <li>{@code report} may be called from several threads; calls are serialized.</li>
 * </ul>
 */
public final class AttemptContext implements TrialContext, DefineByRun {
    private final TrialPayload p;
    private final Allocation resources;
    private final TrialTransport transport;
    private final Clock clock;
    private final LongSupplier nanoTime;
    private final Config config;
    private final Path trialDir;
    private final long startNanos;
    private final Object reportLock = new Object();
    private volatile long iteration; // written under reportLock
    private volatile Device device;

    /**
     * A context for {@code p} as this JVM sees it (its trial directory and checkpoint are local
     * paths, or the checkpoint is resolved by {@link TrialTransport#localCheckpoint}).
     *
     * @param resources the lease as the trial sees it (GPUs renumbered in a child JVM)
     * @param clock     for {@code timestamp}
     * @param nanoTime  a monotonic clock in nanoseconds, for {@code time_total_s}
     */
    public AttemptContext(TrialPayload p, Allocation resources, TrialTransport transport, Clock clock, LongSupplier nanoTime) {
        if (p == null) throw new IllegalArgumentException("payload is null");
        if (resources == null) throw new IllegalArgumentException("resources are null: give the trial's allocation");
        if (transport == null) throw new IllegalArgumentException("transport is null");
        if (clock == null || nanoTime == null) throw new IllegalArgumentException("clock is null: pass Clock.systemUTC() and System::nanoTime");
        this.p = p;
        this.resources = resources;
        this.transport = transport;
        this.clock = clock;
        this.nanoTime = nanoTime;
        this.config = new Config(p.config());
        this.trialDir = Path.of(p.trialDir());
        this.iteration = p.iterationOffset();
        this.startNanos = nanoTime.getAsLong();
    }

    /** A context on the system clock. */
    public AttemptContext(TrialPayload p, Allocation resources, TrialTransport transport) {
        this(p, resources, transport, Clock.systemUTC(), System::nanoTime);
    }

    /** The name of the checkpoint reported with result {@code iteration}. */
    public static String checkpointName(long iteration) {
        return String.format("checkpoint_%06d", iteration);
    }

    @Override
    public String trialId() {
        return p.trialId();
    }

    @Override
    public Config config() {
        return config;
    }

    /** Whether {@link #trialDir()} has made sure the directory exists. */
    private volatile boolean trialDirMade;

    /** The trial's directory, created on the first call when it does not exist yet (a lean store makes none ahead of time). */
    @Override
    public Path trialDir() {
        if (!trialDirMade) {
            try {
                java.nio.file.Files.createDirectories(trialDir);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException("cannot create the trial directory " + trialDir + ": " + e.getMessage(), e);
            }
            trialDirMade = true;
        }
        return trialDir;
    }

    @Override
    public Optional<Checkpoint> checkpoint() {
        String recorded = p.checkpoint();
        if (recorded == null) return Optional.empty();
        return Optional.of(new Checkpoint(transport.localCheckpoint(recorded)));
    }

    @Override
    public Allocation resources() {
        return resources;
    }

    @Override
    public Device device() {
        Device d = device;
        if (d == null) device = d = DjlRuntime.deviceFor(resources);
        return d;
    }

    @Override
    public int attempt() {
        return p.attempt();
    }

    /** training_iteration of the last result reported (the payload's offset before the first). */
    public long iteration() {
        return iteration;
    }

    @Override
    public void report(Map<String, ?> metrics) {
        report(metrics, null);
    }

    @Override
    public void report(Map<String, ?> metrics, Checkpoint checkpoint) {
        if (shouldStop()) throw new TrialStoppedException(p.trialId());
        if (metrics == null) throw new IllegalArgumentException("report(null): pass a map of metrics, e.g. Map.of(\"loss\", 0.1)");
        Path from = null;
        if (checkpoint != null) {
            from = checkpoint.path();
            if (!Files.isDirectory(from)) {
                throw new IllegalArgumentException("checkpoint " + from + " is not a directory: write the checkpoint's files"
                        + " into a directory and report Checkpoint.fromDirectory(dir), or use Checkpoint.ofData(map)");
            }
        }
        synchronized (reportLock) {
            long iter = iteration + 1;
            String problem = MetricValidator.transportProblem(metrics, iter);
            if (problem != null) throw new IllegalArgumentException(problem);
            iteration = iter;
            ReportedResult r = new ReportedResult(iter, p.timeOffset() + (nanoTime.getAsLong() - startNanos) / 1e9,
                    clock.millis(), new LinkedHashMap<>(metrics), from == null ? null : checkpointName(iter));
            transport.send(r, from);
        }
    }

    @Override
    public boolean shouldStop() {
        return transport.stopRequested();
    }

    @Override
    public Object parameter(String name, ParamMessages.ParamSpec spec) {
        if (name == null || name.isBlank()) throw new IllegalArgumentException("parameter name is empty: name the parameter");
        if (spec == null) throw new IllegalArgumentException("parameter '" + name + "' has no domain");
        return transport.parameter(name, spec);
    }

    @Override
    public void awaitAcknowledged() {
        transport.awaitAcknowledged();
    }
}
