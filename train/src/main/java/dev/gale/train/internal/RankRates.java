package dev.gale.train.internal;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Per-rank throughput of a worker group, for the dashboard's worker-group view: every rank may
 * report its own samples per second under {@value #KEY} (any rank's {@code ctx.report}; reports of
 * ranks other than 0 are otherwise dropped); the driver keeps each rank's latest figure and
 * attaches them all to rank 0's reports as {@code rank_samples_per_s: {"0": x, "1": y, ...}}
 * (flattened to {@code rank_samples_per_s/0} ... in the trial's results).
 *
 * <p>Promises: a report without the key, or with a value that is not a finite number, changes
 * nothing; {@link #attach} returns {@code metrics} itself when no rank reported one; figures of an
 * earlier attempt are forgotten with {@link #clear}. Not thread-safe (the driver's loop owns it).
 */
public final class RankRates {
    /** The metric a rank reports its own samples per second under. */
    public static final String KEY = "rank_samples_per_s";
    private final TreeMap<Integer, Double> latest = new TreeMap<>();

    /** Notes rank {@code rank}'s figure when its report's metrics (a map) have one. */
    public void note(int rank, Object metrics) {
        if (metrics instanceof Map<?, ?> m && m.get(KEY) instanceof Number n && Double.isFinite(n.doubleValue())) {
            latest.put(rank, n.doubleValue());
        }
    }

    /** Forgets every figure (a new attempt: ranks may run elsewhere). */
    public void clear() {
        latest.clear();
    }

    /** {@code metrics} with every rank's latest figure under {@value #KEY}, by rank. */
    public Map<String, Object> attach(Map<String, Object> metrics) {
        if (latest.isEmpty()) return metrics;
        Map<String, Object> byRank = new LinkedHashMap<>();
        for (Map.Entry<Integer, Double> e : latest.entrySet()) byRank.put(Integer.toString(e.getKey()), e.getValue());
        Map<String, Object> out = new LinkedHashMap<>(metrics);
        out.put(KEY, byRank);
        return out;
    }
}
