package dev.gale.tune.search.internal.gp;

/**
 * The Matérn-5/2 ARD kernel of {@link GaussianProcess}:
 * {@code k(x,x') = σf²·(1 + √5 r + 5r²/3)·exp(−√5 r)}, {@code r² = Σ_j ((x_j − x'_j)/ℓ_j)²}.
 *
 * <p>Promises: stateless; {@link #k} takes the same operations in the same order wherever the
 * kernel is evaluated through it, so the posterior and the fitting objective agree to the last bit.
 */
final class Matern52 {
    static final double SQRT5 = Math.sqrt(5);

    private Matern52() {
    }

    /** The kernel over the first {@code d} inputs, with inverse length scales {@code inv} and kernel scale {@code s2} = σf². */
    static double k(double[] a, double[] b, double[] inv, double s2, int d) {
        double r2 = 0;
        for (int j = 0; j < d; j++) {
            double z = (a[j] - b[j]) * inv[j];
            r2 += z * z;
        }
        double r = Math.sqrt(r2);
        return s2 * (1 + SQRT5 * r + 5.0 / 3.0 * r2) * Math.exp(-SQRT5 * r);
    }
}
