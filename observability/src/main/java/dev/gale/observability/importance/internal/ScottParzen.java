package dev.gale.observability.importance.internal;

import dev.gale.observability.importance.ParamDomain;
import org.hipparchus.special.Erf;

import java.util.List;

/**
 * The one-dimensional Parzen estimators of PED-ANOVA (Watanabe et al., 2023, as Optuna's
 * {@code PedAnovaImportanceEvaluator} builds them): a numeric parameter's values are counted on a
 * grid of at most {@code nSteps} points of its range (log-scaled for log domains), and the density
 * is a mixture, over the occupied grid points weighted by their counts, of normal distributions
 * discretized and truncated to the grid, with Scott's-rule bandwidth, plus a wide prior component;
 * a categorical parameter's density is a mixture of categorical kernels plus a uniform prior.
 * Densities are probability masses on the grid points (they sum to 1).
 */
public final class ScottParzen {
    private static final double SQRT2 = Math.sqrt(2);
    private static final double SIGMA_MIN = 0.5 / 1.64;

    private ScottParzen() {
    }

    /** The number of grid points of a domain: {@code nSteps} at most, fewer for coarse integer and stepped domains. */
    public static int gridSize(ParamDomain d, int nSteps) {
        return switch (d) {
            case ParamDomain.Categorical c -> c.choices().size();
            case ParamDomain.Numeric n -> {
                if (n.single()) yield 1;
                if (n.log() && n.step() == 1) {
                    int log2Size = (int) Math.ceil(Math.log(n.high() - n.low() + 1) / Math.log(2)) + 1;
                    yield Math.min(log2Size, nSteps);
                }
                if (n.step() > 0 && !n.log()) yield (int) Math.min(Math.round((n.high() - n.low()) / n.step()) + 1, nSteps);
                yield nSteps;
            }
        };
    }

    /**
     * The grid point of each value: for a numeric domain, the first point {@code g} of the grid
     * with {@code g >= value - halfStep}; for a categorical one, the index of the category.
     *
     * @param values the parameter's values (numbers for numeric domains)
     * @param out    receives one grid index per value
     */
    public static void gridIndices(ParamDomain d, int gridSize, List<Object> values, int[] out) {
        switch (d) {
            case ParamDomain.Categorical c -> {
                java.util.Map<Object, Integer> index = new java.util.HashMap<>();
                for (int i = 0; i < c.choices().size(); i++) index.put(c.choices().get(i), i);
                for (int i = 0; i < values.size(); i++) {
                    Integer k = index.get(ParamDomain.key(values.get(i)));
                    if (k == null) throw new IllegalArgumentException("value " + values.get(i) + " is not a category of " + c.choices());
                    out[i] = k;
                }
            }
            case ParamDomain.Numeric n -> {
                if (gridSize == 1) {
                    java.util.Arrays.fill(out, 0, values.size(), 0);
                    return;
                }
                double lo = n.log() ? Math.log(n.low()) : n.low();
                double hi = n.log() ? Math.log(n.high()) : n.high();
                double stepSize = (hi - lo) / (gridSize - 1);
                for (int i = 0; i < values.size(); i++) {
                    double v = ((Number) values.get(i)).doubleValue();
                    double x = (n.log() ? Math.log(v) : v) - stepSize / 2;
                    // first grid index g with lo + g * stepSize >= x
                    int g = (int) Math.ceil((x - lo) / stepSize - 1e-9);
                    out[i] = Math.max(0, Math.min(gridSize - 1, g));
                }
            }
        }
    }

    /**
     * The density on the grid of the values counted in {@code counts} (one count per grid point),
     * for a numeric ({@code categorical == false}) or categorical domain.
     */
    public static double[] pdf(double[] counts, boolean categorical, double priorWeight) {
        return categorical ? categoricalPdf(counts, priorWeight) : numericPdf(counts, priorWeight);
    }

    private static double[] numericPdf(double[] counts, double priorWeight) {
        int n = counts.length;
        int k = 0;
        double total = 0;
        for (double c : counts) {
            if (c > 0) {
                k++;
                total += c;
            }
        }
        double[] mus = new double[k + 1];
        double[] weights = new double[k + 1];
        int j = 0;
        double mean = 0;
        for (int i = 0; i < n; i++) {
            if (counts[i] > 0) {
                mus[j] = i;
                weights[j] = counts[i];
                mean += i * counts[i] / total;
                j++;
            }
        }
        double var = 0;
        for (int i = 0; i < k; i++) var += (mus[i] - mean) * (mus[i] - mean) * weights[i];
        double sigmaEst = Math.sqrt(var / Math.max(1, total - 1));
        // interquartile range of the counted grid points
        long q25 = (long) Math.floor(total) / 4;
        long q75 = (long) Math.floor(total) * 3 / 4;
        int i25 = -1;
        int i75 = -1;
        double cum = 0;
        for (int i = 0; i < k; i++) {
            cum += weights[i];
            if (i25 < 0 && cum >= q25) i25 = i;
            if (i75 < 0 && cum > q75) i75 = i;
        }
        if (i25 < 0) i25 = k - 1;
        if (i75 < 0) i75 = k;
        double iqr = mus[Math.min(k - 1, i75)] - mus[i25];
        double sigma = Math.max(1.059 * Math.min(iqr / 1.34, sigmaEst) * Math.pow(total, -0.2), SIGMA_MIN);
        double[] sigmas = new double[k + 1];
        java.util.Arrays.fill(sigmas, 0, k, sigma);
        mus[k] = 0.5 * (n - 1);
        sigmas[k] = n;
        weights[k] = priorWeight;
        double wsum = total + priorWeight;
        double[] pdf = new double[n];
        for (int c = 0; c <= k; c++) {
            double w = weights[c] / wsum;
            double norm = gaussMass((-0.5 - mus[c]) / sigmas[c], (n - 0.5 - mus[c]) / sigmas[c]);
            if (!(norm > 0)) continue;
            for (int x = 0; x < n; x++) {
                pdf[x] += w * gaussMass((x - 0.5 - mus[c]) / sigmas[c], (x + 0.5 - mus[c]) / sigmas[c]) / norm;
            }
        }
        return pdf;
    }

    private static double[] categoricalPdf(double[] counts, double priorWeight) {
        int choices = counts.length;
        int k = 0;
        double total = 0;
        for (double c : counts) {
            if (c > 0) {
                k++;
                total += c;
            }
        }
        int kernels = k + 1;
        double base = priorWeight / kernels;
        double rowSum = 1 + choices * base;
        double wsum = total + priorWeight;
        double[] pdf = new double[choices];
        // the prior kernel: uniform
        for (int x = 0; x < choices; x++) pdf[x] += (priorWeight / wsum) / choices;
        for (int i = 0; i < choices; i++) {
            if (counts[i] <= 0) continue;
            double w = counts[i] / wsum;
            for (int x = 0; x < choices; x++) pdf[x] += w * (base + (x == i ? 1 : 0)) / rowSum;
        }
        return pdf;
    }

    /** P(a ≤ Z ≤ b) for a standard normal Z, computed on the side where it does not cancel. */
    static double gaussMass(double a, double b) {
        if (b <= 0) return 0.5 * (Erf.erfc(-b / SQRT2) - Erf.erfc(-a / SQRT2));
        if (a >= 0) return 0.5 * (Erf.erfc(a / SQRT2) - Erf.erfc(b / SQRT2));
        return 1 - 0.5 * Erf.erfc(-a / SQRT2) - 0.5 * Erf.erfc(b / SQRT2);
    }
}
