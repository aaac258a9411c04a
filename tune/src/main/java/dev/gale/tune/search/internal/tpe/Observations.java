package dev.gale.tune.search.internal.tpe;

import java.util.Arrays;

/**
 * Completed trials on the internal scale, in completion order: for observation {@code i},
 * {@code value(d, i)} is parameter {@code d}'s value (NaN when the trial did not have that
 * parameter, as with conditional parameters) and {@code loss(i)} the loss to minimize.
 *
 * <p>Kept incrementally so that a suggestion needs no sorting: the observation indices ordered by
 * loss (ties in completion order), and, per parameter, the indices of the observations that have
 * it, ordered by value (ties in completion order). Adding is O(n) (array shifts).
 */
public final class Observations {
    private final int dims;
    private int n;
    private double[][] values; // [dim][obs]
    private double[] loss;
    private int[] byLoss;
    private int[][] byValue; // [dim][rank] -> obs
    private final int[] present; // per dim, how many observations have it

    public Observations(int dims) {
        this.dims = dims;
        int cap = 16;
        values = new double[dims][cap];
        loss = new double[cap];
        byLoss = new int[cap];
        byValue = new int[dims][cap];
        present = new int[dims];
    }

    /** Adds a completed trial: {@code x[d]} NaN where it lacks parameter d; {@code lossValue} finite. */
    public void add(double[] x, double lossValue) {
        if (x.length != dims) throw new IllegalArgumentException("expected " + dims + " values, got " + x.length);
        if (n == loss.length) grow();
        int i = n;
        loss[i] = lossValue;
        int pos = upperBound(byLoss, n, lossValue);
        System.arraycopy(byLoss, pos, byLoss, pos + 1, n - pos);
        byLoss[pos] = i;
        for (int d = 0; d < dims; d++) {
            double v = x[d];
            values[d][i] = v;
            if (Double.isNaN(v)) continue;
            int[] order = byValue[d];
            int m = present[d];
            int lo = 0, hi = m;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (values[d][order[mid]] <= v) lo = mid + 1; else hi = mid;
            }
            System.arraycopy(order, lo, order, lo + 1, m - lo);
            order[lo] = i;
            present[d] = m + 1;
        }
        n++;
    }

    private int upperBound(int[] order, int m, double key) {
        int lo = 0, hi = m;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (loss[order[mid]] <= key) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    private void grow() {
        int cap = loss.length * 2;
        for (int d = 0; d < dims; d++) {
            values[d] = Arrays.copyOf(values[d], cap);
            byValue[d] = Arrays.copyOf(byValue[d], cap);
        }
        loss = Arrays.copyOf(loss, cap);
        byLoss = Arrays.copyOf(byLoss, cap);
    }

    public int size() {
        return n;
    }

    public int dims() {
        return dims;
    }

    public double value(int d, int i) {
        return values[d][i];
    }

    public double loss(int i) {
        return loss[i];
    }

    /** The observation with the {@code rank}-th smallest loss (0 = best). */
    int byLoss(int rank) {
        return byLoss[rank];
    }

    /** How many observations have parameter {@code d}. */
    int present(int d) {
        return present[d];
    }

    /** The observation holding the {@code rank}-th smallest value of parameter d among those that have it. */
    int byValue(int d, int rank) {
        return byValue[d][rank];
    }

    /** The value column of parameter d (length ≥ size(); do not modify). */
    double[] column(int d) {
        return values[d];
    }
}
