package dev.gale.observability.experiment;

import dev.gale.tune.TrialStatus;

import java.util.List;
import java.util.Map;

/**
 * One trial as the dashboard and the plots see it at one moment: an immutable copy.
 *
 * @param index     its position in creation order, from 0
 * @param id        its id
 * @param status    its status
 * @param config    its config, flat (nested keys joined with {@code .})
 * @param last      its last result, flat (nested metrics joined with {@code /}): numbers as
 *                  {@code Double}, anything else as text; includes {@code training_iteration} and
 *                  {@code time_total_s}
 * @param attempts  runs started (1 + retries)
 * @param failures  failed attempts
 * @param node      the node of its current or last attempt ("" when not known: directories do not record it)
 * @param gpus      the GPU indexes of that attempt's lease ("" for none or unknown)
 * @param error     the first line of its error, or null
 * @param curve     its results
 * @param markers   decisions on its curve, in order
 * @param badLines  lines of its {@code result.jsonl} that could not be read
 */
public record TrialView(int index, String id, TrialStatus status, Map<String, Object> config, Map<String, Object> last,
                        int attempts, int failures, String node, String gpus, String error, Curve curve,
                        List<Marker> markers, List<BadLine> badLines) {
    public TrialView {
        if (id == null || id.isBlank()) throw new IllegalArgumentException("trial id is blank");
        if (status == null) throw new IllegalArgumentException("trial " + id + ": status is null");
        config = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(config));
        last = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(last));
        node = node == null ? "" : node;
        gpus = gpus == null ? "" : gpus;
        curve = curve == null ? Curve.EMPTY : curve;
        markers = List.copyOf(markers);
        badLines = List.copyOf(badLines);
    }

    /** The last result's value of {@code metric} (NaN when absent or not a number). */
    public double metric(String metric) {
        return last.get(metric) instanceof Double d ? d : Double.NaN;
    }

    /** The last {@code training_iteration} (0 before any result). */
    public long iterations() {
        return curve.size() == 0 ? 0 : curve.iteration(curve.size() - 1);
    }
}
