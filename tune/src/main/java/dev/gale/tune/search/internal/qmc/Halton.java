package dev.gale.tune.search.internal.qmc;

import java.util.SplittableRandom;

/**
 * The Halton sequence: coordinate {@code d} of point {@code i} is the radical inverse of {@code i}
 * in the {@code d}-th prime base (2, 3, 5, ...), i.e. the van der Corput sequence of that base.
 * Scrambled, each digit position of each base gets its own random permutation of the digits
 * {@code 0..b-1} (applied to the leading zeros too, down to double precision), as scipy's
 * {@code qmc.Halton(scramble=True)}; this keeps the stratification of every 1-D projection
 * ({@code b^k} consecutive points from a multiple of {@code b^k} fill each of the {@code b^k}
 * intervals once). Immutable and thread-safe. Not API.
 */
public final class Halton {

    private final int dimension;
    private final int[] bases;
    private final int[] digits;
    /** perms[d][j][digit]: the permutation of digit position j (0 = most significant) of base d; null unscrambled. */
    private final int[][][] perms;

    /**
     * @param dimension 0 or more
     * @param scramble  whether to permute digits
     * @param seed      seeds the permutations (ignored without scramble)
     */
    public Halton(int dimension, boolean scramble, long seed) {
        if (dimension < 0 || dimension > 100_000) {
            throw new IllegalArgumentException("Halton dimension must be in 0..100000, got " + dimension);
        }
        this.dimension = dimension;
        this.bases = primes(dimension);
        this.digits = new int[dimension];
        for (int d = 0; d < dimension; d++) {
            digits[d] = (int) Math.ceil(53 / (Math.log(bases[d]) / Math.log(2)));
        }
        if (scramble) {
            perms = new int[dimension][][];
            SplittableRandom rng = new SplittableRandom(seed ^ 0x3C6EF372FE94F82BL);
            for (int d = 0; d < dimension; d++) {
                int b = bases[d];
                perms[d] = new int[digits[d]][];
                for (int j = 0; j < digits[d]; j++) {
                    int[] p = new int[b];
                    for (int x = 0; x < b; x++) p[x] = x;
                    for (int x = b - 1; x > 0; x--) {
                        int y = rng.nextInt(x + 1);
                        int t = p[x];
                        p[x] = p[y];
                        p[y] = t;
                    }
                    perms[d][j] = p;
                }
            }
        } else {
            perms = null;
        }
    }

    /** The number of coordinates of each point. */
    public int dimension() {
        return dimension;
    }

    /** The base of coordinate {@code d}. */
    public int base(int d) {
        return bases[d];
    }

    /** Writes point number {@code index} (from 0, below 2^53) into {@code out}; each coordinate is in [0, 1). */
    public void point(long index, double[] out) {
        if (index < 0 || index >= 1L << 53) {
            throw new IllegalArgumentException("Halton index " + index + " outside [0, 2^53)");
        }
        for (int d = 0; d < dimension; d++) {
            int b = bases[d];
            int n = digits[d];
            int[] ds = new int[n];
            long i = index;
            for (int j = 0; j < n && i != 0; j++) {
                ds[j] = (int) (i % b);
                i /= b;
            }
            double x = 0;
            for (int j = n - 1; j >= 0; j--) {
                int digit = perms == null ? ds[j] : perms[d][j][ds[j]];
                x = (x + digit) / b;
            }
            out[d] = x < 1.0 ? x : Math.nextDown(1.0);
        }
    }

    /** Point number {@code index}. */
    public double[] point(long index) {
        double[] out = new double[dimension];
        point(index, out);
        return out;
    }

    /** The radical inverse of {@code i} in base {@code b} (unscrambled van der Corput). */
    public static double radicalInverse(long i, int b) {
        double x = 0;
        double f = 1.0 / b;
        while (i > 0) {
            x += (i % b) * f;
            i /= b;
            f /= b;
        }
        return x;
    }

    static int[] primes(int n) {
        int[] out = new int[n];
        int count = 0;
        for (int c = 2; count < n; c++) {
            boolean prime = true;
            for (int j = 0; j < count && out[j] * out[j] <= c; j++) {
                if (c % out[j] == 0) {
                    prime = false;
                    break;
                }
            }
            if (prime) out[count++] = c;
        }
        return out;
    }
}
