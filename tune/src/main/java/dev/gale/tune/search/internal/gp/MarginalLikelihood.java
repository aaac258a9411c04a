package dev.gale.tune.search.internal.gp;

import static dev.gale.tune.search.internal.gp.CholeskyAlgebra.cholesky;
import static dev.gale.tune.search.internal.gp.CholeskyAlgebra.dot;
import static dev.gale.tune.search.internal.gp.CholeskyAlgebra.inverseFromCholesky;
import static dev.gale.tune.search.internal.gp.CholeskyAlgebra.solve;
import static dev.gale.tune.search.internal.gp.Matern52.SQRT5;

/**
 * The objective that {@link GaussianProcess#fit} minimizes over the hyperparameters
 * {@code θ = (log ℓ_1..ℓ_d, log σf², log σn², log a.., log b..)}: the negative log marginal
 * likelihood of standardized targets under the Matérn-5/2 kernel (warped inputs warped by θ's
 * Kumaraswamy shapes first) plus, by default, the negative log of Optuna's hyperparameter prior,
 * with its analytic gradient.
 *
 * <p>Promises: keeps no data between calls (a function of its arguments and the prior switch);
 * a kernel matrix that is not positive definite gives {@code +∞} and a zero gradient. Not
 * thread-safe (the prior switch).
 */
final class MarginalLikelihood {
    /** Variance of the normal prior on log a and log b (BoTorch's LogNormal(0, 0.75) concentrations). */
    static final double WARP_PRIOR_VAR = 0.75;
    private final int d;
    /** The warped inputs' indices; θ holds (log a, log b) of warped input k at d + 2 + k and d + 2 + w + k. */
    private final int[] warped;
    private final int w;
    /** Whether the fit maximizes the posterior under {@link #negLogPrior} (default) or the likelihood alone. */
    private boolean usePrior = true;

    /** The objective for {@code d} inputs of which those listed in {@code warped} are warped (the array is kept, not copied). */
    MarginalLikelihood(int d, int[] warped) {
        this.d = d;
        this.warped = warped;
        this.w = warped.length;
    }

    /** Turns the hyperparameter prior on (default) or off (maximum likelihood). */
    void usePrior(boolean on) {
        this.usePrior = on;
    }

    /** −log p(y | X, θ) and its gradient with respect to θ. */
    double negLogLikelihood(double[][] raw, double[] ys, int n, double[] th, double[] grad) {
        // with warping: the warped rows, and per warped input the derivatives of each row's value by log a and log b
        double[][] xs = raw;
        double[][] dA = null;
        double[][] dB = null;
        if (w > 0) {
            xs = new double[n][];
            dA = new double[n][w];
            dB = new double[n][w];
            double[] o = new double[3];
            for (int i = 0; i < n; i++) {
                double[] r = raw[i].clone();
                for (int q = 0; q < w; q++) {
                    int j = warped[q];
                    Kumaraswamy.warpWithGradient(r[j], Math.exp(th[d + 2 + q]), Math.exp(th[d + 2 + w + q]), o);
                    r[j] = o[0];
                    dA[i][q] = o[1];
                    dB[i][q] = o[2];
                }
                xs[i] = r;
            }
        }
        double[][] k = kernelMatrix(xs, n, th);
        double[][] l = cholesky(k, n);
        if (l == null) {
            java.util.Arrays.fill(grad, 0);
            return Double.POSITIVE_INFINITY;
        }
        double[] a = solve(l, ys, n);
        double nll = 0.5 * dot(ys, a, n) + 0.9189385332046727 * n;
        for (int i = 0; i < n; i++) nll += Math.log(l[i][i]);
        // W = K^-1 - a a^T ; dNLL/dθ = 0.5 tr(W dK/dθ)
        double[][] kinv = inverseFromCholesky(l, n);
        double s2 = Math.exp(th[d]);
        double sn2 = Math.exp(th[d + 1]);
        java.util.Arrays.fill(grad, 0);
        double[] inv2 = new double[d];
        for (int j = 0; j < d; j++) inv2[j] = Math.exp(-2 * th[j]);
        for (int i = 0; i < n; i++) {
            double[] xi = xs[i];
            for (int m = 0; m < i; m++) {
                double wim = kinv[i][m] - a[i] * a[m];
                double[] xm = xs[m];
                double r2 = 0;
                for (int j = 0; j < d; j++) {
                    double dz = xi[j] - xm[j];
                    r2 += dz * dz * inv2[j];
                }
                double r = Math.sqrt(r2);
                double e = Math.exp(-SQRT5 * r);
                double kv = s2 * (1 + SQRT5 * r + 5.0 / 3.0 * r2) * e;
                double common = 5.0 / 3.0 * s2 * (1 + SQRT5 * r) * e;
                // symmetric pair counted twice: factor 2 × 0.5 = 1
                grad[d] += wim * kv;
                for (int j = 0; j < d; j++) {
                    double dz = xi[j] - xm[j];
                    grad[j] += wim * common * dz * dz * inv2[j];
                }
                // dk/dr² = −common/2 and dr²/dφ = 2 dz/ℓ² (dw_i/dφ − dw_m/dφ) for a warp parameter φ
                for (int q = 0; q < w; q++) {
                    int j = warped[q];
                    double g = -wim * common * (xi[j] - xm[j]) * inv2[j];
                    grad[d + 2 + q] += g * (dA[i][q] - dA[m][q]);
                    grad[d + 2 + w + q] += g * (dB[i][q] - dB[m][q]);
                }
            }
            double wii = kinv[i][i] - a[i] * a[i];
            grad[d] += 0.5 * wii * s2;
            grad[d + 1] += 0.5 * wii * sn2;
        }
        if (usePrior) nll += negLogPrior(th, grad);
        return nll;
    }

    /**
     * −log of Optuna's default hyperparameter prior (up to a constant), added to {@code grad}:
     * for each inverse squared length scale λ = 1/ℓ², {@code −(0.1/λ + 0.1 λ)}; a Gamma(2, 1)
     * prior on the kernel scale σf²; a Gamma(1.1, 30) prior on the noise variance σn². It keeps
     * length scales near the unit box's size unless the data insist (so one early fit cannot
     * switch a parameter off for good) and the noise small.
     */
    double negLogPrior(double[] th, double[] grad) {
        double p = 0;
        for (int j = 0; j < d; j++) {
            double ell2 = Math.exp(2 * th[j]);
            p += 0.1 * ell2 + 0.1 / ell2;
            grad[j] += 0.2 * ell2 - 0.2 / ell2;
        }
        double sf = Math.exp(th[d]);
        p += -th[d] + sf;
        grad[d] += -1 + sf;
        double sn = Math.exp(th[d + 1]);
        p += -0.1 * th[d + 1] + 30 * sn;
        grad[d + 1] += -0.1 + 30 * sn;
        for (int k = d + 2; k < d + 2 + 2 * w; k++) {
            p += 0.5 * th[k] * th[k] / WARP_PRIOR_VAR;
            grad[k] += th[k] / WARP_PRIOR_VAR;
        }
        return p;
    }

    /** The lower triangle (rows of length i + 1) of the kernel matrix plus noise for θ = {@code th}. */
    private double[][] kernelMatrix(double[][] xs, int n, double[] th) {
        double s2 = Math.exp(th[d]);
        double sn2 = Math.exp(th[d + 1]);
        double[] inv = new double[d];
        for (int j = 0; j < d; j++) inv[j] = Math.exp(-th[j]);
        double[][] k = new double[n][];
        for (int i = 0; i < n; i++) {
            double[] ki = new double[i + 1];
            for (int j = 0; j < i; j++) ki[j] = Matern52.k(xs[i], xs[j], inv, s2, d);
            ki[i] = s2 + sn2 + 1e-8;
            k[i] = ki;
        }
        return k;
    }
}
