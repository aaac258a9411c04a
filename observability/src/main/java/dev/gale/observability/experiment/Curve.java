package dev.gale.observability.experiment;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A trial's learning curves: for each result, its {@code training_iteration}, its timestamp and the
 * value of every numeric metric (NaN where a result lacks the metric).
 *
 * <p>Promises: immutable as seen through this object ({@link #size()} entries, even if the arrays
 * behind it are longer because the live experiment appended since); the accessors copy nothing.
 */
public final class Curve {
    /** A curve with no point. */
    public static final Curve EMPTY = new Curve(new long[0], new long[0], Map.of(), 0);

    private final long[] iterations;
    private final long[] timestamps;
    private final Map<String, double[]> values;
    private final int size;

    /**
     * @param iterations the iterations (at least {@code size} long)
     * @param timestamps epoch millis of each result (at least {@code size} long)
     * @param values     per metric, its values (each at least {@code size} long)
     * @param size       the number of points
     */
    public Curve(long[] iterations, long[] timestamps, Map<String, double[]> values, int size) {
        if (size < 0 || iterations.length < size || timestamps.length < size) {
            throw new IllegalArgumentException("curve of size " + size + " with " + iterations.length + " iterations");
        }
        for (Map.Entry<String, double[]> e : values.entrySet()) {
            if (e.getValue().length < size) throw new IllegalArgumentException("metric " + e.getKey() + " has fewer than " + size + " values");
        }
        this.iterations = iterations;
        this.timestamps = timestamps;
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
        this.size = size;
    }

    /** The number of results. */
    public int size() {
        return size;
    }

    /** The {@code training_iteration} of result {@code i}. */
    public long iteration(int i) {
        check(i);
        return iterations[i];
    }

    /** The timestamp (epoch millis) of result {@code i}. */
    public long timestamp(int i) {
        check(i);
        return timestamps[i];
    }

    /** The metrics that have at least one value. */
    public Set<String> metrics() {
        return values.keySet();
    }

    /** The value of {@code metric} at result {@code i} (NaN when absent). */
    public double value(String metric, int i) {
        check(i);
        double[] v = values.get(metric);
        return v == null ? Double.NaN : v[i];
    }

    private void check(int i) {
        if (i < 0 || i >= size) throw new IndexOutOfBoundsException("point " + i + " of a curve of " + size);
    }
}
