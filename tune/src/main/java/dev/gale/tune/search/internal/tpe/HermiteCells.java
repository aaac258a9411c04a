package dev.gale.tune.search.internal.tpe;

import java.util.Arrays;

/**
 * Gaussian kernels of one common bandwidth {@code s0} summed by cells of half that bandwidth:
 * each cell keeps the first {@link #P} moments of its kernels about the cell's centre, and its
 * contribution at x is a {@code P}-term Hermite expansion (one exp per cell instead of one per
 * kernel), with a rigorous bound of the truncation (Cramér's inequality) and of the cells too far
 * to visit.
 *
 * <p>The moments are kept in three weight classes so that weights which move with the kernel
 * count need no recomputation of the cells: a kernel of the ramp class with rank r weighs
 * {@code alpha + beta·r} (Optuna's default weights, old observations), one of the flat class weighs
 * 1 (or its own weight when the caller folds it in). {@link #prepare} combines them for the current
 * alpha, beta and scale. The owner fills a cell with {@link #store} whenever its kernels change.
 */
final class HermiteCells {
    /** Terms of each cell's Hermite expansion. */
    static final int P = 6;
    /** Cell width in units of the common bandwidth (so |u| ≤ 1/4 within a cell). */
    static final double CELL = 0.5;
    /** Cells evaluated on each side of the query's cell (beyond: bounded, 10.5 bandwidths away). */
    private static final int WINDOW = 21;
    /** Cramér's bound: |He_k(t)| ≤ CRAMER · √(k!) · e^{t²/4}. */
    private static final double CRAMER = 1.0865;
    static final double[] INV_FACT = new double[P];
    /** Σ_{k ≥ P} r^k / √k! ≤ r^P / √P! / (1 − r / √(P+1)) for r = 1/4, times Cramér's constant, with 1 % to spare. */
    private static final double HERM_BOUND;
    /** A kernel more than WINDOW cells away weighs at most e^{-far²/2} of its mass at x. */
    private static final double SKIP_FACTOR = Math.exp(-0.5 * (WINDOW * CELL) * (WINDOW * CELL));

    static {
        double f = 1;
        for (int k = 0; k < P; k++) {
            if (k > 0) f *= k;
            INV_FACT[k] = 1.0 / f;
        }
        double rMax = 0.25 * (1 + 1e-9);
        double sqrtFact = Math.sqrt(1.0 / INV_FACT[P - 1] * P);
        HERM_BOUND = CRAMER * Math.pow(rMax, P) / sqrtFact / (1 - rMax / Math.sqrt(P + 1)) * 1.01;
    }

    private double s0, invS0, cellW, lo;
    private int nb;
    private double[] ramp0 = new double[0];  // [b * P + k]: Σ t u^k / k! over the ramp class
    private double[] ramp1 = new double[0];  // [b * P + k]: Σ r t u^k / k! over the ramp class
    private double[] flat = new double[0];   // [b * P + k]: Σ t u^k / k! over the flat class
    private double[] cellA = new double[0];  // combined: [b * P + k]
    private double[] cellM0 = new double[0]; // combined Σ a per cell
    private double[] cellPre = new double[0]; // prefix sums of cellM0 (nb + 1)
    private boolean prepared;

    /** Empties the cells for kernels of bandwidth {@code s0} on {@code [lo, lo + span]}. */
    void reset(double s0, double lo, double span) {
        this.s0 = s0;
        this.invS0 = 1.0 / s0;
        this.cellW = CELL * s0;
        this.lo = lo;
        nb = Math.max(1, (int) Math.ceil(span / cellW));
        if (cellM0.length < nb) {
            ramp0 = new double[nb * P];
            ramp1 = new double[nb * P];
            flat = new double[nb * P];
            cellA = new double[nb * P];
            cellM0 = new double[nb];
            cellPre = new double[nb + 1];
        } else {
            Arrays.fill(ramp0, 0, nb * P, 0);
            Arrays.fill(ramp1, 0, nb * P, 0);
            Arrays.fill(flat, 0, nb * P, 0);
        }
        prepared = false;
    }

    double bandwidth() {
        return s0;
    }

    int cells() {
        return nb;
    }

    /** The cell of a kernel at {@code mu} (non-decreasing in mu). */
    int cellOf(double mu) {
        int b = (int) ((mu - lo) / cellW);
        return b >= nb ? nb - 1 : Math.max(b, 0);
    }

    /** The position of {@code mu} relative to cell b's centre, in bandwidths (|u| ≤ 1/4 inside it). */
    double offset(int b, double mu) {
        return (mu - (lo + (b + 0.5) * cellW)) * invS0;
    }

    /**
     * Sets cell b's moments: {@code r0[k]}, {@code r1[k]} and {@code f[k]} are Σ t·u^k, Σ r·t·u^k
     * (ramp class) and Σ t·u^k (flat class) over its kernels, not yet divided by k!.
     */
    void store(int b, double[] r0, double[] r1, double[] f) {
        int o = b * P;
        for (int k = 0; k < P; k++) {
            ramp0[o + k] = r0[k] * INV_FACT[k];
            ramp1[o + k] = r1[k] * INV_FACT[k];
            flat[o + k] = f[k] * INV_FACT[k];
        }
        prepared = false;
    }

    /** Marks the combined sums stale (the weights or the scale changed). */
    void invalidate() {
        prepared = false;
    }

    /** Whether {@link #prepare} must run before {@link #eval}. */
    boolean prepared() {
        return prepared;
    }

    /** Combines the classes: a ramp kernel of rank r weighs alpha + beta·r, a flat one 1; all times scale. */
    void prepare(double alpha, double beta, double scale) {
        cellPre[0] = 0;
        for (int b = 0; b < nb; b++) {
            int o = b * P;
            for (int k = 0; k < P; k++) cellA[o + k] = (alpha * ramp0[o + k] + beta * ramp1[o + k] + flat[o + k]) * scale;
            // an upper bound of the cell's mass (each class's k = 0 sum is of positive terms)
            double m0 = Math.max(0, cellA[o]) * (1 + 1e-12);
            cellM0[b] = m0;
            cellPre[b + 1] = cellPre[b] + m0;
        }
        prepared = true;
    }

    /** The bound of the last {@link #eval}: the cells' true sum lies within ± this of its value. */
    double error;

    /** Σ over the cells of their kernels' densities at x (after {@link #prepare}); sets {@link #error}. */
    double eval(double x) {
        int bx = (int) Math.floor((x - lo) / cellW);
        int from = Math.max(0, bx - WINDOW);
        int to = Math.min(nb - 1, bx + WINDOW);
        double tailMass = 0; // Σ M0 e^{-t²/4} over the visited cells
        double cells = 0;
        if (from <= to) {
            for (int b = from; b <= to; b++) {
                double m0 = cellM0[b];
                if (m0 == 0) continue;
                double t = (x - (lo + (b + 0.5) * cellW)) * invS0;
                double t2 = t * t;
                double e = TpeMath.expNegHalf(t2);
                int o = b * P;
                double h0 = 1, h1 = t;
                double acc = cellA[o] + cellA[o + 1] * t;
                for (int k = 2; k < P; k++) {
                    double h2 = t * h1 - (k - 1) * h0;
                    acc += cellA[o + k] * h2;
                    h0 = h1;
                    h1 = h2;
                }
                cells += e * acc;
                tailMass += m0 * (t2 < 256 ? Math.sqrt(e) : Math.exp(-0.25 * t2));
            }
        }
        double skipped = cellPre[nb] - (from <= to ? cellPre[to + 1] - cellPre[from] : 0);
        error = HERM_BOUND * tailMass + skipped * SKIP_FACTOR;
        return cells;
    }
}
