package dev.gale.tune.search.internal.local;

import dev.gale.tune.search.internal.gp.CholeskyAlgebra;

/**
 * A full quadratic {@code q(z) = c + gᵀz + ½ zᵀHz} fitted by least squares to points around a
 * centre, and the step to its minimizer: the model step of a derivative-free trust-region method
 * (as in Powell's NEWUOA/BOBYQA, here by regression on the nearest points rather than by
 * interpolation, so a little noise in the values is averaged out).
 *
 * <p>Promises: stateless and deterministic (every sum in a fixed order); {@link #step} returns a
 * step of length at most 1 or null, never a non-finite number; it allocates only its working
 * arrays ({@code O(terms²)} doubles).
 */
public final class QuadraticModel {
    private QuadraticModel() {
    }

    /** The number of coefficients of a full quadratic in {@code n} variables: (n + 1)(n + 2) / 2. */
    public static int terms(int n) {
        return (n + 1) * (n + 2) / 2;
    }

    /**
     * The minimizer of the quadratic fitted to {@code m} points, as a step from the centre.
     *
     * @param z the points, each {@code n} coordinates relative to the centre and scaled so the
     *          farthest is at distance 1 (rows {@code 0..m-1} are read)
     * @param y their values (any offset: only differences matter)
     * @param m how many rows to use; at least {@link #terms}(n)
     * @param n the dimension
     * @return the step to the model's minimizer, scaled down to length 1 when it is longer (the
     *         model is trusted only where its points are); null when {@code m} is too small, the
     *         fit is singular, or the fitted Hessian is not positive definite (the model has no
     *         minimum: a saddle or a ridge, where a step would be a guess)
     */
    public static double[] step(double[][] z, double[] y, int m, int n) {
        int p = terms(n);
        if (m < p) return null;
        double[][] normal = new double[p][];
        for (int i = 0; i < p; i++) normal[i] = new double[i + 1];
        double[] rhs = new double[p];
        double[] f = new double[p];
        for (int t = 0; t < m; t++) {
            features(z[t], n, f);
            double v = y[t];
            for (int i = 0; i < p; i++) {
                double fi = f[i];
                rhs[i] += fi * v;
                double[] row = normal[i];
                for (int j = 0; j <= i; j++) row[j] += fi * f[j];
            }
        }
        double trace = 0;
        for (int i = 0; i < p; i++) trace += normal[i][i];
        double ridge = 1e-10 * trace / p; // keeps the normal equations solvable when points lie on a lower-dimensional set
        for (int i = 0; i < p; i++) normal[i][i] += ridge;
        double[][] l = CholeskyAlgebra.cholesky(normal, p);
        if (l == null) return null;
        double[] c = CholeskyAlgebra.solve(l, rhs, p);
        // c = [constant, g (n), diagonal quadratic terms (n), cross terms i < j]; H_ii = 2 c, H_ij = c
        double[][] h = new double[n][];
        double[] minusG = new double[n];
        for (int i = 0; i < n; i++) {
            minusG[i] = -c[1 + i];
            h[i] = new double[i + 1];
            h[i][i] = 2 * c[1 + n + i];
        }
        int q = 1 + 2 * n;
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) h[j][i] = c[q++];
        }
        double[][] hl = CholeskyAlgebra.cholesky(h, n);
        if (hl == null) return null;
        double[] d = CholeskyAlgebra.solve(hl, minusG, n);
        double norm = 0;
        for (double v : d) norm += v * v;
        norm = Math.sqrt(norm);
        if (!Double.isFinite(norm)) return null;
        if (norm > 1) {
            for (int i = 0; i < n; i++) d[i] /= norm;
        }
        return d;
    }

    /** The model's features at {@code z}: 1, z_i, z_i², z_i z_j (i &lt; j), in that order. */
    private static void features(double[] z, int n, double[] f) {
        int q = 0;
        f[q++] = 1;
        for (int i = 0; i < n; i++) f[q++] = z[i];
        for (int i = 0; i < n; i++) f[q++] = z[i] * z[i];
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) f[q++] = z[i] * z[j];
        }
    }
}
