package dev.gale.tune.search.internal.cma;

import static dev.gale.tune.search.internal.cma.CmaEs.mix;

import java.util.SplittableRandom;

/**
 * The standard normal directions of {@link CmaEs}'s mirrored orthogonal sampling (Wang, Emmerich
 * and Bäck, 2014): per (restart, generation), blocks of n Gaussian vectors drawn from
 * {@code mix(seed, restart, generation, -(block + 2))}, orthogonalized by Gram–Schmidt with their
 * lengths kept, each used twice, as z and −z.
 *
 * <p>Promises: {@link #direction} is a pure function of its arguments (and of n and the seed);
 * the last block computed is cached, so consecutive samples of a generation draw and
 * orthogonalize each block once. Not thread-safe.
 */
final class OrthogonalBlocks {
    private final int n;
    private final long seed;
    // the orthogonal block last computed: (restart, generation, block) and its n directions
    private int blockRestart = -1;
    private long blockGeneration = -1;
    private long blockIndex = -1;
    private double[] blockVectors;

    /** Directions in dimension {@code n} for the optimizer seeded with {@code seed}. */
    OrthogonalBlocks(int n, long seed) {
        this.n = n;
        this.seed = seed;
    }

    /**
     * Mirrored orthogonal sampling (Wang, Emmerich and Bäck, 2014): samples 2j and 2j + 1 are the
     * standard normal direction j and its mirror image; directions come in blocks of n drawn
     * from {@code mix(seed, r, g, -(block + 2))}, made orthogonal by Gram–Schmidt, each keeping
     * the length of the Gaussian vector it came from (chi-distributed, as an ordinary sample).
     * A pure function of (restart, generation, k).
     */
    double[] direction(int restart, long generation, long k) {
        long j = k >>> 1;
        long block = j / n;
        int idx = (int) (j % n);
        if (blockVectors == null || blockRestart != restart || blockGeneration != generation || blockIndex != block) {
            if (blockVectors == null) blockVectors = new double[n * n];
            double[] v = blockVectors;
            SplittableRandom rng = new SplittableRandom(mix(seed, restart, generation, -(block + 2)));
            double[] lengths = new double[n];
            for (int q = 0; q < n; q++) {
                int o = q * n;
                double len2 = 0;
                for (int i = 0; i < n; i++) {
                    double g = rng.nextGaussian();
                    v[o + i] = g;
                    len2 += g * g;
                }
                lengths[q] = Math.sqrt(len2);
                for (int p = 0; p < q; p++) {
                    int po = p * n;
                    double dot = 0;
                    for (int i = 0; i < n; i++) dot += v[o + i] * v[po + i];
                    for (int i = 0; i < n; i++) v[o + i] -= dot * v[po + i];
                }
                double unit = 0;
                for (int i = 0; i < n; i++) unit += v[o + i] * v[o + i];
                unit = Math.sqrt(unit);
                // a direction that is numerically dependent on the earlier ones (probability 0
                // in exact arithmetic) falls back to the raw draw's axis
                if (!(unit > 1e-12)) {
                    java.util.Arrays.fill(v, o, o + n, 0);
                    v[o + q] = 1;
                    unit = 1;
                }
                for (int i = 0; i < n; i++) v[o + i] /= unit;
            }
            for (int q = 0; q < n; q++) for (int i = 0; i < n; i++) v[q * n + i] *= lengths[q];
            blockRestart = restart;
            blockGeneration = generation;
            blockIndex = block;
        }
        double sign = (k & 1) == 1 ? -1 : 1;
        double[] z = new double[n];
        int o = idx * n;
        for (int i = 0; i < n; i++) z[i] = sign * blockVectors[o + i];
        return z;
    }
}
