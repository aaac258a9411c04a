package dev.gale.tune;

import java.util.Map;

/**
 * A stop condition evaluated on every result, as Ray Tune's {@code stop=}: when it says so, the
 * trial ends TERMINATED. Called only from the controller thread.
 */
@FunctionalInterface
public interface Stopper {
    /** True when the trial that produced {@code result} should stop now. */
    boolean shouldStop(Result result);

    /** Stops a trial once {@code metric >= threshold} (Ray's dict semantics). */
    static Stopper atLeast(String metric, double threshold) {
        return r -> r.metric(metric) >= threshold;
    }

    /** Stops a trial once {@code metric <= threshold}. */
    static Stopper atMost(String metric, double threshold) {
        return r -> r.metric(metric) <= threshold;
    }

    /** Stops a trial after {@code n} reports. */
    static Stopper maxIterations(long n) {
        return r -> r.iteration() >= n;
    }

    /** Ray's {@code stop={"metric": value, ...}}: stops when any metric reaches its value (>=). */
    static Stopper fromMap(Map<String, ? extends Number> thresholds) {
        String[] keys = thresholds.keySet().toArray(new String[0]);
        double[] values = new double[keys.length];
        for (int i = 0; i < keys.length; i++) values[i] = thresholds.get(keys[i]).doubleValue();
        return r -> {
            for (int i = 0; i < keys.length; i++) {
                if (r.metric(keys[i]) >= values[i]) return true;
            }
            return false;
        };
    }
}
