package dev.gale.tune.internal;

import dev.gale.cluster.LeasePool;
import dev.gale.tune.ExperimentStoppedException;
import dev.gale.tune.ResultGrid;
import dev.gale.tune.TrialSummary;
import dev.gale.tune.callback.ExperimentEnd;
import dev.gale.tune.callback.ExperimentInfo;
import dev.gale.tune.storage.ExperimentStore;

import java.util.List;

/**
 * The end of an experiment, in order: the final snapshot (finished only when it ran to its end),
 * the leases and the demand given back, the store closed, the callbacks' {@code onExperimentEnd}
 * delivered (bounded wait), and the caller's future completed — with the results, or with an
 * {@link ExperimentStoppedException} naming why it stopped and the trials left INTERRUPTED.
 */
final class ExperimentEnding {
    private final TuneController.Setup s;
    private final ExperimentStore store;
    private final LeasePool pool;
    private final SnapshotWriter snapshots;
    private final CallbackDispatcher callbacks;
    private final TrialLifecycle lifecycle;
    private final TrialFlow flow;
    private final ExperimentInfo info;

    ExperimentEnding(TuneController.Setup s, ExperimentStore store, LeasePool pool, SnapshotWriter snapshots,
                     CallbackDispatcher callbacks, TrialLifecycle lifecycle, TrialFlow flow, ExperimentInfo info) {
        this.s = s;
        this.store = store;
        this.pool = pool;
        this.snapshots = snapshots;
        this.callbacks = callbacks;
        this.lifecycle = lifecycle;
        this.flow = flow;
        this.info = info;
    }

    /** Why the experiment cannot go on when its storage failed. */
    String storageProblem() {
        return storageProblem(store.failure());
    }

    /** Why the experiment cannot go on when writing its directory failed with {@code cause}. */
    String storageProblem(Object cause) {
        return "cannot write the experiment directory " + store.dir() + ": " + cause
                + " (free space or fix permissions, then resume the experiment; what was written is kept)";
    }

    /**
     * Ends the experiment.
     *
     * @param onRequest true when it was interrupted on request (Ctrl-C), not aborted by an error
     * @param elapsedS  its running time
     */
    void finish(boolean onRequest, double elapsedS) {
        String reason = flow.stopReason();
        snapshots.writeFinal(reason == null && store.failure() == null, elapsedS, reason);
        pool.close();
        store.close();
        if (reason == null && store.failure() != null) reason = storageProblem();
        ExperimentEnd.Outcome outcome = reason == null ? ExperimentEnd.Outcome.FINISHED
                : onRequest ? ExperimentEnd.Outcome.INTERRUPTED : ExperimentEnd.Outcome.ABORTED;
        List<TrialSummary> summaries = lifecycle.summaries();
        callbacks.close(new ExperimentEnd(info, outcome, reason, summaries, elapsedS), 30_000);
        if (reason == null) {
            s.done().complete(new ResultGrid(store.dir(), s.tune().metric(), s.tune().mode(), summaries));
        } else {
            s.done().completeExceptionally(new ExperimentStoppedException(outcome == ExperimentEnd.Outcome.INTERRUPTED,
                    reason, store.dir(), flow.interrupted()));
        }
    }
}
