package dev.gale.tune.search.internal.gp;

import java.util.List;
import java.util.SplittableRandom;

/**
 * The acquisition of GP-BO: the log of expected improvement below an incumbent under the
 * objective's GP, plus Σ log P(constraint ≤ 0) under one GP per constraint (only the latter while
 * no trial is feasible), its value at one point, at a batch of points and with its analytic
 * gradient, and its maximization by random screening then multi-start box-bounded L-BFGS.
 *
 * <p>Promises: the GPs are the caller's (it fits and conditions the objective's, and saves their
 * hyperparameters); this class standardizes and fits the constraint GPs ({@link #fitConstraints})
 * and only reads the objective's. Values are computed in standardized units and stay finite for
 * very negative z (asymptotic forms below z = −5). The maximizer draws from the given generator
 * only to place its random candidates, so a suggestion is a function of (data, generator state).
 */
public final class LogEiAcquisition {
    private final GaussianProcess gp;
    private final GaussianProcess[] cgps;
    private final int dims;
    private final double[] cMean;
    private final double[] cStd;
    private boolean feasibilityOnly;

    /** The acquisition over {@code dims} inputs for the objective's GP {@code gp} and the constraint GPs {@code cgps}. */
    public LogEiAcquisition(GaussianProcess gp, GaussianProcess[] cgps, int dims) {
        this.gp = gp;
        this.cgps = cgps;
        this.dims = dims;
        this.cMean = new double[cgps.length];
        this.cStd = new double[cgps.length];
    }

    /** Whether the acquisition is the probability of feasibility alone (no feasible trial yet, some constraint). */
    public void feasibilityOnly(boolean on) {
        this.feasibilityOnly = on;
    }

    /**
     * Standardizes and (re)fits one GP per constraint on the completed observations:
     * {@code cs.get(i)[k]} is constraint k's value at {@code x[i]}, for the first {@code nObs}
     * observations; {@code refit} fits the hyperparameters, otherwise only conditions on the data.
     */
    public void fitConstraints(double[][] x, List<double[]> cs, int nObs, boolean refit) {
        for (int k = 0; k < cgps.length; k++) {
            double m = 0;
            for (int i = 0; i < nObs; i++) m += cs.get(i)[k];
            m /= nObs;
            double sd = 0;
            for (int i = 0; i < nObs; i++) sd += Math.pow(cs.get(i)[k] - m, 2);
            sd = Math.sqrt(sd / nObs);
            if (!(sd > 1e-12)) sd = 1;
            double[] c = new double[nObs];
            for (int i = 0; i < nObs; i++) c[i] = (cs.get(i)[k] - m) / sd;
            if (refit) cgps[k].fit(x, c, nObs, 50);
            else cgps[k].condition(x, c, nObs);
            cMean[k] = m;
            cStd[k] = sd;
        }
    }

    /**
     * The point in {@code [lo, hi]} with the highest acquisition found: {@code candidates} random
     * points drawn from {@code rng} are screened ({@link #logEiBatch}), the best {@code localStarts}
     * of them (at least one) and {@code bestObserved} (clipped into the box) are refined by L-BFGS
     * on the analytic gradient (30 iterations; with {@code localStarts} 0 they are only compared).
     * {@code total} is the number of points the GPs are conditioned on.
     */
    public double[] maximize(double incumbent, double[] bestObserved, double[] lo, double[] hi, int total,
                             int candidates, int localStarts, SplittableRandom rng) {
        double[] kStar = new double[total];
        double[] v = new double[total];
        double[] out = new double[2];
        double[] uBuf = new double[total];
        double[] dMean = new double[dims];
        double[] dVar = new double[dims];
        Lbfgs.Function negAcq = (p, grad) -> -logEiWithGradient(p, incumbent, kStar, v, uBuf, out, dMean, dVar, grad);
        int keep = Math.max(1, localStarts);
        double[][] starts = new double[keep + 1][];
        double[] startScores = new double[keep + 1];
        java.util.Arrays.fill(startScores, Double.NEGATIVE_INFINITY);
        int nCand = candidates;
        double[][] cand = new double[nCand][dims];
        for (int c = 0; c < nCand; c++) {
            for (int j = 0; j < dims; j++) cand[c][j] = lo[j] + rng.nextDouble() * (hi[j] - lo[j]);
        }
        double[] acq = logEiBatch(cand, nCand, incumbent);
        for (int c = 0; c < nCand; c++) {
            double[] p = cand[c];
            double a = acq[c];
            int worst = 0;
            for (int s = 1; s < keep; s++) if (startScores[s] < startScores[worst]) worst = s;
            if (a > startScores[worst]) {
                startScores[worst] = a;
                starts[worst] = p;
            }
        }
        starts[keep] = bestObserved.clone();
        for (int j = 0; j < dims; j++) starts[keep][j] = Math.max(lo[j], Math.min(hi[j], starts[keep][j]));
        startScores[keep] = logEi(starts[keep], incumbent, kStar, v, out);
        double[] bestPoint = null;
        double bestScore = Double.NEGATIVE_INFINITY;
        for (int s = 0; s <= keep; s++) {
            if (starts[s] == null) continue;
            double[] p = starts[s].clone();
            double score = localStarts > 0 ? -Lbfgs.minimize(negAcq, p, lo, hi, 30, 5) : startScores[s];
            if (score > bestScore || bestPoint == null) {
                bestScore = score;
                bestPoint = p;
            }
        }
        return bestPoint;
    }

    /** log EI(p) for minimization below {@code incumbent} (standardized units), plus log P(feasible). */
    private double logEi(double[] p, double incumbent, double[] kStar, double[] v, double[] out) {
        double logPf = 0;
        for (int k = 0; k < cgps.length; k++) {
            cgps[k].predict(p, kStar, v, out);
            double zc = ((0 - cMean[k]) / cStd[k] - out[0]) / Math.sqrt(out[1]);
            logPf += logNormCdf(zc);
        }
        if (feasibilityOnly) return logPf;
        gp.predict(p, kStar, v, out);
        double sigma = Math.sqrt(out[1]);
        double z = (incumbent - out[0]) / sigma;
        return Math.log(sigma) + logH(z) + logPf;
    }

    /** {@link #logEi} at {@code count} points, with the GPs' batched prediction. */
    private double[] logEiBatch(double[][] ps, int count, double incumbent) {
        double[] acq = new double[count];
        double[] m = new double[count];
        double[] s2 = new double[count];
        for (int k = 0; k < cgps.length; k++) {
            cgps[k].predictBatch(ps, count, m, s2);
            double bound = (0 - cMean[k]) / cStd[k];
            for (int c = 0; c < count; c++) acq[c] += logNormCdf((bound - m[c]) / Math.sqrt(s2[c]));
        }
        if (feasibilityOnly) return acq;
        gp.predictBatch(ps, count, m, s2);
        for (int c = 0; c < count; c++) {
            double sigma = Math.sqrt(s2[c]);
            double z = (incumbent - m[c]) / sigma;
            acq[c] += Math.log(sigma) + logH(z);
        }
        return acq;
    }

    /** {@link #logEi} and its gradient (written negated into {@code negGrad}, for minimization). */
    private double logEiWithGradient(double[] p, double incumbent, double[] kStar, double[] v, double[] u, double[] out,
                                     double[] dMean, double[] dVar, double[] negGrad) {
        java.util.Arrays.fill(negGrad, 0);
        double total = 0;
        for (int k = 0; k < cgps.length; k++) {
            cgps[k].predictWithGradient(p, kStar, v, u, out, dMean, dVar);
            double sc = Math.sqrt(out[1]);
            double zc = ((0 - cMean[k]) / cStd[k] - out[0]) / sc;
            total += logNormCdf(zc);
            double ratio = Math.exp(logNormPdf(zc) - logNormCdf(zc)); // φ/Φ
            for (int j = 0; j < dims; j++) {
                double dsc = dVar[j] / (2 * sc);
                double dz = (-dMean[j] - zc * dsc) / sc;
                negGrad[j] -= ratio * dz;
            }
        }
        if (feasibilityOnly) return total;
        gp.predictWithGradient(p, kStar, v, u, out, dMean, dVar);
        double sigma = Math.sqrt(out[1]);
        double z = (incumbent - out[0]) / sigma;
        double lh = logH(z);
        double ratio = Math.exp(logNormCdf(z) - lh); // Φ(z)/h(z) = d log h / dz
        for (int j = 0; j < dims; j++) {
            double ds = dVar[j] / (2 * sigma);
            double dz = (-dMean[j] - z * ds) / sigma;
            negGrad[j] -= ds / sigma + ratio * dz;
        }
        return total + Math.log(sigma) + lh;
    }

    static double logNormPdf(double z) {
        return -0.5 * z * z - 0.5 * Math.log(2 * Math.PI);
    }

    static double logNormCdf(double z) {
        if (z > -5) return Math.log(Math.max(normCdf(z), 1e-300));
        double z2 = z * z; // Mills ratio asymptotics
        return -0.5 * z2 - Math.log(-z) - 0.5 * Math.log(2 * Math.PI) + Math.log(1 - 1 / z2 + 3 / (z2 * z2));
    }

    /** log(z·Φ(z) + φ(z)). */
    public static double logH(double z) {
        if (z > -5) {
            double h = z * normCdf(z) + Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
            return Math.log(Math.max(h, 1e-300));
        }
        // asymptotic: φ(z)/z² · (1 − 3/z² + 15/z⁴)
        double z2 = z * z;
        return -0.5 * z2 - 0.5 * Math.log(2 * Math.PI) - Math.log(z2) + Math.log(1 - 3 / z2 + 15 / (z2 * z2));
    }

    static double normCdf(double z) {
        return 0.5 * org.hipparchus.special.Erf.erfc(-z / Math.sqrt(2));
    }
}
