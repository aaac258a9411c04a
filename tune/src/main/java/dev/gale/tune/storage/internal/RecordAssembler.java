package dev.gale.tune.storage.internal;

import dev.gale.tune.Mode;
import dev.gale.tune.Result;
import dev.gale.tune.TrialStatus;
import dev.gale.tune.storage.ExperimentRecord;
import dev.gale.tune.storage.ExperimentSnapshot;
import dev.gale.tune.storage.JournalEntry;
import dev.gale.tune.storage.ResultRow;
import dev.gale.tune.storage.TrialSnapshot;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds an {@link ExperimentRecord} from what a store holds: the snapshot (or none), the journal
 * entries in the order written, and the trials that have a config recorded. The one place the
 * rules for combining them live, shared by every store and by {@code ExperimentReader}.
 *
 * <p>Rules: entries with {@code seq > snapshot.journalSeq} are applied, the newest (highest seq)
 * per trial winning; entries without a sequence number ({@code seq == 0}, written before Gale
 * numbered them, recording endings only) apply an ending over a snapshot that says the trial had
 * not ended. A trial known only from its files (no snapshot or journal entry: the driver stopped
 * right after creating it) is PENDING when it has no result row and RUNNING when it has: never
 * TERMINATED, since nothing says it ended. Trials not in the snapshot follow its trials in
 * creation order (shorter ids first, then by id: {@code trial_99999} before {@code trial_100000}).
 */
public final class RecordAssembler {

    /** What a store holds per trial besides snapshot and journal. */
    public interface TrialFiles {
        /** The trial's recorded config, or null when unreadable. */
        Map<String, Object> config(String trialId);

        /** Its result rows in order. */
        List<ResultRow> rows(String trialId);

        /** The first line of its last failed attempt's error, or null. */
        String lastError(String trialId);
    }

    /** Creation order of trial ids. */
    public static final Comparator<String> CREATION_ORDER = Comparator.comparingInt(String::length)
            .thenComparing(Comparator.naturalOrder());

    private RecordAssembler() {
    }

    /**
     * The record of an experiment.
     *
     * @param name     the experiment's name (used when there is no snapshot)
     * @param snapshot the newest snapshot, or null when none was written
     * @param journal  the journal entries in the order written (torn lines already skipped)
     * @param withConfig ids of the trials that have a config recorded, any order
     * @param files    the trials' rows and errors (read only for trials known from files alone)
     * @throws IllegalArgumentException when there is nothing at all (no snapshot, entry or trial)
     */
    public static ExperimentRecord assemble(String name, ExperimentSnapshot snapshot, List<JournalEntry> journal,
                                            Iterable<String> withConfig, TrialFiles files) {
        long snapSeq = snapshot == null ? 0 : snapshot.journalSeq();
        long maxSeq = snapSeq;
        Map<String, TrialSnapshot> newest = new HashMap<>();
        Map<String, Long> newestSeq = new HashMap<>();
        Map<String, TrialSnapshot> oldEnd = new HashMap<>();
        for (JournalEntry e : journal) {
            String id = e.trial().trialId();
            if (e.seq() == 0) {
                if (e.trial().status().isFinished()) oldEnd.put(id, e.trial());
                continue;
            }
            maxSeq = Math.max(maxSeq, e.seq());
            if (e.seq() <= snapSeq) continue;
            Long prev = newestSeq.get(id);
            if (prev == null || e.seq() > prev) {
                newest.put(id, e.trial());
                newestSeq.put(id, e.seq());
            }
        }
        List<TrialSnapshot> trials = new ArrayList<>();
        List<String> endedAfter = new ArrayList<>();
        Set<String> known = new HashSet<>();
        if (snapshot != null) {
            for (TrialSnapshot t : snapshot.trials()) {
                known.add(t.trialId());
                TrialSnapshot r = newest.get(t.trialId());
                if (r == null) {
                    TrialSnapshot old = oldEnd.get(t.trialId());
                    r = old != null && !t.status().isFinished() ? applyOldEnding(t, old) : t;
                }
                if (r.status().isFinished() && !t.status().isFinished()) endedAfter.add(t.trialId());
                trials.add(r);
            }
        }
        Set<String> later = new java.util.TreeSet<>(CREATION_ORDER);
        for (String id : newest.keySet()) if (!known.contains(id)) later.add(id);
        for (String id : oldEnd.keySet()) if (!known.contains(id)) later.add(id);
        for (String id : withConfig) if (!known.contains(id)) later.add(id);
        String metric = snapshot == null ? null : snapshot.metric();
        Mode mode = snapshot == null || snapshot.mode() == null ? Mode.MAX : snapshot.mode();
        for (String id : later) {
            TrialSnapshot r = newest.get(id);
            if (r == null) r = oldEnd.get(id);
            if (r == null) r = fromFiles(id, files, metric, mode);
            if (r.status().isFinished()) endedAfter.add(id);
            trials.add(r);
        }
        if (snapshot == null && trials.isEmpty()) {
            throw new IllegalArgumentException("no snapshot, no journal entry and no trial is recorded");
        }
        ExperimentSnapshot s = snapshot == null
                ? new ExperimentSnapshot(ExperimentSnapshot.VERSION, name, null, null, 0, 0, false, 0, null, Map.of(),
                        null, null, maxSeq, trials)
                : snapshot.withTrials(trials, maxSeq);
        return new ExperimentRecord(s, snapshot != null, new ArrayList<>(later), endedAfter);
    }

    /** An ending journalled before sequence numbers (trial id, status, config, results, checkpoint, error) over the snapshot's state. */
    private static TrialSnapshot applyOldEnding(TrialSnapshot t, TrialSnapshot end) {
        return new TrialSnapshot(t.trialId(), end.status(), end.config().isEmpty() ? t.config() : end.config(), t.attempts(),
                t.failures(), end.lastResult(), end.bestResult(), end.checkpoint() != null ? end.checkpoint() : t.checkpoint(),
                t.checkpointResult(), end.error() != null ? end.error() : t.error());
    }

    /** A trial known only from its files: it did not end as far as anything recorded says. */
    private static TrialSnapshot fromFiles(String id, TrialFiles files, String metric, Mode mode) {
        List<ResultRow> rows = files.rows(id);
        Map<String, Object> config = files.config(id);
        ResultRow last = rows.isEmpty() ? null : rows.getLast();
        ResultRow best = best(rows, metric, mode);
        ResultRow ck = null;
        for (ResultRow r : rows) if (r.checkpoint() != null) ck = r;
        return new TrialSnapshot(id, rows.isEmpty() ? TrialStatus.PENDING : TrialStatus.RUNNING, config, 1, 0,
                last == null ? Map.of() : last.resultMap(), best == null ? Map.of() : best.resultMap(),
                ck == null ? null : ck.checkpoint(), ck == null ? Map.of() : ck.resultMap(), files.lastError(id));
    }

    /** The row with the best {@code metric} by {@code mode} (the first of equals), or null. */
    public static ResultRow best(List<ResultRow> rows, String metric, Mode mode) {
        if (metric == null) return null;
        ResultRow best = null;
        double bestV = Double.NaN;
        for (ResultRow r : rows) {
            double v = value(r, metric);
            if (Double.isNaN(v)) continue;
            if (best == null || mode.better(v, bestV)) {
                best = r;
                bestV = v;
            }
        }
        return best;
    }

    private static double value(ResultRow r, String metric) {
        Object v = switch (metric) {
            case Result.TRAINING_ITERATION -> r.iteration();
            case Result.TIME_TOTAL_S -> r.timeTotalS();
            default -> r.metrics().get(metric);
        };
        return v instanceof Number n ? n.doubleValue() : Double.NaN;
    }
}
