package dev.gale.bench.quality;

import dev.gale.tune.study.StudyTrial;

import java.util.List;

/**
 * The define-by-run questions a {@link BenchObjective} asks: the subset of
 * {@link StudyTrial}'s {@code suggest*} methods (and of Optuna's {@code trial.suggest_*}) that the
 * benchmark functions use. Promise: {@link #of(StudyTrial)} forwards each call unchanged, so a
 * function evaluated through a study asks exactly what it would ask here.
 */
public interface ParamAsker {
    /** A float in [low, high] (log scale when {@code log}). */
    double suggestFloat(String name, double low, double high, boolean log);

    /** An integer in [low, high], both inclusive. */
    int suggestInt(String name, int low, int high);

    /** A multiple of {@code step} above {@code low}, in [low, high]. */
    int suggestInt(String name, int low, int high, int step);

    /** One of {@code choices}. */
    <T> T suggestCategorical(String name, List<T> choices);

    /** The asker of a study trial. */
    static ParamAsker of(StudyTrial t) {
        return new ParamAsker() {
            @Override
            public double suggestFloat(String name, double low, double high, boolean log) {
                return t.suggestFloat(name, low, high, log);
            }

            @Override
            public int suggestInt(String name, int low, int high) {
                return t.suggestInt(name, low, high);
            }

            @Override
            public int suggestInt(String name, int low, int high, int step) {
                return t.suggestInt(name, low, high, step);
            }

            @Override
            public <T> T suggestCategorical(String name, List<T> choices) {
                return t.suggestCategorical(name, choices);
            }
        };
    }
}
