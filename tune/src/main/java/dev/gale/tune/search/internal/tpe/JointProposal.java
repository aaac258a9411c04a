package dev.gale.tune.search.internal.tpe;

import java.util.SplittableRandom;

/**
 * The multivariate TPE step ({@link TpeModel} delegates it in multivariate mode), as Optuna's
 * {@code multivariate=True}: the observations that have every parameter, split into the below and
 * above groups the model chose (pending rows that have every parameter join the above group last,
 * the constant liar), each fitted by a {@link ParzenJoint}; {@code nEiCandidates} points are drawn
 * from the below estimator and the one maximizing {@code log l(x) - log g(x)} is proposed. When the
 * above estimator offers its fast evaluation, each candidate's score is bounded from it
 * ({@link ParzenJoint#approxLog} ± {@link ParzenJoint#approxBound()}) and only the candidates that
 * might beat the best lower bound are scored exactly, so the proposal is that of exact scoring.
 *
 * <p>Promises: the same random draws, iteration order and answer as the step had inside the model;
 * {@link #propose} says which way the winner was found ({@link #EXACT}, {@link #BOUNDS},
 * {@link #BOUNDS_THEN_EXACT}) so the model can count it. Owns the two joint estimators and the
 * scratch buffers of the step, grown as the observations grow and reused between proposals.
 */
final class JointProposal {
    /** {@link #propose}'s answer: every candidate scored exactly. */
    static final int EXACT = 0;
    /** {@link #propose}'s answer: the fast evaluation's bounds decided alone. */
    static final int BOUNDS = 1;
    /** {@link #propose}'s answer: the bounds left several candidates, which were scored exactly. */
    static final int BOUNDS_THEN_EXACT = 2;

    private final ParamSpec[] params;
    private final TpeModel.Settings settings;
    private final Observations obs;
    private final int dims;
    /** Candidates drawn per proposal ({@code max(1, nEiCandidates)}). */
    private final int nCandidates;

    // scratch
    private double[] bufMu = new double[16];
    private double[] bufW = new double[16];
    private int[] bufObs = new int[16];
    private int[] smallIdx = new int[32];
    private final ParzenJoint jBelow = new ParzenJoint();
    private final ParzenJoint jAbove = new ParzenJoint();
    private final double[] candVec;
    private final double[] candLl;
    private final double[] candUb;
    private final double[] candPartial;

    /** {@code params} is the model's own copy (not modified here). */
    JointProposal(ParamSpec[] params, TpeModel.Settings settings, Observations obs) {
        this.params = params;
        this.settings = settings;
        this.obs = obs;
        this.dims = params.length;
        this.nCandidates = Math.max(1, settings.nEiCandidates());
        this.candLl = new double[nCandidates];
        this.candUb = new double[nCandidates];
        this.candPartial = new double[nCandidates];
        this.candVec = new double[Math.max(1, settings.nEiCandidates()) * Math.max(1, dims)];
    }

    private void ensure(int size) {
        if (bufMu.length < size) {
            bufMu = new double[Math.max(size, bufMu.length * 2)];
            bufW = new double[bufMu.length];
            bufObs = new int[bufMu.length];
        }
    }

    /**
     * Proposes a point into {@code out} from the first {@code n} observations, the best
     * {@code nBelow} of which are marked in {@code below}, and the pending rows; with
     * {@code exactOnly} every candidate is scored exactly. Returns how the winner was found.
     */
    int propose(SplittableRandom rng, int n, int nBelow, boolean[] below, double[][] pending, int pendingCount, boolean exactOnly,
                double[] out) {
        // observations with every parameter
        int mb = 0;
        if (smallIdx.length < nBelow) smallIdx = new int[nBelow * 2];
        for (int r = 0; r < nBelow; r++) {
            int i = obs.byLoss(r);
            if (complete(i)) smallIdx[mb++] = i;
        }
        for (int a = 1; a < mb; a++) {
            int v = smallIdx[a];
            int b = a - 1;
            while (b >= 0 && smallIdx[b] > v) {
                smallIdx[b + 1] = smallIdx[b];
                b--;
            }
            smallIdx[b + 1] = v;
        }
        ensure(Math.max(mb, 1) * dims);
        for (int a = 0; a < mb; a++) {
            int i = smallIdx[a];
            for (int d = 0; d < dims; d++) bufMu[a * dims + d] = obs.value(d, i);
            bufW[a] = TpeMath.defaultWeight(a, mb);
        }
        // the good group's floor counts every completed trial: as the search matures its kernels may
        // narrow below span / 26 (the gamma cap keeps it at 25 kernels otherwise)
        jBelow.fit(params, bufMu, bufW, mb, settings.priorWeight(), settings.considerMagicClip(), null,
                settings.bandwidthFactor(), n);
        int ma = 0;
        for (int i = 0; i < n; i++) if (!below[i] && complete(i)) ma++;
        int pc = 0;
        for (int k = 0; k < pendingCount; k++) if (completeRow(pending[k])) pc++;
        int total = ma + pc;
        ensure(Math.max(total, 1) * dims);
        int a = 0;
        for (int i = 0; i < n; i++) {
            if (below[i] || !complete(i)) continue;
            for (int d = 0; d < dims; d++) bufMu[a * dims + d] = obs.value(d, i);
            bufW[a] = TpeMath.defaultWeight(a, total);
            bufObs[a] = i;
            a++;
        }
        for (int k = 0; k < pendingCount; k++) {
            if (!completeRow(pending[k])) continue;
            System.arraycopy(pending[k], 0, bufMu, a * dims, dims);
            bufW[a] = TpeMath.defaultWeight(a, total);
            bufObs[a] = -1;
            a++;
        }
        jAbove.fit(params, bufMu, bufW, total, settings.priorWeight(), settings.considerMagicClip(), bufObs,
                settings.bandwidthFactor(), 0);
        int nc = nCandidates;
        double[] x = new double[dims];
        for (int k = 0; k < nc; k++) {
            jBelow.sample(rng, x);
            System.arraycopy(x, 0, candVec, k * dims, dims);
        }
        int best = 0;
        double bestScore = Double.NEGATIVE_INFINITY;
        if (jAbove.fast() && !exactOnly) {
            int how = BOUNDS;
            // bounds from the fast evaluation; exact scores only for candidates that might tie (as TpeModel.argmaxByBounds)
            double e = jAbove.approxBound();
            for (int k = 0; k < nc; k++) {
                System.arraycopy(candVec, k * dims, x, 0, dims);
                double ll = jBelow.logPdf(x);
                candLl[k] = ll;
                double sc = ll - jAbove.approxLog(x);
                candPartial[k] = sc - e;
                candUb[k] = sc + e;
                if (k == 0 || candPartial[k] > bestScore) {
                    bestScore = candPartial[k];
                    best = k;
                }
            }
            boolean clear = true;
            for (int k = 0; k < nc && clear; k++) if (k != best && candUb[k] >= bestScore) clear = false;
            if (!clear) {
                how = BOUNDS_THEN_EXACT;
                double lb = bestScore;
                int win = -1;
                double winScore = Double.NEGATIVE_INFINITY;
                for (int k = 0; k < nc; k++) {
                    if (k != best && candUb[k] < lb) continue;
                    System.arraycopy(candVec, k * dims, x, 0, dims);
                    double sc = candLl[k] - jAbove.logPdf(x);
                    if (win < 0 || sc > winScore) {
                        win = k;
                        winScore = sc;
                    }
                }
                best = win;
            }
            System.arraycopy(candVec, best * dims, out, 0, dims);
            return how;
        }
        for (int k = 0; k < nc; k++) {
            System.arraycopy(candVec, k * dims, x, 0, dims);
            double s = jBelow.logPdf(x) - jAbove.logPdf(x);
            if (s > bestScore) {
                bestScore = s;
                best = k;
            }
        }
        System.arraycopy(candVec, best * dims, out, 0, dims);
        return EXACT;
    }

    private boolean complete(int i) {
        for (int d = 0; d < dims; d++) if (Double.isNaN(obs.value(d, i))) return false;
        return true;
    }

    private static boolean completeRow(double[] row) {
        for (double v : row) if (Double.isNaN(v)) return false;
        return true;
    }
}
