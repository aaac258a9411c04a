package dev.gale.tune.study;

/**
 * A define-by-run objective (Optuna's {@code objective(trial)}): asks its parameters from the
 * trial while it runs and returns the value to minimize or maximize.
 */
@FunctionalInterface
public interface Objective {
    /** Trains/evaluates with parameters from {@code trial} and returns the objective value. */
    double evaluate(StudyTrial trial) throws Exception;
}
