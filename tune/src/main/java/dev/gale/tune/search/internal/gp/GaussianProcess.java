package dev.gale.tune.search.internal.gp;

import static dev.gale.tune.search.internal.gp.CholeskyAlgebra.dot;
import static dev.gale.tune.search.internal.gp.CholeskyAlgebra.solve;
import static dev.gale.tune.search.internal.gp.Matern52.SQRT5;

/**
 * A Gaussian process on {@code [0,1]^d} with a Matérn-5/2 ARD kernel and Gaussian noise:
 * {@code k(x,x') = σf²·(1 + √5 r + 5r²/3)·exp(−√5 r)}, {@code r² = Σ_j ((x_j − x'_j)/ℓ_j)²}.
 * Hyperparameters {@code θ = (log ℓ_1..ℓ_d, log σf², log σn²)} are fitted by maximizing the log
 * marginal likelihood (analytic gradient, box-bounded L-BFGS from the previous θ). Targets are
 * standardized by the caller. Optionally chosen inputs are first warped by a Kumaraswamy CDF
 * {@code 1 − (1 − x^a)^b} whose shapes (log a, log b per warped input, prior N(0, 0.75) each,
 * within [0.2, 5]) are fitted with the other hyperparameters; the caller always passes unwarped
 * points in [0, 1]. Not thread-safe.
 */
public final class GaussianProcess {
    /** Bounds of the Kumaraswamy shapes a and b. */
    static final double WARP_MIN = 0.2;
    static final double WARP_MAX = 5;
    private final int d;
    /** The warped inputs' indices; θ holds (log a, log b) of warped input k at d + 2 + k and d + 2 + w + k. */
    private final int[] warped;
    private final int w;
    /** Per warped input, the current a and b. */
    private final double[] warpA;
    private final double[] warpB;
    /** Scratch for one warped point (predictions). */
    private final double[] pointBuf;
    private final double[] lo;
    private final double[] hi;
    private double[] theta;
    private double[][] x;
    private double[] y;
    private int n;
    private double[][] chol;
    private double[] alpha;
    /** Per input, 1 / ℓ_j and 1 / ℓ_j² for the current θ; σf². */
    private final double[] invEll;
    private final double[] invEll2;
    private double sf2;
    /** The fitting objective: −log marginal likelihood (plus prior) of θ and its gradient. */
    private final MarginalLikelihood objective;

    /** A GP over {@code d} inputs with default hyperparameters (ℓ = 0.5, σf² = 1, σn² = 1e-3). */
    public GaussianProcess(int d) {
        this(d, null);
    }

    /**
     * A GP over {@code d} inputs whose inputs {@code j} with {@code warp[j]} are warped (null: none),
     * starting from the identity warping (a = b = 1).
     */
    public GaussianProcess(int d, boolean[] warp) {
        this.d = d;
        this.warped = warp == null ? new int[0]
                : java.util.stream.IntStream.range(0, Math.min(d, warp.length)).filter(j -> warp[j]).toArray();
        this.w = warped.length;
        this.warpA = new double[w];
        this.warpB = new double[w];
        int p = d + 2 + 2 * w;
        this.theta = new double[p];
        this.lo = new double[p];
        this.hi = new double[p];
        for (int k = d + 2; k < p; k++) {
            lo[k] = Math.log(WARP_MIN);
            hi[k] = Math.log(WARP_MAX);
        }
        for (int j = 0; j < d; j++) {
            theta[j] = Math.log(0.5);
            lo[j] = Math.log(0.01);
            hi[j] = Math.log(20);
        }
        theta[d] = 0;
        lo[d] = Math.log(0.05);
        hi[d] = Math.log(20);
        theta[d + 1] = Math.log(1e-3);
        lo[d + 1] = Math.log(1e-6);
        hi[d + 1] = Math.log(1);
        invEll = new double[d];
        invEll2 = new double[d];
        pointBuf = new double[d];
        objective = new MarginalLikelihood(d, warped);
        scales();
    }

    /** Number of warped inputs. */
    public int warpedInputs() {
        return w;
    }

    /** Recomputes the cached scales from θ. */
    private void scales() {
        for (int j = 0; j < d; j++) {
            invEll[j] = Math.exp(-theta[j]);
            invEll2[j] = invEll[j] * invEll[j];
        }
        sf2 = Math.exp(theta[d]);
        for (int k = 0; k < w; k++) {
            warpA[k] = Math.exp(theta[d + 2 + k]);
            warpB[k] = Math.exp(theta[d + 2 + w + k]);
        }
    }

    /** {@code p} with its warped inputs warped under the current θ (a shared buffer; {@code p} itself without warping). */
    private double[] warpPoint(double[] p) {
        if (w == 0) return p;
        System.arraycopy(p, 0, pointBuf, 0, d);
        for (int k = 0; k < w; k++) {
            int j = warped[k];
            pointBuf[j] = Kumaraswamy.warp(p[j], warpA[k], warpB[k]);
        }
        return pointBuf;
    }

    /** The rows {@code xs[0..n)} warped under the current θ; rows {@code [0, keep)} are taken from {@code previous}. */
    private double[][] warpRows(double[][] xs, int n, double[][] previous, int keep) {
        if (w == 0) return xs;
        double[][] out = new double[n][];
        for (int i = 0; i < n; i++) {
            if (i < keep) {
                out[i] = previous[i];
                continue;
            }
            double[] r = xs[i].clone();
            for (int k = 0; k < w; k++) {
                int j = warped[k];
                r[j] = Kumaraswamy.warp(r[j], warpA[k], warpB[k]);
            }
            out[i] = r;
        }
        return out;
    }

    /** The hyperparameters (log scale), for saving. */
    public double[] theta() {
        return theta.clone();
    }

    /** Sets the hyperparameters (log scale). */
    public void theta(double[] t) {
        if (t.length != d + 2 + 2 * w) throw new IllegalArgumentException("theta has " + t.length + " entries, expected " + (d + 2 + 2 * w));
        this.theta = t.clone();
        scales();
    }

    /** Fits θ to {@code (xs, ys)} (ys standardized), starting from the current θ, then conditions on the data. */
    public void fit(double[][] xs, double[] ys, int n, int maxIter) {
        double[] t = theta.clone();
        double[] work = new double[theta.length];
        Lbfgs.minimize((th, grad) -> objective.negLogLikelihood(xs, ys, n, th, grad), t, lo, hi, maxIter, 6);
        double f = objective.negLogLikelihood(xs, ys, n, t, work);
        if (Double.isFinite(f)) {
            theta = t;
            scales();
        }
        condition(xs, ys, n);
    }

    /** The rows and θ the current factorization was computed for (to extend it instead of redoing it). */
    private double[][] cholRows = new double[0][];
    private double[] cholTheta;

    /**
     * Conditions on {@code (xs, ys)} with the current θ (no fitting). When θ is unchanged, the
     * Cholesky rows of the longest prefix of {@code xs} that is the same arrays as last time are
     * kept and only the new rows are computed (O(n²) each instead of O(n³) in all).
     */
    public void condition(double[][] xs, double[] ys, int n) {
        this.y = ys;
        this.n = n;
        int keep = 0;
        if (chol != null && java.util.Arrays.equals(theta, cholTheta)) {
            int max = Math.min(n, cholRows.length);
            while (keep < max && cholRows[keep] == xs[keep]) keep++;
        }
        double[][] xw = warpRows(xs, n, this.x, keep);
        this.x = xw;
        double[][] l = extend(xw, n, keep);
        if (l == null) l = extend(xw, n, 0);
        this.chol = l;
        this.cholRows = java.util.Arrays.copyOf(xs, n);
        this.cholTheta = theta.clone();
        this.alpha = solve(chol, ys, n);
    }

    /** Cholesky rows [keep, n) appended to the kept rows of the current factor; jitter grows on failure. */
    private double[][] extend(double[][] xs, int n, int keep) {
        double sn2 = Math.exp(theta[d + 1]);
        for (double jitter = 1e-8; jitter < 1; jitter *= 100) {
            double[][] l = new double[n][];
            for (int i = 0; i < keep; i++) l[i] = chol[i];
            boolean ok = true;
            for (int i = keep; i < n && ok; i++) {
                double[] li = new double[i + 1];
                l[i] = li;
                for (int j = 0; j <= i; j++) {
                    double a = i == j ? sf2 + sn2 + jitter : k(xs[i], xs[j]);
                    double[] lj = j == i ? li : l[j];
                    double s = a - dot(li, lj, j);
                    if (i == j) {
                        if (!(s > 0)) {
                            ok = false;
                            break;
                        }
                        li[i] = Math.sqrt(s);
                    } else {
                        li[j] = s / lj[j];
                    }
                }
            }
            if (ok) return l;
            if (keep > 0) return null; // the kept rows used a smaller jitter: redo from scratch
        }
        throw new IllegalStateException("the GP kernel matrix is not positive definite even with jitter");
    }

    /** Posterior mean and variance of the latent function at {@code p}: {@code out[0]}, {@code out[1]}. */
    public void predict(double[] p, double[] kStar, double[] v, double[] out) {
        predictWarped(warpPoint(p), kStar, v, out);
    }

    /** {@link #predict} at a point already warped. */
    private void predictWarped(double[] p, double[] kStar, double[] v, double[] out) {
        double mean = 0;
        for (int i = 0; i < n; i++) {
            kStar[i] = k(p, x[i]);
            mean += kStar[i] * alpha[i];
        }
        // v = L^-1 k*
        double vv = 0;
        for (int i = 0; i < n; i++) {
            double[] li = chol[i];
            double vi = (kStar[i] - dot(li, v, i)) / li[i];
            v[i] = vi;
            vv += vi * vi;
        }
        out[0] = mean;
        out[1] = Math.max(sf2 - vv, 1e-12);
    }

    /**
     * Posterior mean and variance at {@code p} with their gradients with respect to {@code p}:
     * {@code out = {mean, var}}, {@code dMean[j]}, {@code dVar[j]}. Work arrays hold n entries.
     */
    public void predictWithGradient(double[] p, double[] kStar, double[] v, double[] u, double[] out,
                                    double[] dMean, double[] dVar) {
        double[] raw = p;
        p = warpPoint(raw);
        predictWarped(p, kStar, v, out);
        // u = L^-T v, so dVar/dp = -2 u^T dk*/dp (back substitution by rows of L)
        System.arraycopy(v, 0, u, 0, n);
        for (int k = n - 1; k >= 0; k--) {
            double[] lk = chol[k];
            double uk = u[k] / lk[k];
            u[k] = uk;
            for (int i = 0; i < k; i++) u[i] -= lk[i] * uk;
        }
        java.util.Arrays.fill(dMean, 0);
        java.util.Arrays.fill(dVar, 0);
        double[] inv2 = invEll2;
        for (int i = 0; i < n; i++) {
            double[] xi = x[i];
            double r2 = 0;
            for (int j = 0; j < d; j++) {
                double dz = p[j] - xi[j];
                r2 += dz * dz * inv2[j];
            }
            double r = Math.sqrt(r2);
            double g = -5.0 / 3.0 * sf2 * (1 + SQRT5 * r) * Math.exp(-SQRT5 * r); // dk/dp_j = g (p_j - x_ij)/l_j^2
            double am = alpha[i] * g;
            double uv = -2 * u[i] * g;
            for (int j = 0; j < d; j++) {
                double t = (p[j] - xi[j]) * inv2[j];
                dMean[j] += am * t;
                dVar[j] += uv * t;
            }
        }
        for (int k = 0; k < w; k++) { // chain rule through the warping
            int j = warped[k];
            double s = Kumaraswamy.slope(raw[j], warpA[k], warpB[k]);
            dMean[j] *= s;
            dVar[j] *= s;
        }
    }

    /** The kernel with the current θ. */
    private double k(double[] a, double[] b) {
        return Matern52.k(a, b, invEll, sf2, d);
    }

    /** Rows per chunk of {@link #predictBatch}: the chunk's n × B work matrix stays in cache. */
    private static final int BATCH = 32;
    private double[][] batchK = new double[0][];
    private double[] batchPs = new double[0];

    /**
     * Posterior mean and variance of the latent function at {@code count} points at once
     * ({@code mean[c]}, {@code var[c]} for point {@code ps[c]}): the same quantities as
     * {@link #predict}, with the triangular solves of a chunk of points done together so the
     * inner loops run over points (vectorizable) instead of one dot product per point.
     */
    public void predictBatch(double[][] ps, int count, double[] mean, double[] var) {
        if (batchPs.length < d * BATCH) batchPs = new double[d * BATCH];
        if (batchK.length < n) {
            double[][] grown = new double[Math.max(n, batchK.length * 2)][];
            for (int i = 0; i < grown.length; i++) grown[i] = i < batchK.length ? batchK[i] : new double[BATCH];
            batchK = grown;
        }
        double[][] kb = batchK; // row i: the chunk's values for observation i (separate arrays, so loops vectorize)
        double[] pj = batchPs;
        double[] r2 = new double[BATCH];
        double[] m = new double[BATCH];
        double[] vv = new double[BATCH];
        for (int c0 = 0; c0 < count; c0 += BATCH) {
            int cb = Math.min(BATCH, count - c0);
            for (int j = 0; j < d; j++) {
                for (int c = 0; c < cb; c++) pj[j * BATCH + c] = ps[c0 + c][j];
            }
            for (int k = 0; k < w; k++) {
                int base = warped[k] * BATCH;
                for (int c = 0; c < cb; c++) pj[base + c] = Kumaraswamy.warp(pj[base + c], warpA[k], warpB[k]);
            }
            java.util.Arrays.fill(m, 0);
            java.util.Arrays.fill(vv, 0);
            for (int i = 0; i < n; i++) {
                java.util.Arrays.fill(r2, 0);
                double[] xi = x[i];
                for (int j = 0; j < d; j++) {
                    double xij = xi[j];
                    double inv = invEll[j];
                    int base = j * BATCH;
                    for (int c = 0; c < cb; c++) {
                        double z = (pj[base + c] - xij) * inv;
                        r2[c] += z * z;
                    }
                }
                double[] ki = kb[i];
                double ai = alpha[i];
                for (int c = 0; c < cb; c++) {
                    double r = Math.sqrt(r2[c]);
                    double kv = sf2 * (1 + SQRT5 * r + 5.0 / 3.0 * r2[c]) * Math.exp(-SQRT5 * r);
                    ki[c] = kv;
                    m[c] += kv * ai;
                }
            }
            // forward substitution L V = K*, a row of V (all points of the chunk) at a time
            for (int i = 0; i < n; i++) {
                double[] ki = kb[i];
                double[] li = chol[i];
                for (int j = 0; j < i; j++) {
                    double lij = li[j];
                    double[] kj = kb[j];
                    for (int c = 0; c < cb; c++) ki[c] -= lij * kj[c];
                }
                double lii = li[i];
                for (int c = 0; c < cb; c++) {
                    double vi = ki[c] / lii;
                    ki[c] = vi;
                    vv[c] += vi * vi;
                }
            }
            for (int c = 0; c < cb; c++) {
                mean[c0 + c] = m[c];
                var[c0 + c] = Math.max(sf2 - vv[c], 1e-12);
            }
        }
    }

    /** Turns the hyperparameter prior on (default) or off (maximum likelihood). */
    public void usePrior(boolean on) {
        objective.usePrior(on);
    }

    /** {@link MarginalLikelihood#negLogLikelihood}: the objective {@link #fit} minimizes (for gradient checks). */
    double negLogLikelihood(double[][] raw, double[] ys, int n, double[] th, double[] grad) {
        return objective.negLogLikelihood(raw, ys, n, th, grad);
    }

    /** {@link MarginalLikelihood#negLogPrior} (for gradient checks). */
    double negLogPrior(double[] th, double[] grad) {
        return objective.negLogPrior(th, grad);
    }
}
