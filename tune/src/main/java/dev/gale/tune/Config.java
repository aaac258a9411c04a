package dev.gale.tune;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A trial's sampled configuration: a nested map of plain values (numbers, strings, booleans,
 * lists, nested maps), read with typed getters. Paths use dots for nesting: {@code "model.hidden"}.
 *
 * <p>Promises: immutable; a getter for a missing path or a value of the wrong type throws an
 * {@link IllegalArgumentException} naming the path and what it found.
 */
public final class Config {
    private final Map<String, Object> values;

    /** Wraps {@code values} (copied, order kept). */
    public Config(Map<String, ?> values) {
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    /** The configuration as a nested, unmodifiable map. */
    public Map<String, Object> asMap() {
        return values;
    }

    /** True when {@code path} names a value. */
    public boolean has(String path) {
        return lookup(path) != MISSING;
    }

    /** The raw value at {@code path}. */
    public Object get(String path) {
        Object v = lookup(path);
        if (v == MISSING) {
            throw new IllegalArgumentException("config has no '" + path + "'; it has " + values.keySet());
        }
        return v;
    }

    public double getDouble(String path) {
        return number(path).doubleValue();
    }

    public double getDouble(String path, double dflt) {
        return has(path) ? getDouble(path) : dflt;
    }

    /** The value as an int; a double with no fraction is accepted. */
    public int getInt(String path) {
        Number n = number(path);
        double d = n.doubleValue();
        if (d != Math.rint(d) || Math.abs(d) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("config '" + path + "' = " + n + ": expected an integer");
        }
        return (int) d;
    }

    public int getInt(String path, int dflt) {
        return has(path) ? getInt(path) : dflt;
    }

    public long getLong(String path) {
        Number n = number(path);
        double d = n.doubleValue();
        if (n instanceof Long l) return l;
        if (d != Math.rint(d)) throw new IllegalArgumentException("config '" + path + "' = " + n + ": expected an integer");
        return (long) d;
    }

    public String getString(String path) {
        return String.valueOf(get(path));
    }

    public String getString(String path, String dflt) {
        return has(path) ? getString(path) : dflt;
    }

    public boolean getBoolean(String path) {
        Object v = get(path);
        if (v instanceof Boolean b) return b;
        throw new IllegalArgumentException("config '" + path + "' = " + v + ": expected true or false");
    }

    @SuppressWarnings("unchecked")
    public List<Object> getList(String path) {
        Object v = get(path);
        if (v instanceof List<?> l) return (List<Object>) l;
        throw new IllegalArgumentException("config '" + path + "' = " + v + ": expected a list");
    }

    private Number number(String path) {
        Object v = get(path);
        if (v instanceof Number n) return n;
        throw new IllegalArgumentException("config '" + path + "' = " + v + ": expected a number");
    }

    private static final Object MISSING = new Object();

    private Object lookup(String path) {
        Object direct = values.get(path);
        if (direct != null || values.containsKey(path)) return direct;
        Object cur = values;
        for (String part : path.split("\\.")) {
            if (!(cur instanceof Map<?, ?> m) || !m.containsKey(part)) return MISSING;
            cur = m.get(part);
        }
        return cur;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Config c && c.values.equals(values);
    }

    @Override
    public int hashCode() {
        return values.hashCode();
    }

    @Override
    public String toString() {
        return values.toString();
    }
}
