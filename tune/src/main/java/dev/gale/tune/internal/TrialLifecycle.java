package dev.gale.tune.internal;

import dev.gale.tune.Checkpoint;
import dev.gale.tune.Result;
import dev.gale.tune.TrialStatus;
import dev.gale.tune.TrialSummary;
import dev.gale.tune.callback.TrialInfo;
import dev.gale.tune.schedulers.TrialScheduler;
import dev.gale.tune.search.Searcher;
import dev.gale.tune.storage.ExperimentStore;
import dev.gale.tune.storage.JournalEntry;
import dev.gale.tune.storage.TrialSnapshot;
import org.slf4j.Logger;

import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one place where a trial's status changes. Each transition is checked
 * ({@link TrialStatus#canMoveTo}), then recorded in the journal (before anything acts on it: the
 * store writes in call order), then told to the searcher and scheduler where it concerns them, then
 * to the callbacks. Confined to the controller's thread.
 *
 * <p>Promises: every trial that reaches TERMINATED or ERROR is told to the searcher
 * ({@code onTrialComplete}) and the scheduler ({@code onTrialComplete} / {@code onTrialError})
 * exactly once, in this run (restored trials that ended before the run started are not told again,
 * unless they ended after the saved searcher state: {@link #adopt}); an exception a searcher or
 * scheduler throws there is logged and does not stop the transition.
 */
final class TrialLifecycle {
    private final ExperimentStore store;
    private final Searcher searcher;
    private final TrialScheduler scheduler;
    private final CallbackDispatcher callbacks;
    private final CheckpointRetention retention;
    private final Clock clock;
    private final Logger log;
    private final LinkedHashMap<String, TrialRecord> trials = new LinkedHashMap<>();
    private long seq;

    TrialLifecycle(ExperimentStore store, Searcher searcher, TrialScheduler scheduler, CallbackDispatcher callbacks,
                   CheckpointRetention retention, Clock clock, long journalSeq, Logger log) {
        this.store = store;
        this.searcher = searcher;
        this.scheduler = scheduler;
        this.callbacks = callbacks;
        this.retention = retention;
        this.clock = clock;
        this.seq = journalSeq;
        this.log = log;
    }

    /** Every trial, in creation order. */
    Collection<TrialRecord> all() {
        return trials.values();
    }

    TrialRecord get(String id) {
        return trials.get(id);
    }

    int size() {
        return trials.size();
    }

    /** The sequence number of the last journal entry written. */
    long journalSeq() {
        return seq;
    }

    // ------------------------------------------------------------------ creating and restoring

    /**
     * A new PENDING trial with its first config: {@code params.json} and a CREATED entry are
     * written, the scheduler is told. A scheduler that rejects it ends it in ERROR at once.
     *
     * @return the trial (check its status: ERROR when rejected)
     * @throws IllegalArgumentException when JSON cannot carry {@code config} (nothing is recorded)
     */
    TrialRecord create(String id, Map<String, Object> config, Map<String, Object> attributes) {
        store.trialConfig(id, config); // first: a config JSON cannot carry is refused before the trial exists
        TrialRecord t = new TrialRecord(id, config);
        t.attributes = attributes == null ? Map.of() : attributes;
        trials.put(id, t);
        journal(JournalEntry.Event.CREATED, t);
        status(t);
        try {
            scheduler.onTrialAdd(id);
            scheduler.onTrialConfig(id, config);
        } catch (RuntimeException e) {
            errored(t, "scheduler " + scheduler.name() + " rejected the trial: " + e, null);
        }
        return t;
    }

    /**
     * Takes over a trial recorded by an earlier run, with its recorded status (nothing is written:
     * it is recorded already). A trial that ended after the saved searcher/scheduler state
     * ({@code endedAfterSnapshot}) is told to them now.
     */
    TrialRecord adopt(TrialRecord t, boolean endedAfterSnapshot) {
        trials.put(t.id, t);
        if (endedAfterSnapshot && t.status.isFinished()) tellEnded(t, t.status == TrialStatus.ERROR);
        return t;
    }

    // ------------------------------------------------------------------ transitions

    /** PENDING → RUNNING on {@code nodeId}: an attempt starts. */
    void started(TrialRecord t, String nodeId, String gpus) {
        move(t, TrialStatus.RUNNING);
        t.nodeId = nodeId;
        t.gpus = gpus;
        journal(JournalEntry.Event.STARTED, t);
        if (!callbacks.isEmpty()) {
            TrialInfo i = info(t);
            callbacks.trialStart(i);
            callbacks.trialStatus(i);
        }
    }

    /** The trial's config changed (a define-by-run parameter, a PBT exploit). */
    void configChanged(TrialRecord t, Map<String, Object> config) {
        t.config = config;
        store.trialConfig(t.id, config);
        journal(JournalEntry.Event.CONFIG, t);
        scheduler.onTrialConfig(t.id, config);
    }

    /** RUNNING → PAUSED: the scheduler paused it; it waits for the scheduler's plan. */
    void paused(TrialRecord t) {
        move(t, TrialStatus.PAUSED);
        store.trialClosed(t.id);
        journal(JournalEntry.Event.PAUSED, t);
        status(t);
    }

    /**
     * RUNNING → PENDING: its node is being emptied ({@code ResourceManager.Consolidate}); it runs
     * again elsewhere from its checkpoint as a new attempt. Not a failure.
     */
    void moved(TrialRecord t) {
        store.trialClosed(t.id);
        t.attempt++;
        move(t, TrialStatus.PENDING);
        journal(JournalEntry.Event.REQUEUED, t);
        status(t);
    }

    /** PAUSED or INTERRUPTED → PENDING: it waits for a lease to run again from its checkpoint. */
    void requeued(TrialRecord t) {
        move(t, TrialStatus.PENDING);
        journal(JournalEntry.Event.REQUEUED, t);
        status(t);
    }

    /**
     * A running attempt failed ({@code error}: its summary; {@code detail}: its stack trace, for
     * {@code error.txt}): one more failure; with {@code retry} the trial goes back to PENDING as a
     * new attempt (RUNNING → PENDING), else it ends in ERROR.
     */
    void attemptFailed(TrialRecord t, String error, String detail, boolean retry) {
        t.failures++;
        t.error = firstLine(error);
        store.trialError(t.id, t.attempt, detail == null ? error : detail);
        store.trialClosed(t.id);
        if (retry) {
            t.attempt++;
            move(t, TrialStatus.PENDING);
            journal(JournalEntry.Event.RETRYING, t);
            status(t);
        } else {
            ended(t, TrialStatus.ERROR);
        }
    }

    /** → TERMINATED: it ended normally (returned, stopped by a scheduler or stopper, or the budget). */
    void terminated(TrialRecord t) {
        if (t.status == TrialStatus.RUNNING) store.trialClosed(t.id);
        ended(t, TrialStatus.TERMINATED);
    }

    /**
     * → ERROR for a reason other than a failed attempt (a result that failed validation, a config
     * or scheduler that rejected the trial): {@code problem} is the cause, written to
     * {@code error.txt} with {@code detail} when given.
     */
    void errored(TrialRecord t, String problem, String detail) {
        t.error = firstLine(problem);
        store.trialError(t.id, t.attempt, detail == null ? problem : detail);
        if (t.status == TrialStatus.RUNNING) store.trialClosed(t.id);
        ended(t, TrialStatus.ERROR);
    }

    private void ended(TrialRecord t, TrialStatus end) {
        move(t, end);
        boolean error = end == TrialStatus.ERROR;
        journal(error ? JournalEntry.Event.ERROR : JournalEntry.Event.TERMINATED, t);
        tellEnded(t, error);
        retention.ended(t.id);
        if (!callbacks.isEmpty()) {
            TrialInfo i = info(t);
            if (error) callbacks.trialError(i, t.error);
            else callbacks.trialComplete(i);
            callbacks.trialStatus(i);
        }
    }

    /** RUNNING → INTERRUPTED: the driver stopped while it ran; a resumed run continues it. */
    void interrupted(TrialRecord t) {
        move(t, TrialStatus.INTERRUPTED);
        store.trialClosed(t.id);
        journal(JournalEntry.Event.INTERRUPTED, t);
        status(t);
    }

    /** Tells the callbacks about a result (and its checkpoint, when it came with one). */
    void resultReported(TrialRecord t, Result r, String checkpoint) {
        if (callbacks.isEmpty()) return;
        TrialInfo i = info(t);
        callbacks.trialResult(i, r);
        if (checkpoint != null) callbacks.checkpoint(i, new Checkpoint(store.trialDir(t.id).resolve(checkpoint)), r);
    }

    // ------------------------------------------------------------------ views

    /** The recorded state of {@code t}, as the journal and the snapshot hold it. */
    TrialSnapshot snapshot(TrialRecord t) {
        return new TrialSnapshot(t.id, t.status, t.config, t.attempt + 1, t.failures, t.lastFlat.of(t.last),
                t.bestFlat.of(t.best), t.checkpoint, t.checkpointFlat.of(t.checkpointResult), t.error);
    }

    /** Every trial's recorded state, in creation order. */
    List<TrialSnapshot> snapshots() {
        List<TrialSnapshot> out = new ArrayList<>(trials.size());
        for (TrialRecord t : trials.values()) out.add(snapshot(t));
        return out;
    }

    /** Every trial as the results show it. */
    List<TrialSummary> summaries() {
        List<TrialSummary> out = new ArrayList<>(trials.size());
        for (TrialRecord t : trials.values()) {
            Path dir = store.trialDir(t.id);
            out.add(new TrialSummary(t.id, t.status, t.config, withAttributes(t.lastFlat.of(t.last), t.attributes), withAttributes(t.bestFlat.of(t.best), t.attributes),
                    t.status == TrialStatus.ERROR || t.error != null && t.status != TrialStatus.TERMINATED ? t.error : null,
                    dir, t.checkpoint == null ? null : dir.resolve(t.checkpoint), t.attempt + 1));
        }
        return out;
    }

    /** A flattened result as its row in result.jsonl shows it: with the searcher's attributes of the trial (never overwriting). */
    private static Map<String, Object> withAttributes(Map<String, Object> flat, Map<String, Object> attributes) {
        if (flat == null || flat.isEmpty() || attributes.isEmpty()) return flat;
        Map<String, Object> out = new LinkedHashMap<>(flat);
        attributes.forEach(out::putIfAbsent);
        return java.util.Collections.unmodifiableMap(out);
    }

    /** The trial as a callback sees it. */
    TrialInfo info(TrialRecord t) {
        return new TrialInfo(t.id, t.status, java.util.Collections.unmodifiableMap(t.config), t.attempt, t.failures,
                store.trialDir(t.id), t.nodeId, t.gpus, t.error);
    }

    // ------------------------------------------------------------------ internals

    private void move(TrialRecord t, TrialStatus next) {
        if (!t.status.canMoveTo(next)) {
            throw new IllegalStateException("trial " + t.id + ": illegal transition " + t.status + " -> " + next);
        }
        t.status = next;
    }

    private void journal(JournalEntry.Event event, TrialRecord t) {
        store.journal(new JournalEntry(++seq, clock.millis(), event, snapshot(t)));
    }

    private void status(TrialRecord t) {
        if (!callbacks.isEmpty()) callbacks.trialStatus(info(t));
    }

    private void tellEnded(TrialRecord t, boolean error) {
        try {
            searcher.onTrialComplete(t.id, t.last, error);
        } catch (RuntimeException e) {
            log.warn("searcher {} failed on the end of {}: {}", searcher.name(), t.id, e.toString());
        }
        try {
            if (error) scheduler.onTrialError(t.id);
            else scheduler.onTrialComplete(t.id, t.last);
        } catch (RuntimeException e) {
            log.warn("scheduler {} failed on the end of {}: {}", scheduler.name(), t.id, e.toString());
        }
    }

    static String firstLine(String s) {
        if (s == null) return null;
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
