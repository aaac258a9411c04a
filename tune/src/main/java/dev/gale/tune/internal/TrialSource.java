package dev.gale.tune.internal;

import dev.gale.tune.TrialStatus;
import dev.gale.tune.search.Searcher;
import dev.gale.tune.search.Suggestion;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which trial runs next: PENDING trials that wait for a lease (retries first, then resumed, restored
 * and early-created ones, in order), else a new trial from the searcher, asked as late as possible
 * (when a lease is there to run it) so that a model-based searcher has seen every result so far.
 * Also holds the trials the scheduler paused. Confined to the controller.
 */
final class TrialSource {
    private final Searcher searcher;
    private final long planned;
    private final TrialLifecycle lifecycle;
    private final ArrayDeque<TrialRecord> ready = new ArrayDeque<>();
    /** Trials paused by the scheduler, in pause order, until its {@code planPaused} resumes or ends them. */
    final LinkedHashMap<String, TrialRecord> paused = new LinkedHashMap<>();
    private long created;
    private boolean finished;
    private boolean waiting;
    private String failure;

    /**
     * @param planned how many trials the searcher will make at most ({@code plannedTrials})
     * @param created trials created by earlier runs of the experiment (a restore)
     */
    TrialSource(Searcher searcher, long planned, TrialLifecycle lifecycle, long created) {
        this.searcher = searcher;
        this.planned = planned;
        this.lifecycle = lifecycle;
        this.created = created;
    }

    /** Queues a PENDING trial to run before new ones (a retry goes {@code first}). */
    void enqueue(TrialRecord t, boolean first) {
        if (first) ready.addFirst(t);
        else ready.addLast(t);
    }

    /** The next trial to run, or null when none can start now (see {@link #waiting()}, {@link #exhausted()}). */
    TrialRecord next() {
        TrialRecord t = ready.poll();
        return t != null ? t : newTrial();
    }

    /** True while the searcher answered {@code Wait}: ask again when something changed. */
    boolean waiting() {
        return waiting;
    }

    /** True once the searcher will make no more trials. */
    boolean exhausted() {
        return finished || created >= planned || failure != null;
    }

    /** Why the searcher cannot go on (it threw), or null. */
    String failure() {
        return failure;
    }

    /** Trials that could start now if leases were there (capped to an int). */
    int startable() {
        long n = ready.size();
        if (!waiting && !exhausted()) n += planned - created;
        return (int) Math.min(Integer.MAX_VALUE, n);
    }

    /** True when nothing waits to run: no queued trial, no paused trial, and the searcher makes no more. */
    boolean drained() {
        return ready.isEmpty() && (exhausted() || waiting);
    }

    /** Every queued trial (to stop or interrupt them). */
    List<TrialRecord> queued() {
        return new ArrayList<>(ready);
    }

    /** Forgets the queued trials (the experiment stops). */
    void clearQueued() {
        ready.clear();
    }

    /**
     * A new PENDING trial from the searcher, or null when it waits, has finished, or threw. A trial
     * whose config JSON cannot carry, or that the scheduler rejects, ends in ERROR at once and the
     * searcher is asked again.
     */
    TrialRecord newTrial() {
        while (!exhausted()) {
            String id = trialId(created + 1);
            Suggestion sug;
            try {
                sug = searcher.suggest(id);
            } catch (RuntimeException e) {
                failure = "searcher " + searcher.name() + " failed: " + e;
                return null;
            }
            switch (sug) {
                case Suggestion.Wait w -> {
                    waiting = true;
                    return null;
                }
                case Suggestion.Finished f -> {
                    waiting = false;
                    finished = true;
                    return null;
                }
                case Suggestion.Config c -> {
                    waiting = false;
                    created++;
                    TrialRecord t = create(id, c.config());
                    if (t.status == TrialStatus.PENDING) return t;
                }
            }
        }
        return null;
    }

    /** Lets the next {@link #next()} ask the searcher again after it answered Wait. */
    void retryWaiting() {
        waiting = false;
    }

    private TrialRecord create(String id, Map<String, Object> config) {
        Map<String, Object> attrs = searcher.trialAttributes(id);
        try {
            return lifecycle.create(id, config, attrs);
        } catch (IllegalArgumentException e) {
            // keep a JSON-safe stand-in, so that the snapshot (and the rest of the experiment) can still be written
            TrialRecord t = lifecycle.create(id, MetricValidator.jsonSafe(config), attrs);
            if (t.status == TrialStatus.PENDING) {
                lifecycle.errored(t, "config of " + id + " cannot be serialized to JSON (" + e.getMessage()
                        + "): sample plain values (numbers, strings, booleans, lists, maps) in the search space", null);
            }
            return t;
        }
    }

    static String trialId(long n) {
        String num = Long.toString(n);
        return "trial_" + "00000".substring(Math.min(5, num.length())) + num;
    }
}
