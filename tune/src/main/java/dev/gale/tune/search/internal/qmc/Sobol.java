package dev.gale.tune.search.internal.qmc;

import java.util.SplittableRandom;

/**
 * The Sobol sequence in Gray-code order (as scipy's {@code qmc.Sobol} and Joe and Kuo's code) with
 * direction numbers from {@link JoeKuo}, optionally scrambled by a random linear matrix scramble
 * (a lower-triangular binary matrix with unit diagonal per dimension, applied to the direction
 * numbers) followed by a random digital shift, as scipy does with {@code scramble=True}. Both keep
 * the (t, m, s)-net property: for {@code n = 2^k} consecutive points starting at a multiple of
 * {@code 2^k}, each of the {@code 2^k} equal intervals of every one-dimensional projection holds
 * exactly one point.
 *
 * <p>Points have {@value #BITS} bits and are computed by random access ({@link #point(long, double[])}),
 * so a generator is stateless apart from its scramble; immutable and thread-safe. Not API.
 */
public final class Sobol {

    /** Bits per coordinate; indices must be below 2^BITS. */
    public static final int BITS = 52;
    /** The largest supported dimension. */
    public static final int MAX_DIMENSION = JoeKuo.MAX_DIMENSION;

    private static final double SCALE = 0x1p-52;

    private final int dimension;
    /** direction[d][k]: the direction number for bit k (0-based) of the Gray code, as a BITS-bit integer. */
    private final long[][] direction;
    private final long[] shift;

    /**
     * @param dimension 0 to {@link #MAX_DIMENSION}
     * @param scramble  whether to apply linear matrix scrambling and a digital shift
     * @param seed      seeds the scramble (ignored without it)
     */
    public Sobol(int dimension, boolean scramble, long seed) {
        if (dimension < 0 || dimension > MAX_DIMENSION) {
            throw new IllegalArgumentException("Sobol supports 1 to " + MAX_DIMENSION + " dimensions (Joe-Kuo direction numbers"
                    + " embedded in Gale), got " + dimension + ": use the Halton kind, or fewer parameters");
        }
        this.dimension = dimension;
        this.direction = new long[dimension][];
        this.shift = new long[dimension];
        for (int d = 0; d < dimension; d++) {
            direction[d] = directionNumbers(d + 1);
        }
        if (scramble) {
            SplittableRandom rng = new SplittableRandom(seed ^ 0x5DEECE66DL * 0x9E3779B97F4A7C15L);
            for (int d = 0; d < dimension; d++) {
                long[] rows = lowerTriangular(rng);
                for (int k = 0; k < BITS; k++) {
                    direction[d][k] = multiply(rows, direction[d][k]);
                }
                shift[d] = rng.nextLong() >>> (64 - BITS);
            }
        }
    }

    /** The number of coordinates of each point. */
    public int dimension() {
        return dimension;
    }

    /**
     * Writes point number {@code index} (from 0) into {@code out[0..dimension)}; each coordinate is
     * in [0, 1).
     */
    public void point(long index, double[] out) {
        if (index < 0 || index >= 1L << BITS) {
            throw new IllegalArgumentException("Sobol index " + index + " outside [0, 2^" + BITS + ")");
        }
        long gray = index ^ (index >>> 1);
        for (int d = 0; d < dimension; d++) {
            long x = shift[d];
            long g = gray;
            long[] v = direction[d];
            while (g != 0) {
                int k = Long.numberOfTrailingZeros(g);
                x ^= v[k];
                g &= g - 1;
            }
            out[d] = x * SCALE;
        }
    }

    /** Point number {@code index}. */
    public double[] point(long index) {
        double[] out = new double[dimension];
        point(index, out);
        return out;
    }

    /** Direction numbers V_1..V_BITS of dimension {@code dim} (from 1), scaled to BITS bits. */
    static long[] directionNumbers(int dim) {
        long[] v = new long[BITS];
        if (dim == 1) {
            for (int k = 0; k < BITS; k++) v[k] = 1L << (BITS - 1 - k);
            return v;
        }
        int[] e = JoeKuo.entry(dim);
        int s = e[0];
        int a = e[1];
        for (int k = 0; k < Math.min(s, BITS); k++) {
            v[k] = (long) e[2 + k] << (BITS - 1 - k);
        }
        for (int k = s; k < BITS; k++) {
            long x = v[k - s] ^ (v[k - s] >>> s);
            for (int i = 1; i < s; i++) {
                if (((a >>> (s - 1 - i)) & 1) != 0) x ^= v[k - i];
            }
            v[k] = x;
        }
        return v;
    }

    /**
     * A random lower-triangular BITS × BITS binary matrix with unit diagonal, in digit order (digit
     * 1 is the most significant bit): rows[i] is the mask producing output digit i + 1, which
     * depends only on input digits 1 to i + 1.
     */
    private static long[] lowerTriangular(SplittableRandom rng) {
        long[] rows = new long[BITS];
        for (int i = 0; i < BITS; i++) {
            long diag = 1L << (BITS - 1 - i);
            long above = -(diag << 1) & ((1L << BITS) - 1); // bits of digits 1..i
            rows[i] = diag | (rng.nextLong() & above);
        }
        return rows;
    }

    private static long multiply(long[] rows, long v) {
        long out = 0;
        for (int i = 0; i < BITS; i++) {
            if ((Long.bitCount(rows[i] & v) & 1) != 0) out |= 1L << (BITS - 1 - i);
        }
        return out;
    }
}
