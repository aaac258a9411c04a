package dev.gale.observability.dashboard;

import dev.gale.observability.dashboard.internal.Registry;
import dev.gale.observability.experiment.ExperimentStatus;
import dev.gale.observability.experiment.Marker;
import dev.gale.observability.experiment.internal.DirectoryLoader;
import dev.gale.observability.experiment.internal.ExperimentModel;
import dev.gale.tune.Result;
import dev.gale.tune.TrialStatus;
import dev.gale.tune.callback.Callback;
import dev.gale.tune.callback.ExperimentEnd;
import dev.gale.tune.callback.ExperimentInfo;
import dev.gale.tune.callback.TrialInfo;

import java.nio.file.Files;
import java.util.HashMap;
import java.util.Map;

/**
 * Feeds one running experiment into a {@link Dashboard}: statuses, configs, results and the
 * scheduler's decisions as they happen, in memory (no file is read while the run is live; a resumed
 * experiment is read from its directory once, at its start). Get one from {@link Dashboard#callback()}.
 *
 * <p>Promises: each call does in-memory work under the experiment's lock only (a result costs a few
 * small allocations), so it keeps up with the callback queue; pauses, resumptions, retries, config
 * changes, errors and interruptions become markers on the trial's curve.
 */
public final class DashboardCallback implements Callback {
    private final Registry registry;
    private volatile ExperimentModel model;
    private final Map<String, TrialStatus> lastStatus = new HashMap<>();
    private final Map<String, Integer> lastFailures = new HashMap<>();

    DashboardCallback(Registry registry) {
        this.registry = registry;
    }

    /** The experiment's id in the dashboard (null before it started). */
    public String experimentId() {
        ExperimentModel m = model;
        return m == null ? null : m.id();
    }

    @Override
    public void onExperimentStart(ExperimentInfo e) {
        if (model != null) return;
        model = registry.add(e.name(), id -> {
            ExperimentModel m = e.resumed() && e.dir() != null && Files.isDirectory(e.dir())
                    ? DirectoryLoader.load(e.dir(), id) : new ExperimentModel(id, e.name(), e.dir());
            m.describe(e.metric(), e.mode(), e.searcher(), e.scheduler());
            m.status(ExperimentStatus.RUNNING, "");
            return m;
        });
    }

    @Override
    public void onTrialStart(TrialInfo t) {
        update(t, t.error());
    }

    @Override
    public void onTrialResult(TrialInfo t, Result r) {
        ExperimentModel m = model;
        if (m == null) return;
        m.result(t.trialId(), r.iteration(), r.timeTotalS(), r.timestamp(), r.metrics());
    }

    @Override
    public void onTrialComplete(TrialInfo t) {
        update(t, null);
    }

    @Override
    public void onTrialError(TrialInfo t, String error) {
        update(t, error);
    }

    @Override
    public void onTrialStatus(TrialInfo t) {
        update(t, t.error());
    }

    @Override
    public void onExperimentEnd(ExperimentEnd end) {
        ExperimentModel m = model;
        if (m == null) return;
        ExperimentStatus s = switch (end.outcome()) {
            case FINISHED -> ExperimentStatus.FINISHED;
            case INTERRUPTED -> ExperimentStatus.INTERRUPTED;
            case ABORTED -> ExperimentStatus.ABORTED;
        };
        m.status(s, end.reason());
        registry.settled(m);
    }

    private void update(TrialInfo t, String error) {
        ExperimentModel m = model;
        if (m == null) return;
        TrialStatus before = lastStatus.put(t.trialId(), t.status());
        Integer failuresBefore = lastFailures.put(t.trialId(), t.failures());
        m.trial(t.trialId(), t.status(), t.config(), t.attempt(), t.failures(), t.nodeId(), t.gpus(), error, before != null);
        if (before == t.status() && (failuresBefore == null || failuresBefore == t.failures())) return;
        long it = m.lastIteration(t.trialId());
        Marker.Kind kind = null;
        String note = "";
        if (failuresBefore != null && t.failures() > failuresBefore && t.status() != TrialStatus.ERROR) {
            kind = Marker.Kind.RETRIED;
            note = error == null ? "" : error;
        } else {
            switch (t.status()) {
                case PAUSED -> kind = Marker.Kind.PAUSED;
                case PENDING -> kind = before == TrialStatus.PAUSED || before == TrialStatus.INTERRUPTED ? Marker.Kind.RESUMED : null;
                case ERROR -> {
                    kind = Marker.Kind.ERROR;
                    note = error == null ? "" : error;
                }
                case INTERRUPTED -> kind = Marker.Kind.INTERRUPTED;
                default -> kind = null;
            }
        }
        if (kind != null) m.marker(t.trialId(), new Marker(it, kind, note));
    }
}
