package dev.gale.tune.search.internal.gp;

/**
 * Dense linear algebra on lower-triangular Cholesky factors stored as ragged rows (row {@code i}
 * holds {@code i + 1} entries), shared by the GP posterior ({@link GaussianProcess}) and its
 * fitting objective ({@link MarginalLikelihood}), and the local quadratic model of the auto
 * searcher ({@code internal.local.QuadraticModel}).
 *
 * <p>Promises: stateless, allocating nothing but the arrays it returns; every sum is taken in a
 * fixed order, so results are reproducible to the last bit.
 */
public final class CholeskyAlgebra {
    private CholeskyAlgebra() {
    }

    /** Σ_{q &lt; len} a[q]·b[q] with four partial sums (the order is fixed, so results are reproducible). */
    public static double dot(double[] a, double[] b, int len) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int q = 0;
        for (; q + 3 < len; q += 4) {
            s0 += a[q] * b[q];
            s1 += a[q + 1] * b[q + 1];
            s2 += a[q + 2] * b[q + 2];
            s3 += a[q + 3] * b[q + 3];
        }
        for (; q < len; q++) s0 += a[q] * b[q];
        return (s0 + s1) + (s2 + s3);
    }

    /** The Cholesky factor of the lower triangle {@code a} (rows of length i + 1); null when it is not positive definite. */
    public static double[][] cholesky(double[][] a, int n) {
        double[][] l = new double[n][];
        for (int i = 0; i < n; i++) {
            l[i] = new double[i + 1];
            double[] li = l[i];
            double[] ai = a[i];
            for (int j = 0; j <= i; j++) {
                double[] lj = l[j];
                double s = ai[j] - dot(li, lj, j);
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
    public static double[] solve(double[][] l, double[] b, int n) {
        double[] z = new double[n];
        for (int i = 0; i < n; i++) {
            double[] li = l[i];
            z[i] = (b[i] - dot(li, z, i)) / li[i];
        }
        // Lᵀ z = y by rows of L: once z[k] is known, remove its share from the earlier entries
        for (int k = n - 1; k >= 0; k--) {
            double[] lk = l[k];
            double zk = z[k] / lk[k];
            z[k] = zk;
            for (int i = 0; i < k; i++) z[i] -= lk[i] * zk;
        }
        return z;
    }

    /**
     * The lower triangle (rows of length i + 1) of (L Lᵀ)⁻¹: first L⁻¹ row by row, then
     * L⁻ᵀ L⁻¹ as a sum of outer products of the rows of L⁻¹ (both in row-contiguous loops).
     */
    static double[][] inverseFromCholesky(double[][] l, int n) {
        double[][] li = new double[n][];
        double[] tmp = new double[n];
        for (int i = 0; i < n; i++) {
            double[] row = l[i];
            java.util.Arrays.fill(tmp, 0, i, 0);
            for (int k = 0; k < i; k++) {
                double a = row[k];
                double[] lk = li[k];
                for (int j = 0; j <= k; j++) tmp[j] += a * lk[j];
            }
            double inv = 1 / row[i];
            double[] r = new double[i + 1];
            for (int j = 0; j < i; j++) r[j] = -tmp[j] * inv;
            r[i] = inv;
            li[i] = r;
        }
        double[][] kinv = new double[n][];
        for (int i = 0; i < n; i++) kinv[i] = new double[i + 1];
        for (int k = 0; k < n; k++) {
            double[] r = li[k];
            for (int i = 0; i <= k; i++) {
                double a = r[i];
                if (a == 0) continue;
                double[] ki = kinv[i];
                for (int j = 0; j <= i; j++) ki[j] += a * r[j];
            }
        }
        return kinv;
    }
}
