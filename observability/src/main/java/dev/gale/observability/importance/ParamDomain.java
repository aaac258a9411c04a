package dev.gale.observability.importance;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The domain of one parameter as importance analysis sees it: a numeric range (linear or log,
 * continuous or in steps) or a set of categories.
 *
 * <p>{@link #infer} builds the domains from the values trials took, for experiment directories
 * that do not record their search space.
 */
public sealed interface ParamDomain {

    /**
     * A numeric range.
     *
     * @param low  the lowest value (inclusive)
     * @param high the highest value (inclusive, {@code >= low})
     * @param log  true for a log scale (then {@code low > 0})
     * @param step the step between values (integers: 1), or 0 for a continuous range
     */
    record Numeric(double low, double high, boolean log, double step) implements ParamDomain {
        public Numeric {
            if (!Double.isFinite(low) || !Double.isFinite(high) || high < low) {
                throw new IllegalArgumentException("numeric domain [" + low + ", " + high + "]: low and high must be finite with low <= high");
            }
            if (log && low <= 0) throw new IllegalArgumentException("log domain [" + low + ", " + high + "]: low must be > 0");
            if (!(step >= 0)) throw new IllegalArgumentException("step = " + step + ": must be >= 0 (0 = continuous)");
        }

        @Override
        public boolean single() {
            return low == high;
        }
    }

    /**
     * A set of categories (strings, booleans or any values compared with {@code equals}).
     *
     * @param choices the categories, without repeats
     */
    record Categorical(List<Object> choices) implements ParamDomain {
        public Categorical {
            if (choices == null || choices.isEmpty()) throw new IllegalArgumentException("choices is empty: give at least one category");
            choices = List.copyOf(new LinkedHashSet<>(choices));
        }

        @Override
        public boolean single() {
            return choices.size() == 1;
        }
    }

    /** True when the domain holds one value only (such a parameter has importance 0). */
    boolean single();

    /**
     * The domains of the parameters every config holds, inferred from their values: a parameter
     * whose values are all numbers is {@link Numeric} over [min, max] of what was seen, in steps of
     * 1 when all are integers, on a log scale when all are positive, span at least a factor 10, and
     * their median is nearer the geometric than the arithmetic middle of the range (as values
     * sampled log-uniformly are); any other parameter is {@link Categorical} over the values seen.
     * Parameters missing from some config are left out.
     */
    static Map<String, ParamDomain> infer(List<Map<String, Object>> configs) {
        Map<String, ParamDomain> out = new LinkedHashMap<>();
        if (configs.isEmpty()) return out;
        Set<String> names = new LinkedHashSet<>(configs.get(0).keySet());
        for (Map<String, Object> c : configs) names.retainAll(c.keySet());
        for (String name : names) {
            boolean numeric = true;
            boolean integral = true;
            for (Map<String, Object> c : configs) {
                Object v = c.get(name);
                if (!(v instanceof Number n) || !Double.isFinite(n.doubleValue())) {
                    numeric = false;
                    break;
                }
                if (!(v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte)) integral = false;
            }
            if (numeric) {
                double[] v = new double[configs.size()];
                for (int i = 0; i < v.length; i++) v[i] = ((Number) configs.get(i).get(name)).doubleValue();
                Arrays.sort(v);
                double lo = v[0];
                double hi = v[v.length - 1];
                double median = v[v.length / 2];
                boolean log = false;
                if (lo > 0 && hi >= 10 * lo) {
                    double geometric = Math.sqrt(lo * hi);
                    double arithmetic = (lo + hi) / 2;
                    log = median < Math.sqrt(geometric * arithmetic);
                }
                out.put(name, new Numeric(lo, hi, log, integral && !log ? 1 : 0));
            } else {
                List<Object> choices = new ArrayList<>();
                Set<Object> seen = new LinkedHashSet<>();
                for (Map<String, Object> c : configs) seen.add(key(c.get(name)));
                choices.addAll(seen);
                out.put(name, new Categorical(choices));
            }
        }
        return out;
    }

    /** How a categorical value is compared: numbers by value, everything else by its text. */
    static Object key(Object v) {
        if (v instanceof Boolean || v instanceof String) return v;
        if (v instanceof Number n) return n.doubleValue();
        return String.valueOf(v);
    }
}
