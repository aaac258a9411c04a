package dev.gale.tune.search;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Helpers on plain values (numbers, strings, booleans, lists, maps) and on quantization. Not API. */
final class Values {
    private Values() {
    }

    /** The choices of a categorical domain (choice, grid_search), or null for any other domain. */
    static List<Object> choices(Domain d) {
        return switch (d) {
            case Domain.Choice c -> c.values();
            case Domain.GridSearch g -> g.values();
            case Domain.Uniform u -> null;
            case Domain.LogUniform l -> null;
            case Domain.QUniform q -> null;
            case Domain.QLogUniform q -> null;
            case Domain.RandInt r -> null;
            case Domain.QRandInt r -> null;
            case Domain.SampleFrom f -> null;
        };
    }

    /**
     * Checks that {@code v} is a plain value (non-null number that is finite, string, boolean,
     * list or map of plain values with string keys) and returns an unmodifiable deep copy.
     */
    static Object freeze(String path, Object v) {
        if (v == null) {
            throw new SearchSpaceException(path, "null value: give a constant, a Domain (see Domains) or a nested map");
        }
        if (v instanceof Domain) {
            throw new SearchSpaceException(path, "a Domain inside a list or inside choice/grid_search values is not supported:"
                    + " use a nested map of domains instead");
        }
        if (v instanceof Double d && !Double.isFinite(d) || v instanceof Float f && !Float.isFinite(f)) {
            throw new SearchSpaceException(path, "value " + v + " is not a finite number: JSON cannot carry it; use a finite number or a string");
        }
        if (v instanceof Number || v instanceof String || v instanceof Boolean) {
            return v;
        }
        if (v instanceof Character c) {
            return String.valueOf(c);
        }
        if (v instanceof Enum<?> e) {
            return e.name();
        }
        if (v instanceof List<?> list) {
            List<Object> out = new ArrayList<>(list.size());
            for (int i = 0; i < list.size(); i++) {
                out.add(freeze(path + "[" + i + "]", list.get(i)));
            }
            return Collections.unmodifiableList(out);
        }
        if (v instanceof Map<?, ?> map) {
            Map<String, Object> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : map.entrySet()) {
                if (!(e.getKey() instanceof String k)) {
                    throw new SearchSpaceException(path, "map key " + e.getKey() + " is not a string: use string keys");
                }
                out.put(k, freeze(path + "." + k, e.getValue()));
            }
            return Collections.unmodifiableMap(out);
        }
        throw new SearchSpaceException(path, "a value of type " + v.getClass().getName()
                + " is not a plain value: use a number, string, boolean, list or map (or a Domain)");
    }

    /** Equality of plain values where numbers compare by value (1 equals 1L equals 1.0). */
    static boolean plainEquals(Object a, Object b) {
        if (a == b) return true;
        if (a == null || b == null) return false;
        if (a instanceof Number x && b instanceof Number y) {
            if (isIntegral(x) && isIntegral(y)) {
                return toBigInteger(x).equals(toBigInteger(y));
            }
            return x.doubleValue() == y.doubleValue();
        }
        if (a instanceof List<?> x && b instanceof List<?> y) {
            if (x.size() != y.size()) return false;
            for (int i = 0; i < x.size(); i++) {
                if (!plainEquals(x.get(i), y.get(i))) return false;
            }
            return true;
        }
        if (a instanceof Map<?, ?> x && b instanceof Map<?, ?> y) {
            if (x.size() != y.size()) return false;
            for (Map.Entry<?, ?> e : x.entrySet()) {
                if (!y.containsKey(e.getKey()) || !plainEquals(e.getValue(), y.get(e.getKey()))) return false;
            }
            return true;
        }
        return a.equals(b);
    }

    static boolean isIntegral(Number n) {
        return n instanceof Integer || n instanceof Long || n instanceof Short || n instanceof Byte || n instanceof BigInteger;
    }

    private static BigInteger toBigInteger(Number n) {
        return n instanceof BigInteger b ? b : BigInteger.valueOf(n.longValue());
    }

    /** {@code v} as a long when it is a whole number within the long range, else null. */
    static Long wholeNumber(Object v) {
        if (v instanceof Number n) {
            if (n instanceof Integer || n instanceof Long || n instanceof Short || n instanceof Byte) return n.longValue();
            if (n instanceof BigInteger b) return b.bitLength() < 64 ? b.longValue() : null;
            double d = n.doubleValue();
            if (d == Math.rint(d) && Math.abs(d) < 0x1p63) return (long) d;
        }
        return null;
    }

    /** A sampled integer: Integer when both bounds of its domain fit an int, else Long. */
    static Object boxInt(long v, long low, long high) {
        if (low >= Integer.MIN_VALUE && high <= Integer.MAX_VALUE) return (int) v;
        return v;
    }

    // ---- quantization of continuous domains -------------------------------------------------

    /** {@code k × q}, computed in decimal so that 3 × 0.1 gives 0.3 rather than 0.30000000000000004. */
    static double multiple(long k, double q) {
        return new BigDecimal(Long.toString(k)).multiply(BigDecimal.valueOf(q)).doubleValue();
    }

    /** The smallest k with {@code k × q >= low}. */
    static long lowestMultiple(double low, double q) {
        long k = (long) Math.ceil(low / q);
        while (multiple(k - 1, q) >= low) k--;
        while (multiple(k, q) < low) k++;
        return k;
    }

    /** The largest k with {@code k × q <= high}. */
    static long highestMultiple(double high, double q) {
        long k = (long) Math.floor(high / q);
        while (multiple(k + 1, q) <= high) k++;
        while (multiple(k, q) > high) k--;
        return k;
    }

    /**
     * {@code v} rounded to the nearest multiple of {@code q} (half to even, as numpy's round),
     * moved to the nearest multiple inside {@code [low, high]} when rounding left the bounds.
     */
    static double quantize(double v, double low, double high, double q) {
        long k = (long) Math.rint(v / q);
        long lo = lowestMultiple(low, q);
        long hi = highestMultiple(high, q);
        if (k < lo) k = lo;
        if (k > hi) k = hi;
        return multiple(k, q);
    }

    /** True when {@code v} is a multiple of {@code q} up to a relative 1e-9. */
    static boolean isMultiple(double v, double q) {
        double r = v / q;
        return Math.abs(r - Math.rint(r)) <= 1e-9 * Math.max(1.0, Math.abs(r));
    }

    /** A double array as a JSON-friendly list (for searchers' saved state). */
    static java.util.List<Double> doubles(double[] a) {
        java.util.List<Double> l = new java.util.ArrayList<>(a.length);
        for (double v : a) l.add(v);
        return l;
    }

    /** The inverse of {@link #doubles}: a list of numbers from saved state as a double array. */
    static double[] doubleArray(Object o) {
        java.util.List<?> l = (java.util.List<?>) o;
        double[] a = new double[l.size()];
        for (int i = 0; i < a.length; i++) a[i] = ((Number) l.get(i)).doubleValue();
        return a;
    }
}
