package dev.gale.tune.search.internal.tpe;

import java.util.SplittableRandom;

/**
 * The univariate TPE step of one categorical parameter ({@link TpeModel} delegates it), as Optuna's:
 * the observations that have the parameter, split into the below and above groups the model chose,
 * each weighted by Optuna's default weights in completion order (pending trials last in the above
 * group, the constant liar), give a prior-weighted categorical distribution per group
 * ({@link #categoricalProbs}); {@code nCandidates} choices are drawn from the below one and the
 * first with the greatest {@code log l(c) - log g(c)} is proposed.
 *
 * <p>Promises: the same random draws and the same answer as the step had inside the model; the only
 * state kept between calls is two probability buffers, grown to the largest number of choices seen.
 */
final class CategoricalProposal {
    private final TpeModel.Settings settings;
    /** Candidates drawn per proposal ({@code max(1, nEiCandidates)}). */
    private final int nCandidates;
    private double[] catBelow = new double[4];
    private double[] catAbove = new double[4];

    CategoricalProposal(TpeModel.Settings settings, int nCandidates) {
        this.settings = settings;
        this.nCandidates = nCandidates;
    }

    /**
     * Proposes a choice index of parameter {@code d} ({@code nChoices} choices, values {@code col} by
     * observation) from the first {@code n} observations, split by {@code below}, and the pending rows.
     */
    double propose(SplittableRandom rng, int d, int nChoices, double[] col, boolean[] below, int n, double[][] pending,
                   int pendingCount) {
        if (catBelow.length < nChoices) {
            catBelow = new double[nChoices * 2];
            catAbove = new double[nChoices * 2];
        }
        double[] wb = new double[nChoices];
        double[] wa = new double[nChoices];
        int mb = 0, ma = 0;
        for (int i = 0; i < n; i++) {
            if (Double.isNaN(col[i])) continue;
            if (below[i]) mb++; else ma++;
        }
        for (int k = 0; k < pendingCount; k++) if (!Double.isNaN(pending[k][d])) ma++;
        int ib = 0, ia = 0;
        double totB = 0, totA = 0;
        for (int i = 0; i < n; i++) {
            double v = col[i];
            if (Double.isNaN(v)) continue;
            if (below[i]) {
                double wt = TpeMath.defaultWeight(ib++, mb);
                wb[(int) v] += wt;
                totB += wt;
            } else {
                double wt = TpeMath.defaultWeight(ia++, ma);
                wa[(int) v] += wt;
                totA += wt;
            }
        }
        for (int k = 0; k < pendingCount; k++) {
            double v = pending[k][d];
            if (Double.isNaN(v)) continue;
            double wt = TpeMath.defaultWeight(ia++, ma);
            wa[(int) v] += wt;
            totA += wt;
        }
        categoricalProbs(catBelow, nChoices, wb, mb, totB, settings.priorWeight());
        categoricalProbs(catAbove, nChoices, wa, ma, totA, settings.priorWeight());
        int best = 0;
        double bestScore = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < nCandidates; k++) {
            double u = rng.nextDouble();
            int c = 0;
            while (c < nChoices - 1) {
                u -= catBelow[c];
                if (u < 0) break;
                c++;
            }
            double s = Math.log(catBelow[c]) - Math.log(catAbove[c]);
            if (s > bestScore) {
                bestScore = s;
                best = c;
            }
        }
        return best;
    }

    /** Optuna's categorical estimator: each kernel puts prior_weight / kernels on every choice and 1 more on its own. */
    private static void categoricalProbs(double[] probs, int nChoices, double[] weightsByChoice,
                                         int m, double totalDataW, double priorWeight) {
        // mixture over kernels k (weight w_k / W) of q_k(c) = (a + [c == own_k]) / (a * C + 1), a = pw / (m + 1);
        // prior kernel (weight pw / W): uniform
        double a = priorWeight / (m + 1);
        double norm = a * nChoices + 1.0;
        double wTotal = totalDataW + priorWeight;
        for (int c = 0; c < nChoices; c++) {
            double data = (totalDataW * a + weightsByChoice[c]) / norm;
            probs[c] = (data + priorWeight / nChoices) / wTotal;
        }
    }
}
