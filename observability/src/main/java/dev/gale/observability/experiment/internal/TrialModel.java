package dev.gale.observability.experiment.internal;

import dev.gale.observability.experiment.BadLine;
import dev.gale.observability.experiment.Curve;
import dev.gale.observability.experiment.Marker;
import dev.gale.observability.experiment.TrialView;
import dev.gale.tune.TrialStatus;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One trial's mutable state inside an {@link ExperimentModel}; guarded by the model's lock. Curves
 * grow by appending into arrays that are replaced (never rewritten) when they fill, so that the
 * {@link Curve}s handed out stay valid.
 */
final class TrialModel {
    final int index;
    final String id;
    TrialStatus status = TrialStatus.PENDING;
    Map<String, Object> config = Map.of();
    final Map<String, Object> last = new LinkedHashMap<>();
    int attempts = 1;
    int failures;
    String node = "";
    String gpus = "";
    String error;
    long[] iterations = new long[8];
    long[] timestamps = new long[8];
    final Map<String, double[]> values = new LinkedHashMap<>();
    int size;
    final List<Marker> markers = new ArrayList<>();
    final List<BadLine> badLines = new ArrayList<>();
    private TrialView view;

    TrialModel(int index, String id) {
        this.index = index;
        this.id = id;
    }

    /** Appends a result: {@code numeric} holds its numeric metrics (flat). */
    void append(long iteration, long timestamp, Map<String, Double> numeric) {
        if (size == iterations.length) {
            int cap = size * 2;
            iterations = Arrays.copyOf(iterations, cap);
            timestamps = Arrays.copyOf(timestamps, cap);
            values.replaceAll((k, v) -> Arrays.copyOf(v, cap));
        }
        iterations[size] = iteration;
        timestamps[size] = timestamp;
        for (Map.Entry<String, double[]> e : values.entrySet()) e.getValue()[size] = Double.NaN;
        for (Map.Entry<String, Double> e : numeric.entrySet()) {
            double[] v = values.get(e.getKey());
            if (v == null) {
                v = new double[iterations.length];
                Arrays.fill(v, Double.NaN);
                values.put(e.getKey(), v);
            }
            v[size] = e.getValue();
        }
        size++;
        changed();
    }

    /**
     * Values already in a curve array are never rewritten after {@link #append}; when an array
     * grows it is replaced, so a {@link Curve} handed out before still sees its own points.
     */
    void changed() {
        view = null;
    }

    /**
     * The trial as it is now; a TERMINATED trial with fewer iterations than {@code maxIteration}
     * (the longest trial's) gets a {@link Marker.Kind#STOPPED_EARLY} marker at its end. Cached
     * until {@link #changed} (which the model calls when {@code maxIteration} grows).
     */
    TrialView view(long maxIteration) {
        TrialView v = view;
        if (v == null) {
            Curve c = new Curve(iterations, timestamps, values, size);
            List<Marker> m = markers;
            long it = size == 0 ? 0 : iterations[size - 1];
            if (status == TrialStatus.TERMINATED && it > 0 && it < maxIteration) {
                m = new ArrayList<>(markers);
                m.add(new Marker(it, Marker.Kind.STOPPED_EARLY, "stopped at iteration " + it + " of " + maxIteration));
            }
            v = new TrialView(index, id, status, config, last, attempts, failures, node, gpus, error, c, m, badLines);
            view = v;
        }
        return v;
    }
}
