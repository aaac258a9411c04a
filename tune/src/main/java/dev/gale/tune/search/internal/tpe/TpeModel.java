package dev.gale.tune.search.internal.tpe;

import java.util.SplittableRandom;
import java.util.function.IntUnaryOperator;

/**
 * The TPE proposal step on the internal scale, with the semantics of Optuna's {@code TPESampler}
 * (single objective): split the completed observations by loss into the best
 * {@code gamma(n)} ("below", l) and the rest ("above", g); fit Parzen estimators to both; draw
 * {@code nEiCandidates} from l and keep the candidate maximizing {@code log l(x) - log g(x)}.
 *
 * <p>Univariate mode handles every parameter on its own, using only the observations that have
 * it (so trials that lack a parameter, as conditional parameters will, are simply left out of
 * that parameter's estimators). Multivariate mode models all parameters jointly and uses the
 * observations that have every parameter; per-group decomposition of conditional spaces (Optuna's
 * {@code group=True}) would run this same joint step once per group of co-occurring parameters.
 *
 * <p>Pending trials (constant liar) join the "above" group with the worst loss. Weights are
 * Optuna's default (a ramp favouring recent observations beyond 25), in completion order, with
 * pending trials last.
 *
 * <p>Cost: with many observations, g is first evaluated fast with a rigorous error bound
 * ({@code Parzen1D.approx}, {@code ParzenJoint.approxLog}); the candidate with the best lower
 * bound of its score wins when no other candidate's upper bound reaches it, and otherwise it and
 * the candidates that might beat it are scored exactly. The proposal is therefore the one exact
 * scoring gives.
 *
 * <p>This class owns the split into the two groups and the univariate step of numeric parameters
 * (with each parameter's "above" estimator kept between proposals and grown by appending); the
 * step of categorical parameters is {@link CategoricalProposal}'s and the multivariate step
 * {@link JointProposal}'s.
 */
public final class TpeModel {

    /** The model's settings. */
    public record Settings(int nEiCandidates, IntUnaryOperator gamma, double priorWeight, boolean considerEndpoints,
                           boolean considerMagicClip, boolean multivariate, double bandwidthFactor) {
    }

    private final ParamSpec[] params;
    private final Settings settings;
    private final Observations obs;
    private final int dims;

    // scratch
    private boolean[] below = new boolean[16];
    private int[] pos = new int[16];
    private double[] bufMu = new double[16];
    private double[] bufW = new double[16];
    private int[] bufObs = new int[16];
    /** Per parameter, per observation o: [2o] a bandwidth, [2o + 1] 1 / the kernel's normalizer for it (a pure cache). */
    private double[][] zCache;
    private int[] smallIdx = new int[32];
    private double[] pendVals = new double[8];
    private final Parzen1D pBelow = new Parzen1D();
    /** Per parameter, its "above" estimator, kept between proposals and grown by {@link Parzen1D#append} when it can be. */
    private final Parzen1D[] aboveOf;
    /** Per parameter, the observation count its estimator has seen, and the below set's version then. */
    private final int[] aboveSeen;
    private final long[] aboveVersion;
    /** The below set of the last proposal (observation indices ascending) and a counter of its changes. */
    private int[] lastBelow = new int[0];
    private long belowVersion;
    private int[] bufRank = new int[16];
    private final double[] cand;
    private final double[] candLl;
    private final double[] candUb;
    private final int[] order;
    private final long[] candNext;
    private final double[] candPartial;
    /** The step of categorical parameters (univariate mode). */
    private final CategoricalProposal categorical;
    /** The joint step (multivariate mode only; null otherwise). */
    private final JointProposal joint;

    public TpeModel(ParamSpec[] params, Settings settings, Observations obs) {
        this.params = params.clone();
        this.settings = settings;
        this.obs = obs;
        this.dims = params.length;
        if (obs.dims() != dims) throw new IllegalArgumentException("observation width differs from the parameter count");
        this.cand = new double[Math.max(1, settings.nEiCandidates())];
        this.candLl = new double[cand.length];
        this.candUb = new double[cand.length];
        this.order = new int[cand.length];
        this.candNext = new long[cand.length];
        this.candPartial = new double[cand.length];
        this.categorical = new CategoricalProposal(settings, cand.length);
        this.joint = settings.multivariate() ? new JointProposal(this.params, settings, obs) : null;
        this.aboveOf = new Parzen1D[dims];
        this.aboveSeen = new int[dims];
        this.aboveVersion = new long[dims];
    }

    /**
     * Proposes a point into {@code out} (internal scale, on the grid for discrete parameters).
     *
     * @param pending    values of trials suggested but not completed (rows of length dims, NaN for a
     *                   missing parameter); used only by the constant liar, may be empty
     */
    public void propose(SplittableRandom rng, double[][] pending, int pendingCount, double[] out) {
        int n = obs.size();
        if (below.length < n) {
            below = new boolean[Math.max(n, below.length * 2)];
            pos = new int[below.length];
        }
        int nBelow = Math.max(0, Math.min(settings.gamma().applyAsInt(n), n));
        for (int i = 0; i < n; i++) below[i] = false;
        for (int r = 0; r < nBelow; r++) below[obs.byLoss(r)] = true;
        noteBelowSet(nBelow);
        abovePosFull = -1;
        if (settings.multivariate()) {
            int how = joint.propose(rng, n, nBelow, below, pending, pendingCount, exactOnly, out);
            if (how != JointProposal.EXACT) fastProposals++;
            if (how == JointProposal.BOUNDS_THEN_EXACT) exactFallbacks++;
        } else {
            for (int d = 0; d < dims; d++) {
                out[d] = params[d].categorical()
                        ? categorical.propose(rng, d, params[d].nChoices(), obs.column(d), below, n, pending, pendingCount)
                        : proposeNumeric(rng, d, n, nBelow, pending, pendingCount);
            }
        }
    }

    private void ensure(int size) {
        if (bufMu.length < size) {
            bufMu = new double[Math.max(size, bufMu.length * 2)];
            bufW = new double[bufMu.length];
            bufObs = new int[bufMu.length];
            bufRank = new int[bufMu.length];
        }
    }

    /** Bumps {@link #belowVersion} when the below set differs from the last proposal's. */
    private void noteBelowSet(int nBelow) {
        if (belowIds.length < nBelow) belowIds = new int[Math.max(nBelow, 2 * belowIds.length)];
        for (int r = 0; r < nBelow; r++) belowIds[r] = obs.byLoss(r);
        java.util.Arrays.sort(belowIds, 0, nBelow);
        if (java.util.Arrays.equals(belowIds, 0, nBelow, lastBelow, 0, lastBelow.length)) return;
        lastBelow = java.util.Arrays.copyOf(belowIds, nBelow);
        belowVersion++;
    }

    private int[] belowIds = new int[32];

    /** The above group's size when its completion ranks in {@link #pos} hold for every full parameter; -1 when not. */
    private int abovePosFull = -1;

    private double proposeNumeric(SplittableRandom rng, int d, int n, int nBelow, double[][] pending, int pendingCount) {
        ParamSpec p = params[d];
        double[] col = obs.column(d);
        // below: the best nBelow that have the parameter; weights by completion order
        int mb = 0;
        if (smallIdx.length < nBelow) smallIdx = new int[nBelow * 2];
        for (int r = 0; r < nBelow; r++) {
            int i = obs.byLoss(r);
            if (!Double.isNaN(col[i])) smallIdx[mb++] = i;
        }
        // sort those indices by completion order (insertion sort, small)
        for (int a = 1; a < mb; a++) {
            int v = smallIdx[a];
            int b = a - 1;
            while (b >= 0 && smallIdx[b] > v) {
                smallIdx[b + 1] = smallIdx[b];
                b--;
            }
            smallIdx[b + 1] = v;
        }
        ensure(Math.max(mb, 1));
        for (int a = 0; a < mb; a++) pos[smallIdx[a]] = a;
        // then by value (stable in completion order) into bufMu/bufW
        int filled = 0;
        int present = obs.present(d);
        if (mb > 0) {
            for (int r = 0; r < present && filled < mb; r++) {
                int i = obs.byValue(d, r);
                if (below[i]) {
                    bufMu[filled] = col[i];
                    bufW[filled] = TpeMath.defaultWeight(pos[i], mb);
                    filled++;
                }
            }
        }
        pBelow.fit(p, bufMu, bufW, mb, settings.priorWeight(), settings.considerEndpoints(), settings.considerMagicClip());

        Parzen1D pAbove = above(d, p, col, n, present, pending, pendingCount);
        int nc = cand.length;
        for (int k = 0; k < nc; k++) cand[k] = pBelow.sample(rng);
        if (pAbove.fast() && !exactOnly) {
            fastProposals++;
            return cand[argmaxByBounds(pAbove, nc)];
        }
        // argmax of log l - log g, first index on ties. g is costly with many observations, so
        // candidates are visited in decreasing order of an upper bound of their score (from a
        // partial sum of g) and the search stops once no remaining bound reaches the best score:
        // the same answer as evaluating every candidate.
        for (int k = 0; k < nc; k++) {
            candLl[k] = pBelow.logPdf(cand[k]);
            candNext[k] = pAbove.partial(cand[k]);
            candPartial[k] = pAbove.partialSum;
            candUb[k] = candLl[k] - Math.log(candPartial[k]) + 1e-9;
            order[k] = k;
        }
        for (int a = 1; a < nc; a++) {
            int v = order[a];
            int b = a - 1;
            while (b >= 0 && (candUb[order[b]] < candUb[v] || (candUb[order[b]] == candUb[v] && order[b] > v))) {
                order[b + 1] = order[b];
                b--;
            }
            order[b + 1] = v;
        }
        int bestIdx = -1;
        double bestScore = Double.NEGATIVE_INFINITY;
        for (int a = 0; a < nc; a++) {
            int k = order[a];
            if (bestIdx >= 0 && candUb[k] < bestScore) break;
            long next = candNext[k];
            double s = candLl[k] - pAbove.finish(cand[k], candPartial[k], (int) (next >>> 32), (int) next);
            if (bestIdx < 0 || s > bestScore || (s == bestScore && k < bestIdx)) {
                bestScore = s;
                bestIdx = k;
            }
        }
        return cand[bestIdx];
    }

    /**
     * Parameter d's "above" estimator: the observations not in the below set that have the
     * parameter, plus pending trials (constant liar), weighted by their completion rank (pending
     * trials last). When the below set is the one its estimator last saw, nothing was pending
     * then or now and it sums by cells, the observations completed since are appended (each is the
     * latest, so no rank moves); otherwise it is fitted afresh. Either way it is the same estimator.
     */
    private Parzen1D above(int d, ParamSpec p, double[] col, int n, int present, double[][] pending, int pendingCount) {
        Parzen1D est = aboveOf[d];
        if (est == null) est = aboveOf[d] = new Parzen1D();
        int np = 0;
        if (pendVals.length < pendingCount) pendVals = new double[pendingCount * 2];
        for (int k = 0; k < pendingCount; k++) {
            double v = pending[k][d];
            if (!Double.isNaN(v)) pendVals[np++] = v;
        }
        int seen = aboveSeen[d];
        aboveSeen[d] = n;
        boolean sameBelow = aboveVersion[d] == belowVersion;
        aboveVersion[d] = belowVersion;
        double[] zc = normalizerCache(d, n);
        if (np == 0 && sameBelow && est.appendable() && seen <= n && !freshFits) {
            for (int i = seen; i < n; i++) {
                if (Double.isNaN(col[i])) continue;
                est.append(col[i], i, zc);
                appends++;
            }
            return est;
        }
        // their completion ranks are the same for every parameter all observations have
        boolean full = present == n;
        int cnt;
        if (full && abovePosFull >= 0) {
            cnt = abovePosFull;
        } else {
            cnt = 0;
            for (int i = 0; i < n; i++) {
                if (!below[i] && !Double.isNaN(col[i])) pos[i] = cnt++;
            }
            abovePosFull = full ? cnt : -1;
        }
        int ma = cnt + np;
        ensure(ma);
        // pending positions: cnt + order of arrival; sort pending values keeping that position
        if (smallIdx.length < np) smallIdx = new int[np * 2];
        for (int k = 0; k < np; k++) smallIdx[k] = k;
        for (int a = 1; a < np; a++) {
            int v = smallIdx[a];
            int b = a - 1;
            while (b >= 0 && pendVals[smallIdx[b]] > pendVals[v]) {
                smallIdx[b + 1] = smallIdx[b];
                b--;
            }
            smallIdx[b + 1] = v;
        }
        int filled = 0;
        int pk = 0;
        for (int r = 0; r < present; r++) {
            int i = obs.byValue(d, r);
            if (below[i]) continue;
            double v = col[i];
            while (pk < np && pendVals[smallIdx[pk]] < v) {
                bufMu[filled] = pendVals[smallIdx[pk]];
                bufObs[filled] = -1;
                bufRank[filled++] = cnt + smallIdx[pk];
                pk++;
            }
            bufMu[filled] = v;
            bufObs[filled] = i;
            bufRank[filled++] = pos[i];
        }
        while (pk < np) {
            bufMu[filled] = pendVals[smallIdx[pk]];
            bufObs[filled] = -1;
            bufRank[filled++] = cnt + smallIdx[pk];
            pk++;
        }
        est.fitRanked(p, bufMu, bufRank, bufObs, ma, settings.priorWeight(), settings.considerEndpoints(),
                settings.considerMagicClip(), zc, np == 0);
        return est;
    }

    /** Parameter d's cache of kernel normalizers by observation, room for n observations. */
    private double[] normalizerCache(int d, int n) {
        if (zCache == null) zCache = new double[dims][];
        if (zCache[d] == null || zCache[d].length < 2 * n) {
            int old = zCache[d] == null ? 0 : zCache[d].length;
            double[] z = new double[Math.max(2 * n, 2 * old)];
            if (old > 0) System.arraycopy(zCache[d], 0, z, 0, old);
            for (int k = old; k < z.length; k += 2) z[k] = Double.NaN; // no bandwidth yet
            zCache[d] = z;
        }
        return zCache[d];
    }

    /**
     * The argmax of {@code log l - log g} over the candidates (first index on ties) when g is
     * summed by cells: each candidate's score is bounded from g's approximation and its error
     * bound; the candidate with the best lower bound wins outright when no other upper bound
     * reaches it, otherwise it and every candidate that might beat it are scored exactly. Either
     * way the answer is that of exact scores.
     */
    private int argmaxByBounds(Parzen1D pAbove, int nc) {
        int best = -1;
        double bestLo = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < nc; k++) {
            double ll = pBelow.logPdf(cand[k]);
            double g = pAbove.approx(cand[k]);
            double e = pAbove.approxError;
            candLl[k] = ll;
            if (e < 0.5 * g) {
                candPartial[k] = ll - Math.log(g + e); // lower bound
                candUb[k] = ll - Math.log(g - e);
            } else {
                candPartial[k] = Double.NEGATIVE_INFINITY;
                candUb[k] = Double.POSITIVE_INFINITY;
            }
            if (best < 0 || candPartial[k] > bestLo) {
                best = k;
                bestLo = candPartial[k];
            }
        }
        boolean clear = true;
        for (int k = 0; k < nc && clear; k++) if (k != best && candUb[k] >= bestLo) clear = false;
        if (clear) return best;
        int win = -1;
        double winScore = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < nc; k++) {
            if (k != best && candUb[k] < bestLo) continue;
            double sc = candLl[k] - pAbove.logPdf(cand[k]);
            if (win < 0 || sc > winScore) {
                win = k;
                winScore = sc;
            }
        }
        exactFallbacks++;
        return win;
    }

    /** How many proposals needed exact scores after the bounds (diagnostics for tests). */
    long exactFallbacks;
    /** How many proposals (per parameter when univariate) took the fast evaluation. */
    long fastProposals;
    /** Scores every candidate exactly (no cell sums, no fast joint evaluation): for tests that compare both. */
    boolean exactOnly;
    /** Fits every "above" estimator afresh instead of appending: for tests that compare both. */
    boolean freshFits;
    /** How many observations were appended to an estimator instead of refitting it (diagnostics for tests). */
    long appends;
}
