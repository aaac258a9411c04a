package dev.gale.tune.search.internal.gp;

/**
 * A Gaussian process on {@code [0,1]^d} with a Matérn-5/2 ARD kernel and Gaussian noise:
 * {@code k(x,x') = σf²·(1 + √5 r + 5r²/3)·exp(−√5 r)}, {@code r² = Σ_j ((x_j − x'_j)/ℓ_j)²}.
 * Hyperparameters {@code θ = (log ℓ_1..ℓ_d, log σf², log σn²)} are fitted by maximizing the log
 * marginal likelihood (analytic gradient, box-bounded L-BFGS from the previous θ). Targets are
 * standardized by the caller. Not thread-safe.
 */
public final class GaussianProcess {
    private static final double SQRT5 = Math.sqrt(5);
    private final int d;
    private final double[] lo;
    private final double[] hi;
    private double[] theta;
    private double[][] x;
    private double[] y;
    private int n;
    private double[][] chol;
    private double[] alpha;

    /** A GP over {@code d} inputs with default hyperparameters (ℓ = 0.5, σf² = 1, σn² = 1e-3). */
    public GaussianProcess(int d) {
        this.d = d;
        this.theta = new double[d + 2];
        this.lo = new double[d + 2];
        this.hi = new double[d + 2];
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
    }

    /** The hyperparameters (log scale), for saving. */
    public double[] theta() {
        return theta.clone();
    }

    /** Sets the hyperparameters (log scale). */
    public void theta(double[] t) {
        this.theta = t.clone();
    }

    /** Fits θ to {@code (xs, ys)} (ys standardized), starting from the current θ, then conditions on the data. */
    public void fit(double[][] xs, double[] ys, int n, int maxIter) {
        double[] t = theta.clone();
        double[] work = new double[d + 2];
        Lbfgs.minimize((th, grad) -> negLogLikelihood(xs, ys, n, th, grad), t, lo, hi, maxIter, 6);
        double f = negLogLikelihood(xs, ys, n, t, work);
        if (Double.isFinite(f)) theta = t;
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
        this.x = xs;
        this.y = ys;
        this.n = n;
        int keep = 0;
        if (chol != null && java.util.Arrays.equals(theta, cholTheta)) {
            int max = Math.min(n, cholRows.length);
            while (keep < max && cholRows[keep] == xs[keep]) keep++;
        }
        double[][] l = extend(xs, n, keep);
        if (l == null) l = extend(xs, n, 0);
        this.chol = l;
        this.cholRows = java.util.Arrays.copyOf(xs, n);
        this.cholTheta = theta.clone();
        this.alpha = solve(chol, ys, n);
    }

    /** Cholesky rows [keep, n) appended to the kept rows of the current factor; jitter grows on failure. */
    private double[][] extend(double[][] xs, int n, int keep) {
        double sf2 = Math.exp(theta[d]);
        double sn2 = Math.exp(theta[d + 1]);
        for (double jitter = 1e-8; jitter < 1; jitter *= 100) {
            double[][] l = new double[n][];
            for (int i = 0; i < keep; i++) l[i] = chol[i];
            boolean ok = true;
            for (int i = keep; i < n && ok; i++) {
                double[] li = new double[i + 1];
                l[i] = li;
                for (int j = 0; j <= i; j++) {
                    double a = i == j ? sf2 + sn2 + jitter : k(xs[i], xs[j], theta, sf2);
                    double[] lj = j == i ? li : l[j];
                    double s = a;
                    for (int q = 0; q < j; q++) s -= li[q] * lj[q];
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
        double sf2 = Math.exp(theta[d]);
        double mean = 0;
        for (int i = 0; i < n; i++) {
            kStar[i] = k(p, x[i], theta, sf2);
            mean += kStar[i] * alpha[i];
        }
        // v = L^-1 k*
        double vv = 0;
        for (int i = 0; i < n; i++) {
            double s = kStar[i];
            double[] li = chol[i];
            for (int j = 0; j < i; j++) s -= li[j] * v[j];
            v[i] = s / li[i];
            vv += v[i] * v[i];
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
        predict(p, kStar, v, out);
        // u = L^-T v, so dVar/dp = -2 u^T dk*/dp
        for (int i = n - 1; i >= 0; i--) {
            double s = v[i];
            for (int k = i + 1; k < n; k++) s -= chol[k][i] * u[k];
            u[i] = s / chol[i][i];
        }
        java.util.Arrays.fill(dMean, 0);
        java.util.Arrays.fill(dVar, 0);
        double sf2 = Math.exp(theta[d]);
        double[] inv2 = new double[d];
        for (int j = 0; j < d; j++) inv2[j] = Math.exp(-2 * theta[j]);
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
    }

    private double k(double[] a, double[] b, double[] th, double sf2) {
        double r2 = 0;
        for (int j = 0; j < d; j++) {
            double z = (a[j] - b[j]) / Math.exp(th[j]);
            r2 += z * z;
        }
        double r = Math.sqrt(r2);
        return sf2 * (1 + SQRT5 * r + 5.0 / 3.0 * r2) * Math.exp(-SQRT5 * r);
    }

    private double[][] kernelMatrix(double[][] xs, int n, double[] th) {
        double sf2 = Math.exp(th[d]);
        double sn2 = Math.exp(th[d + 1]);
        double[][] k = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < i; j++) {
                double v = k(xs[i], xs[j], th, sf2);
                k[i][j] = v;
                k[j][i] = v;
            }
            k[i][i] = sf2 + sn2 + 1e-8;
        }
        return k;
    }

    /** −log p(y | X, θ) and its gradient with respect to θ. */
    double negLogLikelihood(double[][] xs, double[] ys, int n, double[] th, double[] grad) {
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
        double sf2 = Math.exp(th[d]);
        double sn2 = Math.exp(th[d + 1]);
        java.util.Arrays.fill(grad, 0);
        double[] ell2 = new double[d];
        for (int j = 0; j < d; j++) ell2[j] = Math.exp(2 * th[j]);
        for (int i = 0; i < n; i++) {
            double[] xi = xs[i];
            for (int m = 0; m < i; m++) {
                double w = kinv[i][m] - a[i] * a[m];
                double[] xm = xs[m];
                double r2 = 0;
                for (int j = 0; j < d; j++) {
                    double dz = xi[j] - xm[j];
                    r2 += dz * dz / ell2[j];
                }
                double r = Math.sqrt(r2);
                double e = Math.exp(-SQRT5 * r);
                double kv = sf2 * (1 + SQRT5 * r + 5.0 / 3.0 * r2) * e;
                double common = 5.0 / 3.0 * sf2 * (1 + SQRT5 * r) * e;
                // symmetric pair counted twice: factor 2 × 0.5 = 1
                grad[d] += w * kv;
                for (int j = 0; j < d; j++) {
                    double dz = xi[j] - xm[j];
                    grad[j] += w * common * dz * dz / ell2[j];
                }
            }
            double wii = kinv[i][i] - a[i] * a[i];
            grad[d] += 0.5 * wii * sf2;
            grad[d + 1] += 0.5 * wii * sn2;
        }
        return nll;
    }

    static double[][] cholesky(double[][] a, int n) {
        double[][] l = new double[n][];
        for (int i = 0; i < n; i++) {
            l[i] = new double[i + 1];
            double[] li = l[i];
            for (int j = 0; j <= i; j++) {
                double s = a[i][j];
                double[] lj = l[j];
                for (int k = 0; k < j; k++) s -= li[k] * lj[k];
                if (i == j) {
                    if (!(s > 0)) return null;
                    li[i] = Math.sqrt(s);
                } else {
                    li[j] = s / lj[j];
                }
            }
        }
        return l;
    }

    /** Solves (L Lᵀ) z = b. */
    static double[] solve(double[][] l, double[] b, int n) {
        double[] z = new double[n];
        for (int i = 0; i < n; i++) {
            double s = b[i];
            double[] li = l[i];
            for (int k = 0; k < i; k++) s -= li[k] * z[k];
            z[i] = s / li[i];
        }
        for (int i = n - 1; i >= 0; i--) {
            double s = z[i];
            for (int k = i + 1; k < n; k++) s -= l[k][i] * z[k];
            z[i] = s / l[i][i];
        }
        return z;
    }

    static double[][] inverseFromCholesky(double[][] l, int n) {
        // inv(L) lower triangular, then inv(K) = inv(L)^T inv(L)
        double[][] li = new double[n][n];
        for (int i = 0; i < n; i++) {
            li[i][i] = 1 / l[i][i];
            for (int j = 0; j < i; j++) {
                double s = 0;
                for (int k = j; k < i; k++) s -= l[i][k] * li[k][j];
                li[i][j] = s / l[i][i];
            }
        }
        double[][] inv = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double s = 0;
                for (int k = i; k < n; k++) s += li[k][i] * li[k][j];
                inv[i][j] = s;
                inv[j][i] = s;
            }
        }
        return inv;
    }

    private static double dot(double[] a, double[] b, int n) {
        double s = 0;
        for (int i = 0; i < n; i++) s += a[i] * b[i];
        return s;
    }
}
