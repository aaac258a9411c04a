package dev.gale.tune;

/**
 * Which checkpoints of a trial are kept, as Ray's {@code CheckpointConfig}: by default all of them;
 * with {@code numToKeep = n}, the {@code n} best by {@code scoreAttribute} (in {@code scoreOrder})
 * or, without a score attribute, the {@code n} newest.
 *
 * <p>Promises: a checkpoint that something still needs is never deleted, whatever the setting: a
 * trial's newest checkpoint (a retry, a resume after a pause or after an interrupted run starts
 * from it), and a checkpoint a population-based-training exploit handed to another trial until
 * that trial has a newer one of its own. So a trial may hold {@code numToKeep + 1} checkpoints for
 * a while. Checkpoints whose result lacks the score attribute rank last.
 *
 * @param numToKeep      checkpoints kept per trial; 0 = keep all
 * @param scoreAttribute the result metric that ranks checkpoints (null: recency)
 * @param scoreOrder     {@link Mode#MAX} (higher is better) or {@link Mode#MIN}; required with a score attribute
 */
public record CheckpointConfig(int numToKeep, String scoreAttribute, Mode scoreOrder) {
    /** Keep every checkpoint (the default). */
    public static final CheckpointConfig KEEP_ALL = new CheckpointConfig(0, null, null);

    public CheckpointConfig {
        if (numToKeep < 0) {
            throw new IllegalArgumentException("numToKeep = " + numToKeep + ": must be >= 1, or 0 to keep every checkpoint");
        }
        if (scoreAttribute != null && scoreAttribute.isBlank()) {
            throw new IllegalArgumentException("scoreAttribute is blank: name a metric your trainable reports, or leave it null");
        }
        if (scoreAttribute != null && scoreOrder == null) {
            throw new IllegalArgumentException("scoreOrder is not set for scoreAttribute '" + scoreAttribute
                    + "': use Mode.MAX (higher is better) or Mode.MIN");
        }
    }

    /** Keep the {@code n} newest checkpoints of each trial. */
    public static CheckpointConfig keepLatest(int n) {
        if (n < 1) throw new IllegalArgumentException("keepLatest(" + n + "): keep at least 1, or use KEEP_ALL");
        return new CheckpointConfig(n, null, null);
    }

    /** Keep the {@code n} best checkpoints of each trial by {@code attribute} (plus the newest). */
    public static CheckpointConfig keepBest(int n, String attribute, Mode order) {
        if (n < 1) throw new IllegalArgumentException("keepBest(" + n + ", ...): keep at least 1, or use KEEP_ALL");
        return new CheckpointConfig(n, attribute, order);
    }

    /** True when every checkpoint is kept. */
    public boolean keepsAll() {
        return numToKeep == 0;
    }
}
