package dev.gale.observability.internal;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Flattens the nested maps of configs and results into one level: {@code {"opt": {"lr": 0.1}}}
 * becomes {@code {"opt.lr": 0.1}} (with separator {@code "."}, the path Gale's search spaces use).
 */
public final class Flat {
    private Flat() {
    }

    /** {@code m} with nested maps flattened into keys joined by {@code sep}, in iteration order. */
    public static Map<String, Object> flatten(Map<String, ?> m, String sep) {
        Map<String, Object> out = new LinkedHashMap<>();
        put(out, "", m, sep);
        return out;
    }

    private static void put(Map<String, Object> out, String prefix, Map<?, ?> m, String sep) {
        for (Map.Entry<?, ?> e : m.entrySet()) {
            String k = prefix.isEmpty() ? String.valueOf(e.getKey()) : prefix + sep + e.getKey();
            if (e.getValue() instanceof Map<?, ?> inner) {
                put(out, k, inner, sep);
            } else {
                out.put(k, e.getValue());
            }
        }
    }

    /** The value as a finite double when it is a number (NaN otherwise; booleans are not numbers here). */
    public static double number(Object v) {
        return v instanceof Number n ? n.doubleValue() : Double.NaN;
    }
}
