package dev.gale.tune.schedulers;

import dev.gale.tune.Result;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Helpers shared by the schedulers: metric extraction, numpy's percentile, JSON-safe doubles. Not API. */
final class SchedulerSupport {
    private SchedulerSupport() {
    }

    /**
     * The value of {@code name} in {@code r} as a double.
     *
     * @throws IllegalArgumentException when the metric is missing, not a number, or NaN; the
     *                                  message names the metric and the keys the result has
     */
    static double value(String who, String trialId, Result r, String name) {
        if (!r.has(name)) {
            throw new IllegalArgumentException(who + ": result " + r.iteration() + " of trial '" + trialId
                    + "' has no metric '" + name + "'; it has " + keys(r)
                    + ": report it from the trainable, or configure the scheduler with a metric that is reported");
        }
        double v = r.metric(name);
        if (Double.isNaN(v)) {
            Object raw = r.metrics().get(name);
            throw new IllegalArgumentException(who + ": metric '" + name + "' of trial '" + trialId + "' (result "
                    + r.iteration() + ") is " + (raw instanceof Number ? "NaN" : "not a number: " + raw)
                    + "; the scheduler cannot rank it");
        }
        return v;
    }

    /** True when {@code r} has a non-NaN {@code name}. */
    static boolean usable(Result r, String name) {
        return r != null && r.has(name) && !Double.isNaN(r.metric(name));
    }

    static List<String> keys(Result r) {
        List<String> keys = new ArrayList<>(r.metrics().keySet());
        keys.add(Result.TRAINING_ITERATION);
        keys.add(Result.TIME_TOTAL_S);
        keys.add(Result.TIMESTAMP);
        return keys;
    }

    /**
     * numpy's {@code percentile(sorted[0..n), percent)} with the default 'linear' method, computed
     * as numpy does (same rounding): {@code q = percent / 100}, virtual index {@code (n-1)·q},
     * then numpy's {@code _lerp}, which for a fraction ≥ 0.5 interpolates from the upper neighbour.
     * Requires {@code n ≥ 1} and {@code sorted} ascending.
     */
    static double percentileLinear(double[] sorted, int n, double percent) {
        double q = percent / 100.0;
        double virtual = (n - 1) * q;
        if (virtual >= n - 1) return sorted[n - 1];
        if (virtual < 0) return sorted[0];
        double prevIndex = Math.floor(virtual);
        int prev = (int) prevIndex;
        double a = sorted[prev];
        double b = sorted[prev + 1];
        double t = virtual - prevIndex;
        double diff = b - a;
        return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
    }

    /** numpy's median of {@code v[0..n)} (sorts that range in place); n ≥ 1. */
    static double median(double[] v, int n) {
        java.util.Arrays.sort(v, 0, n);
        int mid = n / 2;
        return (n & 1) == 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
    }

    /** A double for a JSON snapshot: finite numbers as they are, ±Infinity and NaN as strings. */
    static Object encode(double v) {
        return Double.isFinite(v) ? (Object) v : Double.toString(v);
    }

    /** The inverse of {@link #encode}. */
    static double decode(Object o) {
        if (o instanceof Number n) return n.doubleValue();
        if (o instanceof String s) return Double.parseDouble(s);
        throw new IllegalArgumentException("not a number in scheduler state: " + o);
    }

    static Map<?, ?> map(Object state, String what) {
        if (state instanceof Map<?, ?> m) return m;
        throw new IllegalArgumentException("not a " + what + " state (expected a map): " + state);
    }

    static List<?> list(Object o, String what) {
        if (o instanceof List<?> l) return l;
        throw new IllegalArgumentException("bad scheduler state: " + what + " should be a list, got " + o);
    }

    static void checkType(Map<?, ?> m, String type) {
        Object t = m.get("type");
        if (t != null && !type.equals(t)) {
            throw new IllegalArgumentException("scheduler state of type '" + t + "' cannot be restored into a '" + type + "' scheduler");
        }
    }
}
