package dev.gale.tune.internal;

import dev.gale.tune.Result;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one check of what a trial reports and of configs: values must be finite numbers, strings,
 * booleans, or lists and maps of those (JSON can carry them), nested at most 32 levels; the
 * experiment's metric must be present.
 */
public final class MetricValidator {
    private static final int MAX_DEPTH = 32;

    private MetricValidator() {
    }

    /**
     * Why result {@code iteration} with {@code metrics} cannot be recorded, or null when it can.
     *
     * @param metric the experiment's metric (null: none required)
     */
    public static String problem(String metric, Map<String, ?> metrics, long iteration) {
        if (metric != null && !Result.TRAINING_ITERATION.equals(metric) && !Result.TIME_TOTAL_S.equals(metric)
                && !metrics.containsKey(metric)) {
            return "metric '" + metric + "' is missing from result " + iteration + ", which has " + metrics.keySet()
                    + ": report it from the trainable, or set TuneConfig.metric to one of those";
        }
        for (Map.Entry<String, ?> e : metrics.entrySet()) {
            String p = valueProblem(e.getKey(), e.getValue(), iteration, 0);
            if (p != null) return p;
        }
        return null;
    }

    /** Throws {@link IllegalArgumentException} with the problem of {@code metrics}, if any. */
    public static void check(Map<String, ?> metrics) {
        for (Map.Entry<String, ?> e : metrics.entrySet()) {
            String p = valueProblem(e.getKey(), e.getValue(), -1, 0);
            if (p != null) throw new IllegalArgumentException(p);
        }
    }

    private static String valueProblem(String name, Object v, long iteration, int depth) {
        if (v == null || v instanceof String || v instanceof Boolean || v instanceof Integer || v instanceof Long) return null;
        String where = iteration >= 0 ? " in result " + iteration : "";
        if (v instanceof Double d && !Double.isFinite(d) || v instanceof Float f && !Float.isFinite(f)) {
            return "metric '" + name + "' = " + v + where
                    + ": results must be finite numbers (diverged training? lower the learning rate or guard the value)";
        }
        if (v instanceof Number) return null;
        if (v instanceof Map || v instanceof List) {
            if (depth >= MAX_DEPTH) {
                return "metric '" + name + "' is nested more than 32 levels deep" + where
                        + " (a map or list that contains itself?): report plain values";
            }
            if (v instanceof Map<?, ?> sub) {
                for (Map.Entry<?, ?> e : sub.entrySet()) {
                    String p = valueProblem(name + "." + e.getKey(), e.getValue(), iteration, depth + 1);
                    if (p != null) return p;
                }
            } else {
                List<?> list = (List<?>) v;
                for (int i = 0; i < list.size(); i++) {
                    String p = valueProblem(name + "[" + i + "]", list.get(i), iteration, depth + 1);
                    if (p != null) return p;
                }
            }
            return null;
        }
        return "metric '" + name + "' has type " + v.getClass().getName() + where
                + ": report numbers, strings, booleans, lists or maps (convert tensors with getFloat())";
    }

    /** {@code config} with every value JSON cannot carry replaced by a description of it. */
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
}
