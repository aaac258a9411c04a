package dev.gale.observability.experiment;

import dev.gale.tune.Mode;

import java.nio.file.Path;
import java.util.List;

/**
 * One experiment as the dashboard and the plots see it at one moment: an immutable copy.
 *
 * @param id        its key in the dashboard (its name, made unique)
 * @param name      its name
 * @param dir       its directory
 * @param status    where it stands
 * @param metric    its metric (null when it has none)
 * @param mode      its mode (null when it has none)
 * @param searcher  its searcher's name ("" when unknown)
 * @param scheduler its scheduler's name ("" when unknown)
 * @param note      why it stopped early, or what reading it found (may be empty)
 * @param version   increases whenever something in it changes
 * @param params    the parameters of its trials (flat names), in the order first seen
 * @param metrics   the numeric metrics of its trials' results, in the order first seen
 * @param trials    its trials, in creation order
 */
public record ExperimentView(String id, String name, Path dir, ExperimentStatus status, String metric, Mode mode,
                             String searcher, String scheduler, String note, long version, List<String> params,
                             List<String> metrics, List<TrialView> trials) {
    public ExperimentView {
        if (id == null || id.isBlank()) throw new IllegalArgumentException("experiment id is blank");
        if (status == null) throw new IllegalArgumentException("experiment " + id + ": status is null");
        searcher = searcher == null ? "" : searcher;
        scheduler = scheduler == null ? "" : scheduler;
        note = note == null ? "" : note;
        params = List.copyOf(params);
        metrics = List.copyOf(metrics);
        trials = List.copyOf(trials);
    }

    /** The trial with this id, or null. */
    public TrialView trial(String trialId) {
        for (TrialView t : trials) if (t.id().equals(trialId)) return t;
        return null;
    }
}
