package dev.gale.tune.internal;

import dev.gale.cluster.Lease;
import dev.gale.tune.Result;
import dev.gale.tune.TrialStatus;
import org.apache.pekko.actor.typed.ActorRef;

import java.util.Map;

/** The controller's mutable view of one trial. Confined to the controller actor. */
final class TrialRecord {
    final String id;
    /** The current configuration (population-based training may replace it). */
    Map<String, Object> config;
    /** A pending exploit: applied when the trial's current run has ended. */
    dev.gale.tune.schedulers.Decision.Exploit exploit;
    TrialStatus status = TrialStatus.PENDING;
    int attempt;
    int failures;
    /** Runs started (attempts and resumes after a pause); names the current run's work. */
    int runs;
    String workId;
    Lease lease;
    ActorRef<Object> inbox;
    Result last;
    Result best;
    /** The searcher's attributes of this trial, as written with its last result row (Searcher.trialAttributes). */
    Map<String, Object> attributes = Map.of();
    /** Result carrying the last checkpoint, and its directory name. */
    Result checkpointResult;
    String checkpoint;
    boolean stopRequested;
    boolean pauseRequested;
    /** A validation error that ends the trial in ERROR once its thread has stopped. */
    String failOnEnd;
    String error;

    TrialRecord(String id, Map<String, Object> config) {
        this.id = id;
        this.config = config;
    }

    void moveTo(TrialStatus next) {
        if (!status.canMoveTo(next)) {
            throw new IllegalStateException("trial " + id + ": illegal transition " + status + " -> " + next);
        }
        status = next;
    }
}
