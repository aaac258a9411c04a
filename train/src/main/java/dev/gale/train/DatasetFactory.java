package dev.gale.train;

import ai.djl.ndarray.NDManager;
import ai.djl.training.dataset.RandomAccessDataset;

/**
 * Builds one named data set inside a worker JVM (register it with
 * {@link DataParallelTrainer.Builder#dataset(String, Class)}). A DJL dataset holds native arrays
 * and cannot be sent between JVMs, so each worker builds the whole data set itself (typically from
 * files every node can read) and Gale hands the worker its shard
 * ({@link TrainContext#datasetShard(String, int, long)}).
 *
 * <p>Contract: a public top-level or static nested class with a public no-argument constructor
 * (workers create it by name). {@link #create} must build the same records in the same order on
 * every rank, since ranks agree on the shuffle by index. The sampler set on the returned dataset's
 * builder is not used by {@code datasetShard} (any {@code setSampling(batch, false)} will do); its
 * batchifiers, pipelines and device are.
 */
public interface DatasetFactory {
    /**
     * Builds the whole, unsharded data set.
     *
     * @param manager a manager that lives as long as the worker: create the data set's arrays on it
     * @param ctx     the worker's context (its config, device, rank)
     */
    RandomAccessDataset create(NDManager manager, TrainContext ctx) throws Exception;
}
