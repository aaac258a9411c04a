package dev.gale.tune.search.internal.gp;

import java.util.List;

/**
 * The trust region of GP-BO, TuRBO-1 style (Eriksson et al., NeurIPS 2019): its edge length in
 * unit coordinates, its success and failure counts, and the best loss seen, with TuRBO's update
 * after each completed observation and the box it allows around a centre.
 *
 * <p>Promises: the edge starts at {@link #INIT}; three improving observations in a row double it
 * (up to {@link #MAX}, which means the whole box: the region is off), as many non-improving ones
 * as numeric inputs (at least 4) halve it, and below {@link #MIN} it starts again at
 * {@link #INIT}. Categorical inputs are never restricted. {@link #save} and {@link #restore}
 * carry the state exactly.
 */
public final class TrustRegion {
    /** The initial edge length. */
    public static final double INIT = 0.8;
    /** The largest edge length: at it the region is the whole box. */
    public static final double MAX = 1.6;
    /** Below this edge length the region starts again at {@link #INIT}. */
    public static final double MIN = Math.pow(0.5, 7);

    /** Edge length in unit coordinates (≥ {@link #MAX}: off), success and failure counts, best loss seen. */
    private double trLength = INIT;
    private int trSucc;
    private int trFail;
    private double trBest = Double.POSITIVE_INFINITY;

    /** A region of edge {@link #INIT}, no successes or failures, no loss seen. */
    public TrustRegion() {
    }

    /**
     * Narrows {@code [lo, hi]} to the trust region's box around {@code center}: edge
     * {@code trLength} scaled per numeric input by its length scale (from {@code gp}'s θ) over their
     * geometric mean (TuRBO's weighting), clipped to [0, 1]; categorical inputs unrestricted.
     * Leaves the bounds as given (the whole box) while trLength ≥ {@link #MAX}.
     */
    public void box(GaussianProcess gp, boolean[] categoricalInput, int dims, double[] center, double[] lo, double[] hi) {
        if (trLength >= MAX) return;
        double[] th = gp.theta();
        double logMean = 0;
        int k = 0;
        for (int j = 0; j < dims; j++) {
            if (!categoricalInput[j]) {
                logMean += th[j];
                k++;
            }
        }
        if (k == 0) return;
        logMean /= k;
        for (int j = 0; j < dims; j++) {
            if (categoricalInput[j]) continue;
            double w = Math.exp(th[j] - logMean);
            double half = 0.5 * trLength * Math.max(0.25, Math.min(4, w));
            lo[j] = Math.max(0, center[j] - half);
            hi[j] = Math.min(1, center[j] + half);
        }
    }

    /**
     * TuRBO's update after a completed observation with loss {@code y}. When {@code adapt} is false
     * (the region is off, or the trial was a startup trial) only the best loss is tracked.
     */
    public void update(double y, boolean adapt, boolean[] categoricalInput) {
        if (!adapt) {
            trBest = Math.min(trBest, y);
            return;
        }
        if (y < trBest - 1e-3 * Math.abs(trBest)) {
            trSucc++;
            trFail = 0;
        } else {
            trFail++;
            trSucc = 0;
        }
        trBest = Math.min(trBest, y);
        int numeric = 0;
        for (boolean c : categoricalInput) if (!c) numeric++;
        if (trSucc >= 3) {
            trLength = Math.min(MAX, 2 * trLength);
            trSucc = 0;
        } else if (trFail >= Math.max(4, numeric)) {
            trLength /= 2;
            trFail = 0;
        }
        if (trLength < MIN) trLength = INIT;
    }

    /** {@code [length, successes, failures, best]}, the best as a string ("inf" before any loss). */
    public List<Object> save() {
        return List.of(trLength, trSucc, trFail, trBest == Double.POSITIVE_INFINITY ? "inf" : Double.toString(trBest));
    }

    /** Restores what {@link #save} wrote. */
    public void restore(List<?> tr) {
        trLength = ((Number) tr.get(0)).doubleValue();
        trSucc = ((Number) tr.get(1)).intValue();
        trFail = ((Number) tr.get(2)).intValue();
        trBest = "inf".equals(tr.get(3)) ? Double.POSITIVE_INFINITY : Double.parseDouble((String) tr.get(3));
    }
}
