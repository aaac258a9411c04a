package dev.gale.tune.storage;

import dev.gale.tune.Result;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One line of a trial's {@code result.jsonl}: the user's metrics flat beside the automatic fields
 * ({@code training_iteration}, {@code time_total_s}, {@code timestamp}), the {@code trial_id}, and
 * {@code checkpoint} when the result came with one.
 *
 * <p>Promises: {@link #toMap()} and {@link #fromMap} are inverse for every row a store writes; a
 * user metric named like an automatic field is overwritten by the automatic value (as Ray Tune does).
 *
 * @param trialId    the trial
 * @param iteration  {@code training_iteration}, from 1
 * @param timeTotalS {@code time_total_s}
 * @param timestamp  {@code timestamp}, epoch millis
 * @param metrics    the user's metrics (plain JSON values), without the automatic fields
 * @param checkpoint the checkpoint directory name reported with it, or null
 */
public record ResultRow(String trialId, long iteration, double timeTotalS, long timestamp, Map<String, Object> metrics,
                        String checkpoint) {
    /** The field naming the checkpoint of a row. */
    public static final String CHECKPOINT = "checkpoint";
    /** The field naming the trial of a row. */
    public static final String TRIAL_ID = "trial_id";

    public ResultRow {
        if (trialId == null || trialId.isBlank()) throw new IllegalArgumentException("result row without a trial_id");
        metrics = metrics == null ? Map.of() : metrics;
    }

    /** The row of {@code r}, with its checkpoint (or null). */
    public static ResultRow of(Result r, String checkpoint) {
        return new ResultRow(r.trialId(), r.iteration(), r.timeTotalS(), r.timestamp(), r.metrics(), checkpoint);
    }

    /** The result this row records. */
    public Result result() {
        return new Result(trialId, iteration, timeTotalS, timestamp, metrics);
    }

    /** The row as written: metrics first, then the automatic fields, the trial id and the checkpoint. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>(metrics.size() + 6);
        m.putAll(metrics);
        m.put(Result.TRAINING_ITERATION, iteration);
        m.put(Result.TIME_TOTAL_S, timeTotalS);
        m.put(Result.TIMESTAMP, timestamp);
        m.put(TRIAL_ID, trialId);
        if (checkpoint != null) m.put(CHECKPOINT, checkpoint);
        return m;
    }

    /**
     * The result as one map, as snapshots and journal entries carry it ({@code last_result}): the
     * metrics and the automatic fields, without {@code trial_id} and {@code checkpoint}.
     */
    public Map<String, Object> resultMap() {
        Map<String, Object> m = new LinkedHashMap<>(metrics.size() + 3);
        m.putAll(metrics);
        m.put(Result.TRAINING_ITERATION, iteration);
        m.put(Result.TIME_TOTAL_S, timeTotalS);
        m.put(Result.TIMESTAMP, timestamp);
        return m;
    }

    /** A row read back from its map; {@code trialId} is used when the map has none. */
    public static ResultRow fromMap(String trialId, Map<String, Object> flat) {
        Map<String, Object> metrics = new LinkedHashMap<>(flat);
        Object it = metrics.remove(Result.TRAINING_ITERATION);
        Object time = metrics.remove(Result.TIME_TOTAL_S);
        Object ts = metrics.remove(Result.TIMESTAMP);
        Object id = metrics.remove(TRIAL_ID);
        Object ck = metrics.remove(CHECKPOINT);
        return new ResultRow(id instanceof String s && !s.isBlank() ? s : trialId,
                it instanceof Number n ? n.longValue() : 0, time instanceof Number n ? n.doubleValue() : 0,
                ts instanceof Number n ? n.longValue() : 0, metrics, ck == null ? null : ck.toString());
    }
}
