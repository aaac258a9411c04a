package dev.gale.bench.quality;

import java.util.function.ToDoubleFunction;

/**
 * A define-by-run benchmark function of the side-by-side harness ({@code gale bench quality
 * --vs-optuna}): it asks its parameters from a {@link ParamAsker} (so conditional spaces can be
 * written) and returns the noise-free value to be minimized. Immutable; {@link #evaluate} is pure.
 * The same function is written in {@code vs_optuna.py} for Optuna, parameter by parameter in the
 * same order; {@code BenchObjectivesTest} checks both give the same values.
 *
 * @param name    short name for tables and {@code --functions}
 * @param dims    how many parameters a trial asks at most
 * @param kind    what it tests, for the tables (e.g. "2-D multimodal, off-centre")
 * @param optimum the known minimum f* of the noise-free function (regret = max(0, f − f*))
 * @param noiseSd the standard deviation of the Gaussian noise added to what the sampler sees (0: none);
 *                the regret is measured on the noise-free value of the trial the study reports as best
 * @param fn      the noise-free function
 */
public record BenchObjective(String name, int dims, String kind, double optimum, double noiseSd,
                             ToDoubleFunction<ParamAsker> fn) {

    public BenchObjective {
        if (name == null || name.isBlank()) throw new IllegalArgumentException("name is blank: give the function a name");
        if (dims < 1) throw new IllegalArgumentException(name + ": dims = " + dims + ", must be >= 1");
        if (!Double.isFinite(optimum)) throw new IllegalArgumentException(name + ": optimum must be finite");
        if (!(noiseSd >= 0)) throw new IllegalArgumentException(name + ": noiseSd = " + noiseSd + ", must be >= 0");
        if (fn == null) throw new IllegalArgumentException(name + ": fn is null");
    }

    /** The noise-free value at the parameters {@code p} answers. */
    public double evaluate(ParamAsker p) {
        return fn.applyAsDouble(p);
    }

    /** Simple regret of a noise-free value: {@code max(0, value − optimum)}. */
    public double regret(double value) {
        return Math.max(0, value - optimum);
    }

    /** The value a sampler sees for trial number {@code trial} (1-based) of a run with {@code seed}. */
    public double observed(double value, long seed, long trial) {
        return noiseSd == 0 ? value : value + noiseSd * Noise.gaussian(seed, trial);
    }
}
