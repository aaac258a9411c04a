package dev.gale.tune.internal;

import dev.gale.tune.Result;
import dev.gale.tune.ResultGrid;
import dev.gale.tune.TrialStatus;
import dev.gale.tune.TrialSummary;
import dev.gale.tune.callback.Callback;
import dev.gale.tune.callback.ExperimentEnd;
import dev.gale.tune.callback.TrialInfo;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The progress table as a {@link Callback}: keeps what each trial's events said (status, config,
 * last result, error) and hands it to a {@link ProgressReporter} on every tick and at the end.
 * Runs on the callback thread, like every callback.
 */
final class ProgressCallback implements Callback, CallbackDispatcher.Ticking {
    private final ProgressReporter reporter;
    private final Map<String, Row> trials = new LinkedHashMap<>();

    private static final class Row {
        TrialInfo info;
        Map<String, Object> last = Map.of();
    }

    ProgressCallback(ProgressReporter reporter) {
        this.reporter = reporter;
    }

    @Override
    public void onTrialStart(TrialInfo trial) {
        row(trial);
    }

    @Override
    public void onTrialResult(TrialInfo trial, Result result) {
        row(trial).last = ResultGrid.flatten(result);
    }

    @Override
    public void onTrialStatus(TrialInfo trial) {
        row(trial);
    }

    @Override
    public void onTick(double elapsedS) {
        reporter.update(summaries(), elapsedS);
    }

    @Override
    public void onExperimentEnd(ExperimentEnd end) {
        reporter.done(end.trials(), end.elapsedS());
    }

    private Row row(TrialInfo t) {
        Row r = trials.computeIfAbsent(t.trialId(), k -> new Row());
        r.info = t;
        return r;
    }

    private List<TrialSummary> summaries() {
        List<TrialSummary> out = new ArrayList<>(trials.size());
        for (Row r : trials.values()) {
            TrialInfo t = r.info;
            out.add(new TrialSummary(t.trialId(), t.status(), t.config(), r.last, Map.of(),
                    t.status() == TrialStatus.ERROR ? t.error() : null, t.trialDir(), null, t.attempt() + 1));
        }
        return out;
    }
}
