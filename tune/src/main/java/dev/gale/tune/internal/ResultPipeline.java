package dev.gale.tune.internal;

import dev.gale.tune.Mode;
import dev.gale.tune.Result;
import dev.gale.tune.Stopper;
import dev.gale.tune.schedulers.Decision;
import dev.gale.tune.schedulers.TrialScheduler;
import dev.gale.tune.search.Searcher;
import dev.gale.tune.storage.ExperimentStore;
import dev.gale.tune.storage.ResultRow;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * What happens to one result of a running trial, in order: validation (one
 * {@link MetricValidator}), the trial's last/best/checkpoint, the result row, checkpoint retention,
 * the searcher, the callbacks, the stop conditions and the scheduler's {@link Decision}. The
 * outcome is left on the trial record ({@code stopRequested}, {@code pauseRequested},
 * {@code exploit}, {@code failOnEnd}); the controller acts on it. Confined to the controller.
 */
final class ResultPipeline {
    private final String metric;
    private final Mode mode;
    private final Searcher searcher;
    private final TrialScheduler scheduler;
    private final Stopper[] stoppers;
    private final ExperimentStore store;
    private final TrialLifecycle lifecycle;
    private final CheckpointRetention retention;
    private final Function<String, TrialRecord> trials;
    private final java.util.function.Consumer<TrialRecord> onCheckpoint;

    ResultPipeline(String metric, Mode mode, Searcher searcher, TrialScheduler scheduler, List<Stopper> stoppers,
                   ExperimentStore store, TrialLifecycle lifecycle, CheckpointRetention retention,
                   java.util.function.Consumer<TrialRecord> onCheckpoint) {
        this.metric = metric;
        this.mode = mode == null ? Mode.MAX : mode;
        this.searcher = searcher;
        this.scheduler = scheduler;
        this.stoppers = stoppers.toArray(new Stopper[0]);
        this.store = store;
        this.lifecycle = lifecycle;
        this.retention = retention;
        this.trials = lifecycle::get;
        this.onCheckpoint = onCheckpoint;
    }

    /** Handles the results of a batch until one asks the trial to stop; the rest are discarded. */
    void handle(TrialRecord t, List<ReportedResult> results) {
        for (int i = 0, n = results.size(); i < n && !t.stopRequested; i++) handle(t, results.get(i));
    }

    private void handle(TrialRecord t, ReportedResult rr) {
        String problem = MetricValidator.problem(metric, rr.metrics(), rr.iteration());
        if (problem != null) {
            t.failOnEnd = problem;
            t.stopRequested = true;
            return;
        }
        Result r = new Result(t.id, rr.iteration(), rr.timeTotalS(), rr.timestamp(), rr.metrics());
        t.last = r;
        if (rr.checkpoint() != null) checkpointed(t, rr.checkpoint(), r);
        if (metric != null && (t.best == null || mode.better(r.metric(metric), t.best.metric(metric)))) t.best = r;
        try {
            t.attributes = searcher.trialAttributes(t.id); // a define-by-run sampler knows them once parameters were asked
        } catch (RuntimeException e) {
            t.failOnEnd = "searcher " + searcher.name() + " failed naming the attributes of this trial: " + e;
            t.stopRequested = true;
            return;
        }
        store.result(t.id, row(t, r, rr.checkpoint()));
        try {
            searcher.onTrialResult(t.id, r);
        } catch (RuntimeException e) {
            t.failOnEnd = "searcher " + searcher.name() + " failed on this result: " + e;
            t.stopRequested = true;
            return;
        }
        lifecycle.resultReported(t, r, rr.checkpoint());
        for (Stopper st : stoppers) {
            if (st.shouldStop(r)) {
                t.stopRequested = true;
                return;
            }
        }
        Decision d;
        try {
            d = scheduler.onTrialResult(t.id, r);
        } catch (RuntimeException e) {
            t.failOnEnd = e.getMessage() == null ? e.toString() : e.getMessage();
            t.stopRequested = true;
            return;
        }
        switch (d) {
            case Decision.Continue c -> {
                // keep training
            }
            case Decision.Stop s -> t.stopRequested = true;
            case Decision.Pause p -> {
                t.stopRequested = true;
                t.pauseRequested = true;
            }
            case Decision.Exploit x -> {
                TrialRecord donor = trials.apply(x.donorTrialId());
                if (donor != null && donor != t && donor.checkpoint != null) {
                    t.stopRequested = true;
                    t.exploit = x;
                }
            }
        }
    }

    /** A new checkpoint of {@code t}: it resumes from it now; older ones may go (retention). */
    private void checkpointed(TrialRecord t, String name, Result r) {
        t.checkpoint = name;
        t.checkpointResult = r;
        if (t.borrowedCheckpoint != null) { // it no longer starts from a donor's checkpoint
            retention.unpin(t.borrowedCheckpoint);
            t.borrowedCheckpoint = null;
        }
        for (String old : retention.added(t.id, name, r)) store.deleteCheckpoint(t.id, old);
        onCheckpoint.accept(t);
    }

    private static ResultRow row(TrialRecord t, Result r, String checkpoint) {
        Map<String, Object> metrics = r.metrics();
        if (!t.attributes.isEmpty()) {
            Map<String, Object> m = new LinkedHashMap<>(metrics.size() + t.attributes.size());
            m.putAll(metrics);
            t.attributes.forEach(m::putIfAbsent);
            metrics = m;
        }
        return new ResultRow(t.id, r.iteration(), r.timeTotalS(), r.timestamp(), metrics, checkpoint);
    }
}
