package dev.gale.tune.storage;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonUnwrapped;

/**
 * One line of {@code experiment_journal.jsonl}: a trial's transition and its whole state after it.
 * The trial lifecycle appends one for every status change (and every config change) before it acts
 * on it, so the journal is the fine-grained record between two snapshots.
 *
 * <p>Promises: {@code seq} increases by one per entry of an experiment (across resumed runs);
 * entries written before sequence numbers existed read with {@code seq == 0} and are applied by the
 * old rule (an ending over a snapshot that says the trial had not ended).
 *
 * @param seq        the entry's sequence number, from 1
 * @param timeMillis when it was written (epoch millis, from the experiment's clock)
 * @param event      what happened
 * @param trial      the trial's state after it (its fields are written inline, at the top level)
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
@JsonIgnoreProperties(ignoreUnknown = true)
public record JournalEntry(@JsonProperty("seq") long seq,
                           @JsonProperty("time") long timeMillis,
                           @JsonProperty("event") Event event,
                           @JsonUnwrapped TrialSnapshot trial) {

    /** What a journal entry records. */
    public enum Event {
        /** The trial was created with its first config (PENDING). */
        CREATED,
        /** An attempt started running (RUNNING). */
        STARTED,
        /** Its config changed (a define-by-run parameter, or a PBT exploit). */
        CONFIG,
        /** The scheduler paused it (PAUSED). */
        PAUSED,
        /** It waits to run again: resumed after a pause, or after an interruption (PENDING). */
        REQUEUED,
        /** An attempt failed and it will be retried (PENDING, failures + 1). */
        RETRYING,
        /** It ended normally (TERMINATED). */
        TERMINATED,
        /** It ended in error (ERROR). */
        ERROR,
        /** The driver stopped while it ran (INTERRUPTED). */
        INTERRUPTED
    }

    public JournalEntry {
        if (seq < 0) throw new IllegalArgumentException("seq = " + seq + ": must be >= 0");
        if (event == null) throw new IllegalArgumentException("journal entry without an event");
        if (trial == null) throw new IllegalArgumentException("journal entry without a trial");
    }
}
