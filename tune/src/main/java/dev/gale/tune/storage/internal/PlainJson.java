package dev.gale.tune.storage.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A deep copy of a map of plain values exactly as writing it with {@link Json} and reading it back
 * gives it (numbers as Jackson reads them: whole numbers as {@code Integer} when they fit, else
 * {@code Long}; fractions as {@code Double}; maps as {@code LinkedHashMap}, lists as
 * {@code ArrayList}), or null when a value is anything else (a record, an array, a non-finite
 * number, a big number...), for which only the JSON round trip gives the answer.
 */
public final class PlainJson {
    private static final int MAX_DEPTH = 32;

    private PlainJson() {
    }

    /** The copy, or null when the JSON round trip must decide. */
    public static Map<String, Object> copyOf(Map<?, ?> map) {
        return map(map, 0);
    }

    private static Map<String, Object> map(Map<?, ?> map, int depth) {
        if (depth > MAX_DEPTH) return null;
        Map<String, Object> out = new LinkedHashMap<>(Math.max(4, map.size() * 2));
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (!(e.getKey() instanceof String k)) return null;
            Object v = value(e.getValue(), depth);
            if (v == NOT_PLAIN) return null;
            out.put(k, v);
        }
        return out;
    }

    private static final Object NOT_PLAIN = new Object();

    private static Object value(Object v, int depth) {
        return switch (v) {
            case null -> null;
            case String s -> s;
            case Boolean b -> b;
            case Double d -> {
                if (!Double.isFinite(d)) yield NOT_PLAIN;
                yield d;
            }
            case Float f -> {
                if (!Float.isFinite(f)) yield NOT_PLAIN;
                yield Double.valueOf(f.toString());
            }
            case Integer i -> i;
            case Long l -> {
                // not a ?: expression: Integer and Long operands would both become long
                if (l >= Integer.MIN_VALUE && l <= Integer.MAX_VALUE) yield Integer.valueOf((int) (long) l);
                yield l;
            }
            case Short s -> Integer.valueOf(s);
            case Byte b -> Integer.valueOf(b);
            case Map<?, ?> m -> {
                Map<String, Object> c = map(m, depth + 1);
                yield c == null ? NOT_PLAIN : c;
            }
            case List<?> l -> {
                if (depth > MAX_DEPTH) yield NOT_PLAIN;
                List<Object> c = new ArrayList<>(l.size());
                for (Object o : l) {
                    Object x = value(o, depth + 1);
                    if (x == NOT_PLAIN) yield NOT_PLAIN;
                    c.add(x);
                }
                yield c;
            }
            default -> NOT_PLAIN;
        };
    }
}
