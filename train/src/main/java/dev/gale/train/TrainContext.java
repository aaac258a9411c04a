package dev.gale.train;

import ai.djl.Device;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.RandomAccessDataset;
import ai.djl.training.listener.TrainingListener;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * What one worker of a data-parallel group sees.
 *
 * <p>Promises: ranks are 0 .. worldSize-1, unique in the group; {@code localRank} counts the
 * group's workers on this worker's node (0 first), {@code nodeRank} numbers the group's nodes in
 * rank order. {@link #device()} is the worker's lease's device (the first of its GPUs as this JVM
 * numbers them, else the CPU). {@link #checkpoint()} is the last checkpoint rank 0 reported before
 * this attempt (restored to a local directory), or empty on the first attempt.
 */
public interface TrainContext {
    /** This worker's rank in the group. */
    int worldRank();

    /** Number of workers in this attempt of the group (may differ between attempts of an elastic group). */
    int worldSize();

    /** This worker's index among the group's workers on its node. */
    int localRank();

    /** The index of this worker's node among the group's nodes. */
    int nodeRank();

    /** The attempt: 0 for the first start, n after n restarts. */
    int attempt();

    /** The DJL device of this worker's lease. */
    Device device();

    /** The configuration given to the trainer (or sampled by tune), as JSON values. */
    Map<String, Object> config();

    /** A config number, or {@code dflt} when absent. */
    default double configDouble(String key, double dflt) {
        Object v = config().get(key);
        return v instanceof Number n ? n.doubleValue() : dflt;
    }

    /** A config integer, or {@code dflt} when absent. */
    default int configInt(String key, int dflt) {
        Object v = config().get(key);
        return v instanceof Number n ? n.intValue() : dflt;
    }

    /** A config string, or {@code dflt} when absent. */
    default String configString(String key, String dflt) {
        Object v = config().get(key);
        return v == null ? dflt : v.toString();
    }

    /**
     * A sampler that gives this rank its shard of a data set of the dataset's size: every epoch
     * the indexes are shuffled with {@code seed + epoch} (all ranks agree), and rank r takes every
     * worldSize-th index starting at r, dropping the tail so that every rank has the same number
     * of batches. Set it on a DJL {@code RandomAccessDataset} builder ({@code setSampling(sampler)}).
     */
    ShardSampler shardSampler(int batchSize, long seed);

    /**
     * This rank's shard of the data set registered as {@code name}
     * ({@link DataParallelTrainer.Builder#dataset(String, Class)}): the whole data set (built once
     * per worker by its {@link DatasetFactory}) seen through {@link #shardSampler(int, long)}, so
     * every epoch is shuffled with {@code seed + epoch}, the same on every rank, and every rank gets
     * the same number of batches of {@code batchSize}. Each call gives a fresh sampler at epoch 0.
     *
     * @throws IllegalArgumentException when no data set has that name (the message lists the known ones)
     */
    ShardedDataset datasetShard(String name, int batchSize, long seed);

    /** {@link #datasetShard(String, int, long)} with the seed from the config key {@code seed} (0 when absent). */
    default ShardedDataset datasetShard(String name, int batchSize) {
        Object v = config().get("seed");
        return datasetShard(name, batchSize, v instanceof Number n ? n.longValue() : 0L);
    }

    /**
     * The whole (unsharded) data set registered as {@code name}, built once per worker; e.g. a
     * test set rank 0 evaluates on.
     *
     * @throws IllegalArgumentException when no data set has that name (the message lists the known ones)
     */
    RandomAccessDataset dataset(String name);

    /** The names of the registered data sets, in registration order. */
    java.util.List<String> datasetNames();

    /** The collectives of this group. */
    Collective collective();

    /**
     * Makes an initialised DJL trainer data-parallel: broadcasts rank 0's parameters (matched by
     * the block's ordered parameter names, never by id) and adds a listener that, after every
     * backward pass, averages the gradients over all ranks in place (in buckets). Call after
     * {@code trainer.initialize(shape)} and before training.
     *
     * @throws IllegalStateException when the parameters are not initialised or differ between ranks
     */
    void distribute(Trainer trainer);

    /**
     * The gradient-averaging listener {@link #distribute} adds, for a trainer built with it in its
     * config; then call {@link #broadcastParameters} after initialising.
     */
    TrainingListener gradientSync();

    /** Broadcasts rank 0's parameters of {@code trainer}'s model to every rank. */
    void broadcastParameters(Trainer trainer);

    /** Reports metrics; rank 0's reports are the group's results (other ranks' are dropped). */
    void report(Map<String, ?> metrics);

    /**
     * Reports metrics with a checkpoint directory (rank 0 only: other ranks' checkpoints are not
     * kept). The directory's files are copied to the driver before this returns.
     *
     * @throws GroupStoppedException when the driver (or tune's scheduler) stopped the group
     */
    void report(Map<String, ?> metrics, Path checkpointDir);

    /** The checkpoint to resume from. */
    Optional<Path> checkpoint();

    /** A directory private to this worker and attempt (deleted when the worker ends). */
    Path scratchDir();
}
