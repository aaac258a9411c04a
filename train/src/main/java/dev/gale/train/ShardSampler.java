package dev.gale.train;

import ai.djl.training.dataset.RandomAccessDataset;
import ai.djl.training.dataset.Sampler;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A DJL {@link Sampler} that gives one rank its shard: each call of {@link #sample} (one per epoch)
 * shuffles the indexes 0..size-1 with the seed {@code seed + epoch} (the same permutation on every
 * rank), keeps every {@code worldSize}-th index starting at {@code rank}, and cuts that into
 * batches of {@code batchSize}, dropping the last partial batch so every rank runs the same number
 * of steps (a rank with one more step would wait in its all-reduce forever).
 *
 * <p>Promises: the shards of one epoch are disjoint and, together, cover
 * {@code worldSize * stepsPerEpoch * batchSize} distinct indexes; the same (seed, epoch, rank,
 * worldSize) gives the same batches in every JVM.
 */
public final class ShardSampler implements Sampler {
    private final int batchSize;
    private final int rank;
    private final int worldSize;
    private final long seed;
    private int epoch;

    /**
     * @param batchSize per-rank batch size (the global batch is {@code batchSize * worldSize})
     * @param seed      shuffle seed, the same on every rank
     * @param epoch     the first epoch's number (a run resumed from a checkpoint passes its epoch)
     */
    public ShardSampler(int batchSize, int rank, int worldSize, long seed, int epoch) {
        if (batchSize < 1) throw new IllegalArgumentException("batchSize = " + batchSize + ": must be >= 1");
        if (worldSize < 1 || rank < 0 || rank >= worldSize) {
            throw new IllegalArgumentException("rank " + rank + " of worldSize " + worldSize + ": need 0 <= rank < worldSize");
        }
        this.batchSize = batchSize;
        this.rank = rank;
        this.worldSize = worldSize;
        this.seed = seed;
        this.epoch = epoch;
    }

    /** The epoch the next {@link #sample} call shuffles for. */
    public int epoch() {
        return epoch;
    }

    /** Sets the epoch of the next {@link #sample} call. */
    public void setEpoch(int e) {
        this.epoch = e;
    }

    /** Batches each rank runs per epoch on a data set of {@code size} records. */
    public int stepsPerEpoch(long size) {
        return (int) (size / worldSize / batchSize);
    }

    /** This rank's indexes for {@code epoch} (in batch order), without advancing the epoch. */
    public long[] indexes(long size, int forEpoch) {
        if (size > Integer.MAX_VALUE) throw new IllegalArgumentException("size = " + size + ": at most 2^31-1 records");
        int n = (int) size;
        int[] perm = new int[n];
        for (int i = 0; i < n; i++) perm[i] = i;
        SplittableRandom rnd = new SplittableRandom(seed * 1_000_003L + forEpoch);
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        int steps = stepsPerEpoch(size);
        long[] out = new long[steps * batchSize];
        for (int k = 0; k < out.length; k++) out[k] = perm[rank + k * worldSize]; // < n: steps * batchSize * worldSize <= n
        return out;
    }

    @Override
    public Iterator<List<Long>> sample(RandomAccessDataset dataset) {
        long[] idx = indexes(dataset.size(), epoch++);
        List<List<Long>> batches = new ArrayList<>(idx.length / batchSize);
        for (int b = 0; b + batchSize <= idx.length; b += batchSize) {
            List<Long> batch = new ArrayList<>(batchSize);
            for (int k = 0; k < batchSize; k++) batch.add(idx[b + k]);
            batches.add(batch);
        }
        return batches.iterator();
    }

    @Override
    public int getBatchSize() {
        return batchSize;
    }
}
