package dev.gale.tune.testing;

import dev.gale.tune.Result;
import dev.gale.tune.internal.CheckpointFiles;
import dev.gale.tune.internal.MetricValidator;
import dev.gale.tune.internal.ParamMessages;
import dev.gale.tune.internal.ReportedResult;
import dev.gale.tune.internal.TrialTransport;
import dev.gale.tune.search.Domain;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The transport beneath a {@link TestTrialContext}: checks each result as the controller would,
 * copies its checkpoint into the trial directory, records it, and applies the stop rule; every
 * result is acknowledged when {@link #send} returns.
 */
final class RecordingTransport implements TrialTransport {
    private final String trialId;
    private final Path trialDir;
    private final String metric;
    private final Map<String, Object> config;
    private final Predicate<Result> stopWhen;
    private final int stopAfter;
    private final List<Result> results = new ArrayList<>();
    private final List<Path> checkpoints = new ArrayList<>();
    private volatile boolean stopped;

    /**
     * @param metric    the metric a result must have, or null
     * @param stopWhen  stops the trial after a result for which it holds
     * @param stopAfter stops the trial once this many results are recorded (negative: never)
     */
    RecordingTransport(String trialId, Path trialDir, String metric, Map<String, Object> config, Predicate<Result> stopWhen,
                       int stopAfter) {
        this.trialId = trialId;
        this.trialDir = trialDir;
        this.metric = metric;
        this.config = config;
        this.stopWhen = stopWhen;
        this.stopAfter = stopAfter;
        this.stopped = stopAfter == 0;
    }

    @Override
    public void send(ReportedResult r, Path checkpointFrom) {
        String problem = MetricValidator.problem(metric, r.metrics(), r.iteration());
        if (problem != null) throw new IllegalArgumentException(problem);
        Path copy = null;
        if (checkpointFrom != null) {
            copy = trialDir.resolve(r.checkpoint());
            CheckpointFiles.copyTree(checkpointFrom, copy);
        }
        Result result = new Result(trialId, r.iteration(), r.timeTotalS(), r.timestamp(), Collections.unmodifiableMap(r.metrics()));
        int recorded;
        synchronized (results) {
            results.add(result);
            if (copy != null) checkpoints.add(copy);
            recorded = results.size();
        }
        if (recorded == stopAfter || stopWhen.test(result)) stopped = true;
    }

    @Override
    public boolean stopRequested() {
        return stopped;
    }

    /** Every result is acknowledged when {@link #send} returns: nothing to wait for. */
    @Override
    public void awaitAcknowledged() {
    }

    /** Define-by-run parameters come from the test's config: the value there, if it lies in the domain. */
    @Override
    public Object parameter(String name, ParamMessages.ParamSpec spec) {
        if (!config.containsKey(name)) {
            throw new IllegalArgumentException("parameter '" + name + "' is not in the test's config " + config.keySet()
                    + ": give it with TestTrialContext.builder().config(...)");
        }
        Object v = config.get(name);
        Domain d = spec.toDomain(name);
        if (!d.contains(v)) throw new IllegalArgumentException("parameter '" + name + "' = " + v + " in the test's config lies outside " + d);
        return v;
    }

    @Override
    public Path localCheckpoint(String recorded) {
        return Path.of(recorded);
    }

    void stop() {
        stopped = true;
    }

    List<Result> results() {
        synchronized (results) {
            return List.copyOf(results);
        }
    }

    List<Path> checkpoints() {
        synchronized (results) {
            return List.copyOf(checkpoints);
        }
    }
}
