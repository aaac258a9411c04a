package dev.gale.tune.study;

import java.util.List;
import java.util.Map;

/**
 * One trial of a {@link Study}, as Optuna's {@code Trial}: parameters are asked while the
 * objective runs ({@code suggest*}); intermediate values go to the study's pruner
 * ({@link #report}), which may end the trial ({@link #shouldPrune()}).
 *
 * <p>Promises: asking the same name again returns the first answer (also after a retry from a
 * checkpoint); a name asked with two different domains is an {@link IllegalArgumentException}.
 * Integer bounds are inclusive, as in Optuna.
 */
public interface StudyTrial {
    /** The trial id. */
    String id();

    /** A float in {@code [low, high)}. */
    double suggestFloat(String name, double low, double high);

    /** A float in {@code [low, high)}, log-uniform when {@code log}. */
    double suggestFloat(String name, double low, double high, boolean log);

    /** A float in {@code [low, high]} on the grid {@code low + k·step}. */
    double suggestFloat(String name, double low, double high, double step);

    /** An int in {@code [low, high]} (inclusive). */
    int suggestInt(String name, int low, int high);

    /** An int in {@code [low, high]} on the grid {@code low + k·step}. */
    int suggestInt(String name, int low, int high, int step);

    /** One of {@code choices}. */
    <T> T suggestCategorical(String name, List<T> choices);

    /** Reports an intermediate value at {@code step}; the pruner answers before this returns. */
    void report(long step, double value);

    /** True when the pruner decided to stop this trial (Optuna: then raise TrialPruned). */
    boolean shouldPrune();

    /** Ends the trial as pruned: throws the exception the runtime treats as a normal stop. */
    void prune();

    /** The parameters asked so far. */
    Map<String, Object> params();
}
