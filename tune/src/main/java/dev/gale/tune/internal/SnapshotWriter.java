package dev.gale.tune.internal;

import dev.gale.tune.RunConfig;
import dev.gale.tune.TuneConfig;
import dev.gale.tune.storage.ComponentState;
import dev.gale.tune.storage.ExperimentSnapshot;
import dev.gale.tune.storage.ExperimentStore;

import java.util.Map;
import java.util.function.Supplier;

/**
 * Writes the experiment's snapshot: at most once per tick, when a transition was journalled
 * since the last one (results between snapshots are in the trials' rows and the journal), and a
 * forced one at the end. Confined to the controller.
 */
final class SnapshotWriter {
    private final TuneConfig tune;
    private final RunConfig run;
    private final Map<String, Object> launch;
    private final ExperimentStore store;
    private final TrialLifecycle lifecycle;
    private long written = -1;

    SnapshotWriter(TuneConfig tune, RunConfig run, Map<String, Object> launch, ExperimentStore store, TrialLifecycle lifecycle) {
        this.tune = tune;
        this.run = run;
        this.launch = launch;
        this.store = store;
        this.lifecycle = lifecycle;
    }

    /** Writes a snapshot if something changed since the last one (skipped while one is being written). */
    void maybeWrite(double elapsedS) {
        long seq = lifecycle.journalSeq();
        if (seq == written) return;
        if (store.snapshot(() -> snapshot(false, elapsedS, null), false)) written = seq;
    }

    /** Writes the final snapshot ({@code finished}: the experiment ran to its end). */
    void writeFinal(boolean finished, double elapsedS, String aborted) {
        store.snapshot(() -> snapshot(finished, elapsedS, aborted), true);
        written = lifecycle.journalSeq();
    }

    private ExperimentSnapshot snapshot(boolean finished, double elapsedS, String aborted) {
        return new ExperimentSnapshot(ExperimentSnapshot.VERSION, run.name(), tune.metric(), tune.mode(), tune.numSamples(),
                tune.seed(), finished, elapsedS, aborted, launch,
                new ComponentState(tune.searcher().name(), safe(() -> tune.searcher().save())),
                new ComponentState(tune.scheduler().name(), safe(() -> tune.scheduler().save())),
                lifecycle.journalSeq(), lifecycle.snapshots());
    }

    private static Object safe(Supplier<Object> f) {
        try {
            return f.get();
        } catch (RuntimeException e) {
            return Map.of("error", e.toString());
        }
    }
}
