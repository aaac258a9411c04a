package dev.gale.tune.search.internal.cma;

/**
 * Eigendecomposition of a small symmetric matrix by the cyclic Jacobi method: deterministic
 * (same input, same bits out), accurate for the well-conditioned covariance matrices CMA-ES keeps,
 * and fast enough for the dimensions a hyperparameter search has (O(n³) per sweep, a handful of
 * sweeps).
 */
public final class SymmetricEigen {

    private SymmetricEigen() {
    }

    /**
     * Decomposes the symmetric {@code n × n} matrix {@code a} (row-major, not modified) as
     * {@code V diag(values) Vᵀ}.
     *
     * @param a      the matrix, row-major {@code a[i * n + j]}; only its symmetric part is used
     * @param n      the dimension
     * @param values receives the n eigenvalues
     * @param v      receives the eigenvectors as columns, row-major {@code v[i * n + k]}
     */
    public static void decompose(double[] a, int n, double[] values, double[] v) {
        double[] m = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                m[i * n + j] = 0.5 * (a[i * n + j] + a[j * n + i]);
                v[i * n + j] = i == j ? 1.0 : 0.0;
            }
        }
        for (int sweep = 0; sweep < 100; sweep++) {
            double off = 0;
            double diag = 0;
            for (int i = 0; i < n; i++) {
                diag += m[i * n + i] * m[i * n + i];
                for (int j = i + 1; j < n; j++) off += m[i * n + j] * m[i * n + j];
            }
            if (off <= 1e-30 * diag || off == 0) break;
            for (int p = 0; p < n; p++) {
                for (int q = p + 1; q < n; q++) {
                    double apq = m[p * n + q];
                    if (apq == 0) continue;
                    double app = m[p * n + p];
                    double aqq = m[q * n + q];
                    double theta = (aqq - app) / (2 * apq);
                    double t = Math.signum(theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
                    if (theta == 0) t = 1;
                    double c = 1 / Math.sqrt(t * t + 1);
                    double s = t * c;
                    for (int k = 0; k < n; k++) {
                        double mkp = m[k * n + p];
                        double mkq = m[k * n + q];
                        m[k * n + p] = c * mkp - s * mkq;
                        m[k * n + q] = s * mkp + c * mkq;
                    }
                    for (int k = 0; k < n; k++) {
                        double mpk = m[p * n + k];
                        double mqk = m[q * n + k];
                        m[p * n + k] = c * mpk - s * mqk;
                        m[q * n + k] = s * mpk + c * mqk;
                    }
                    for (int k = 0; k < n; k++) {
                        double vkp = v[k * n + p];
                        double vkq = v[k * n + q];
                        v[k * n + p] = c * vkp - s * vkq;
                        v[k * n + q] = s * vkp + c * vkq;
                    }
                }
            }
        }
        for (int i = 0; i < n; i++) values[i] = m[i * n + i];
    }
}
