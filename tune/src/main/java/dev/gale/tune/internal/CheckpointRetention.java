package dev.gale.tune.internal;

import dev.gale.tune.CheckpointConfig;
import dev.gale.tune.Result;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Decides which checkpoints of each trial to delete under a {@link CheckpointConfig}: a pure class
 * (no I/O), confined to the controller. The controller records every checkpoint reported
 * ({@link #added}), pins checkpoints another trial starts from ({@link #pin} / {@link #unpin}),
 * and deletes what {@link #added} returns.
 *
 * <p>Promises (see {@link CheckpointConfig}): a trial's newest checkpoint and every pinned one are
 * never returned for deletion; otherwise at most {@code numToKeep} are kept, the best by score
 * (ties: the newer wins) or the newest; each checkpoint is returned for deletion at most once.
 */
final class CheckpointRetention {
    private record Entry(String name, long iteration, double score) {
    }

    private final CheckpointConfig cfg;
    private final Map<String, List<Entry>> byTrial = new HashMap<>();
    /** Pins per "trial/checkpoint" key, counted. */
    private final Map<String, Integer> pins = new HashMap<>();

    CheckpointRetention(CheckpointConfig cfg) {
        this.cfg = cfg == null ? CheckpointConfig.KEEP_ALL : cfg;
    }

    /**
     * Records checkpoint {@code name} of {@code trialId}, reported with {@code result}, and returns
     * the checkpoints of that trial to delete now (empty when every checkpoint is kept).
     */
    List<String> added(String trialId, String name, Result result) {
        if (cfg.keepsAll()) return List.of();
        List<Entry> list = byTrial.computeIfAbsent(trialId, k -> new ArrayList<>());
        double score = Double.NaN;
        if (cfg.scoreAttribute() != null && result != null) score = result.metric(cfg.scoreAttribute());
        list.add(new Entry(name, result == null ? list.size() : result.iteration(), score));
        if (list.size() <= cfg.numToKeep()) return List.of();
        Entry newest = list.getLast();
        List<Entry> ranked = new ArrayList<>(list);
        ranked.sort(this::better);
        List<Entry> keep = new ArrayList<>(ranked.subList(0, cfg.numToKeep()));
        List<String> delete = new ArrayList<>();
        List<Entry> remaining = new ArrayList<>();
        for (Entry e : list) {
            boolean kept = keep.contains(e) || e == newest || pins.containsKey(trialId + "/" + e.name());
            if (kept) remaining.add(e);
            else delete.add(e.name());
        }
        byTrial.put(trialId, remaining);
        return delete;
    }

    /** Orders better first: higher (or lower) score, unscored last, then newer first. */
    private int better(Entry a, Entry b) {
        if (cfg.scoreAttribute() != null) {
            boolean na = Double.isNaN(a.score()), nb = Double.isNaN(b.score());
            if (na != nb) return na ? 1 : -1;
            if (!na && a.score() != b.score()) {
                boolean aBetter = cfg.scoreOrder().better(a.score(), b.score());
                return aBetter ? -1 : 1;
            }
        }
        return Long.compare(b.iteration(), a.iteration());
    }

    /** Keeps {@code checkpoint} of {@code trialId} while another trial starts from it. */
    void pin(String trialId, String checkpoint) {
        pins.merge(trialId + "/" + checkpoint, 1, Integer::sum);
    }

    /** Releases a {@link #pin}; the checkpoint may go at its trial's next checkpoint. */
    void unpin(String trialId, String checkpoint) {
        unpin(trialId + "/" + checkpoint);
    }

    /** Releases a {@link #pin} named as {@code trial/name} (a trial's borrowed checkpoint). */
    void unpin(String ref) {
        pins.computeIfPresent(ref, (k, n) -> n > 1 ? n - 1 : null);
    }

    /** Forgets a trial that ended (its kept checkpoints stay on disk). */
    void ended(String trialId) {
        byTrial.remove(trialId);
    }
}
