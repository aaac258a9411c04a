package dev.gale.train;

import ai.djl.ndarray.NDManager;
import ai.djl.training.dataset.Batch;
import ai.djl.training.dataset.RandomAccessDataset;
import ai.djl.training.dataset.Record;
import ai.djl.translate.TranslateException;
import ai.djl.util.Progress;

import java.io.IOException;
import java.util.Objects;
import java.util.concurrent.ExecutorService;

/**
 * One rank's view of a whole data set: {@link #getData} iterates the whole data set through a
 * {@link ShardSampler}, so each epoch (each {@code getData} call, as {@code EasyTrain.fit} makes
 * one per epoch) is this rank's batches of the epoch's seeded shuffle that every rank agrees on.
 * The whole data set's batchifiers, pipelines and device are used as they are.
 *
 * <p>Promises: the shards of all ranks of an epoch are disjoint; every rank gets
 * {@link #stepsPerEpoch()} batches; {@link #get} and {@link #size} are the whole data set's (an
 * index names the same record on every rank).
 */
public final class ShardedDataset extends RandomAccessDataset {
    private final RandomAccessDataset whole;
    private final ShardSampler sampler;

    private ShardedDataset(RandomAccessDataset whole, ShardSampler sampler) {
        super(new Builder().setSampling(sampler));
        this.whole = whole;
        this.sampler = sampler;
    }

    /** {@code whole} sharded by {@code sampler} (which carries the rank, world size, batch and seed). */
    public static ShardedDataset of(RandomAccessDataset whole, ShardSampler sampler) {
        Objects.requireNonNull(whole, "whole: pass the unsharded data set");
        Objects.requireNonNull(sampler, "sampler: pass a ShardSampler (TrainContext.shardSampler)");
        return new ShardedDataset(whole, sampler);
    }

    /** The sampler: {@code sampler().setEpoch(e)} positions the shuffle when resuming at epoch e. */
    public ShardSampler sampler() {
        return sampler;
    }

    /** The unsharded data set. */
    public RandomAccessDataset whole() {
        return whole;
    }

    /** Batches this rank gets per epoch (the same on every rank). */
    public int stepsPerEpoch() {
        return sampler.stepsPerEpoch(whole.size());
    }

    @Override
    public Record get(NDManager manager, long index) throws IOException {
        return whole.get(manager, index);
    }

    @Override
    protected long availableSize() {
        return whole.size();
    }

    @Override
    public Iterable<Batch> getData(NDManager manager) throws IOException, TranslateException {
        return whole.getData(manager, sampler);
    }

    @Override
    public Iterable<Batch> getData(NDManager manager, ExecutorService executor) throws IOException, TranslateException {
        return whole.getData(manager, sampler, executor);
    }

    @Override
    public void prepare(Progress progress) throws IOException, TranslateException {
        whole.prepare(progress);
    }

    private static final class Builder extends BaseBuilder<Builder> {
        @Override
        protected Builder self() {
            return this;
        }
    }
}
