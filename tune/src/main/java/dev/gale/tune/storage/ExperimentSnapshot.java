package dev.gale.tune.storage;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.gale.tune.Mode;

import java.util.List;
import java.util.Map;

/**
 * The state of a whole experiment at one moment ({@code experiment_state.json}): every trial, the
 * searcher's and scheduler's saved state, and the sequence number of the last
 * {@link JournalEntry} whose effect it includes.
 *
 * <p>Promises: a reader applies to a snapshot exactly the journal entries with a sequence number
 * above {@link #journalSeq()} (the store writes both in one order, so nothing is applied twice or
 * missed). Lists and maps are never null. Field names are those written since Gale 0.1;
 * {@code aborted} is left out when null and {@code launch} when empty (as before version 2).
 *
 * @param version    format version ({@value #VERSION}; 1 = before the journal had sequence numbers)
 * @param name       the experiment's name
 * @param metric     its metric, or null
 * @param mode       its mode, or null
 * @param numSamples the number of samples it was started with
 * @param seed       the seed of its searcher
 * @param finished   true only in the final snapshot of an experiment that ran to its end (not
 *                   aborted, not interrupted)
 * @param elapsedS   seconds it had run (summed over resumed runs)
 * @param aborted    why it stopped early (a full disk, a searcher that threw, Ctrl-C), else null
 * @param launch     what its first caller recorded to launch it again (may be empty)
 * @param searcher   the searcher's name and state
 * @param scheduler  the scheduler's name and state
 * @param journalSeq the sequence number of the newest journal entry included (0: none)
 * @param trials     every trial, in creation order
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
@JsonIgnoreProperties(ignoreUnknown = true)
public record ExperimentSnapshot(@JsonProperty("version") int version,
                                 @JsonProperty("name") String name,
                                 @JsonProperty("metric") String metric,
                                 @JsonProperty("mode") Mode mode,
                                 @JsonProperty("num_samples") int numSamples,
                                 @JsonProperty("seed") long seed,
                                 @JsonProperty("finished") boolean finished,
                                 @JsonProperty("elapsed_s") double elapsedS,
                                 @JsonProperty("aborted") @JsonInclude(JsonInclude.Include.NON_NULL) String aborted,
                                 @JsonProperty("launch") @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, Object> launch,
                                 @JsonProperty("searcher") ComponentState searcher,
                                 @JsonProperty("scheduler") ComponentState scheduler,
                                 @JsonProperty("journal_seq") long journalSeq,
                                 @JsonProperty("trials") List<TrialSnapshot> trials) {
    /** The format version written now. */
    public static final int VERSION = 2;

    public ExperimentSnapshot {
        launch = launch == null ? Map.of() : launch;
        searcher = searcher == null ? new ComponentState(null, null) : searcher;
        scheduler = scheduler == null ? new ComponentState(null, null) : scheduler;
        trials = trials == null ? List.of() : List.copyOf(trials);
        if (journalSeq < 0) throw new IllegalArgumentException("journal_seq = " + journalSeq + ": must be >= 0");
    }

    /** This snapshot with other trials and journal sequence number (what a reader builds). */
    public ExperimentSnapshot withTrials(List<TrialSnapshot> newTrials, long newJournalSeq) {
        return new ExperimentSnapshot(version, name, metric, mode, numSamples, seed, finished, elapsedS, aborted, launch,
                searcher, scheduler, newJournalSeq, newTrials);
    }

    /** The trial with this id, or null. */
    public TrialSnapshot trial(String trialId) {
        for (TrialSnapshot t : trials) if (t.trialId().equals(trialId)) return t;
        return null;
    }
}
