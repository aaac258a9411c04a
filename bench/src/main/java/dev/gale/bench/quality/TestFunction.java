package dev.gale.bench.quality;

import dev.gale.tune.search.SearchSpace;

import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * A benchmark objective to be minimized: its search space, its known minimum value and one known
 * minimizer. Immutable; {@link #evaluate} is a pure function, safe to call from several threads.
 *
 * @param name      short name for tables and {@code --functions} ({@code branin}, ...)
 * @param space     the search space (flat: every key a parameter)
 * @param optimum   the known global minimum value f*
 * @param minimizer one configuration at which {@code f = f*} (up to the precision of f*)
 * @param fn        the objective on a configuration as a searcher suggests it
 */
public record TestFunction(String name, SearchSpace space, double optimum, Map<String, Object> minimizer,
                           ToDoubleFunction<Map<String, Object>> fn) {

    public TestFunction {
        if (name == null || name.isBlank()) throw new IllegalArgumentException("name is blank");
        if (space == null || fn == null || minimizer == null) throw new IllegalArgumentException(name + ": null space, fn or minimizer");
        if (!Double.isFinite(optimum)) throw new IllegalArgumentException(name + ": optimum must be finite");
        minimizer = Map.copyOf(minimizer);
    }

    /** f(config): the objective at a configuration (missing or non-numeric values throw). */
    public double evaluate(Map<String, Object> config) {
        return fn.applyAsDouble(config);
    }

    /** Simple regret of a value: {@code value - optimum}. */
    public double regret(double value) {
        return value - optimum;
    }

    /** The numeric value of parameter {@code key} in {@code config}. */
    static double num(Map<String, Object> config, String key) {
        Object v = config.get(key);
        if (v instanceof Number n) return n.doubleValue();
        throw new IllegalArgumentException("parameter " + key + " = " + v + " is not a number");
    }
}
