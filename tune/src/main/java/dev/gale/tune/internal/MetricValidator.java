package dev.gale.tune.internal;

import dev.gale.tune.Result;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one check of what a trial reports, and of configs that must be written as JSON.
 *
 * <p>A result may hold {@code null}, numbers, strings, booleans, and lists and maps of those, nested
 * at most {@value #MAX_DEPTH} levels; floating-point numbers must be finite; the experiment's metric
 * must be present. Values of other types (a tensor, a user object) cannot travel as JSON (to a
 * child JVM's node, to a remote controller, into {@code result.jsonl}); non-finite numbers can
 * travel but break every scheduler and searcher.
 *
 * <p>Promises: the messages name the metric (with its path inside nested maps and lists, e.g.
 * {@code nested.inner} or {@code losses[3]}), the result's iteration where one is given, and the
 * fix; checks report the first problem in the map's iteration order. On the happy path nothing is
 * allocated besides the maps' own iterators; paths and messages are built only for a problem.
 * The methods are pure and thread-safe.
 */
public final class MetricValidator {
    /** How deep lists and maps may nest in a result (deeper usually means a map that contains itself). */
    public static final int MAX_DEPTH = 32;

    private MetricValidator() {
    }

    /**
     * Why result {@code iteration} cannot be recorded, or null when it can: {@code metric} (the
     * experiment's metric, or null for none) is missing, a number is NaN or infinite, or a value is of
     * a type JSON cannot carry or nested too deep. The messages are those the trial's error shows.
     */
    public static String problem(String metric, Map<String, ?> metrics, long iteration) {
        if (metric != null && !Result.TRAINING_ITERATION.equals(metric) && !Result.TIME_TOTAL_S.equals(metric)
                && !metrics.containsKey(metric)) {
            return "metric '" + metric + "' is missing from result " + iteration + ", which has " + metrics.keySet()
                    + ": report it from the trainable, or set TuneConfig.metric to one of those";
        }
        return scan(metrics, true, iteration);
    }

    /**
     * Why a value of result {@code iteration} cannot travel as JSON (its type, or nesting deeper than
     * {@value #MAX_DEPTH}), or null when all can; NaN and infinities pass (they travel, and
     * {@link #problem} rejects them where the result is recorded). The message is the one
     * {@link #problem} gives for the same value.
     */
    public static String transportProblem(Map<String, ?> metrics, long iteration) {
        return scan(metrics, false, iteration);
    }

    /**
     * Checks values that are not tied to a result (no iteration, no expected metric): every value of
     * {@code metrics} is finite, of a type JSON can carry and not nested too deep.
     *
     * @throws IllegalArgumentException with {@link #problem}'s message, less the result number
     */
    public static void check(Map<String, ?> metrics) {
        if (metrics == null) throw new IllegalArgumentException("metrics are null: pass a map, e.g. Map.of(\"loss\", 0.1)");
        String p = scan(metrics, true, -1);
        if (p != null) throw new IllegalArgumentException(p);
    }

    /**
     * {@code config} with every value JSON cannot carry replaced by a description of it: a non-finite
     * number by its text ({@code "NaN"}), a number of a class outside {@code java.*} by its
     * {@code toString()}, another object by {@code <not serializable: its class>}, and lists and maps
     * nested deeper than {@value #MAX_DEPTH} likewise. Map keys become strings; order is kept. Used to
     * record a config that cannot be written as it is.
     */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> jsonSafe(Map<String, ?> config) {
        return (Map<String, Object>) jsonSafeValue(config, 0);
    }

    private static Object jsonSafeValue(Object v, int depth) {
        if (v == null || v instanceof String || v instanceof Boolean) return v;
        if (v instanceof Number n) {
            if (v instanceof Double d && !Double.isFinite(d) || v instanceof Float f && !Float.isFinite(f)) return v.toString();
            return n.getClass().getName().startsWith("java.") ? n : n.toString();
        }
        if (depth < MAX_DEPTH && v instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : m.entrySet()) out.put(String.valueOf(e.getKey()), jsonSafeValue(e.getValue(), depth + 1));
            return out;
        }
        if (depth < MAX_DEPTH && v instanceof List<?> l) {
            List<Object> out = new ArrayList<>(l.size());
            for (Object o : l) out.add(jsonSafeValue(o, depth + 1));
            return out;
        }
        return "<not serializable: " + v.getClass().getName() + ">";
    }

    // ------------------------------------------------------------------ the scan

    private enum Kind { NOT_FINITE, TYPE, TOO_DEEP }

    /** A bad value found inside a metric; its path is built while the recursion unwinds. */
    private static final class Bad {
        final Kind kind;
        final Object value;
        final StringBuilder path = new StringBuilder();

        Bad(Kind kind, Object value) {
            this.kind = kind;
            this.value = value;
        }

        Bad under(String segment) {
            path.insert(0, segment);
            return this;
        }
    }

    private static String scan(Map<String, ?> metrics, boolean finite, long iteration) {
        for (Map.Entry<String, ?> e : metrics.entrySet()) {
            Bad b = find(e.getValue(), 0, finite);
            if (b != null) return message(e.getKey() + b.path, b, iteration);
        }
        return null;
    }

    /** The first bad value in {@code v} (at nesting {@code depth}), or null. */
    private static Bad find(Object v, int depth, boolean finite) {
        if (v == null || v instanceof String || v instanceof Boolean) return null;
        if (v instanceof Double d) return finite && !Double.isFinite(d) ? new Bad(Kind.NOT_FINITE, v) : null;
        if (v instanceof Float f) return finite && !Float.isFinite(f) ? new Bad(Kind.NOT_FINITE, v) : null;
        if (v instanceof Number) return null;
        if (v instanceof Map<?, ?> m) {
            if (depth >= MAX_DEPTH) return new Bad(Kind.TOO_DEEP, v);
            for (Map.Entry<?, ?> e : m.entrySet()) {
                Bad b = find(e.getValue(), depth + 1, finite);
                if (b != null) return b.under("." + e.getKey());
            }
            return null;
        }
        if (v instanceof List<?> l) {
            if (depth >= MAX_DEPTH) return new Bad(Kind.TOO_DEEP, v);
            int i = 0;
            for (Object o : l) {
                Bad b = find(o, depth + 1, finite);
                if (b != null) return b.under("[" + i + "]");
                i++;
            }
            return null;
        }
        return new Bad(Kind.TYPE, v);
    }

    private static String message(String name, Bad b, long iteration) {
        String where = iteration < 0 ? "" : " in result " + iteration;
        return switch (b.kind) {
            case NOT_FINITE -> "metric '" + name + "' = " + b.value + where
                    + ": results must be finite numbers (diverged training? lower the learning rate or guard the value)";
            case TYPE -> "metric '" + name + "' has type " + b.value.getClass().getName() + where
                    + ": report numbers, strings, booleans, lists or maps (convert tensors with getFloat())";
            case TOO_DEEP -> "metric '" + name + "' is nested more than " + MAX_DEPTH + " levels deep" + where
                    + " (a map or list that contains itself?): report plain values";
        };
    }
}
