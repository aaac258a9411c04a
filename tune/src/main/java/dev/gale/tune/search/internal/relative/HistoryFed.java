package dev.gale.tune.search.internal.relative;

import dev.gale.tune.Result;

import java.util.Map;

/**
 * A searcher that can learn from a trial it did not suggest: {@link RelativeSampling} feeds it the
 * completed define-by-run trials of its (intersection or group) space, as Optuna's GP and TPE
 * samplers fit every completed trial.
 */
public interface HistoryFed {
    /**
     * Learns from a completed trial whose values are {@code values} (one per parameter of the
     * space given to {@code setup}, keyed by its path) and whose last result is {@code last};
     * as if the searcher had suggested them and {@code onTrialComplete(trialId, last, false)}
     * followed.
     */
    void observe(String trialId, Map<String, Object> values, Result last);
}
