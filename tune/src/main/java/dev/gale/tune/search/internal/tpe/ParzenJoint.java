package dev.gale.tune.search.internal.tpe;

import java.util.SplittableRandom;

/**
 * The multivariate Parzen estimator of Optuna's {@code multivariate=True} TPE: one product kernel
 * per observation (plus a prior kernel), the same bandwidth for every kernel in a dimension,
 * {@code factor · max(m, 1)^(-1/(D+4)) · span} (Optuna's factor is 0.2; Gale's default 0.07, see
 * {@code TpeSearcher.Builder#bandwidthFactor}), magic-clipped below at
 * {@code span / min(100, 1 + max(m + 1, clipCount))}.
 * Categorical dimensions use Optuna's prior-weighted per-kernel distribution.
 *
 * <p>A reusable buffer; {@link #fit} overwrites it. Evaluating the density exactly
 * ({@link #logPdf}) visits every kernel. With every dimension continuous or categorical (none
 * discrete) and many kernels, {@link #approxLog} gives the same within {@link #approxBound()}: each
 * kernel's exponent is an affine function of the continuous coordinates of the query point plus, per
 * categorical dimension, a term read from a row of that dimension's category (dimension-major
 * arrays, so the loops vectorize), the
 * kernels' normalizers come from a per-observation cache taken at the bandwidth factor rounded to
 * a fixed grid (a pure function of the observation and the grid point, so results do not depend
 * on history) with a first-order correction, and exp is a branch-free polynomial.
 */
final class ParzenJoint {
    private ParamSpec[] ps;
    private int dims, m;
    private double[] mu = new double[64];    // [k * dims + d], k < m (data kernels)
    private double[] base = new double[16];  // per data kernel: log w - sum_d (log sigma + log Z + HALF) (continuous dims)
    private double[] w = new double[16];
    private double[] sig;          // per dim, data kernels
    private double[] invSig;
    private double[] logOn, logOff; // per categorical dim: log prob of the kernel's own / another category
    private double priorBase, totalW;
    private boolean allContinuous;
    /** No discrete dimension: {@link #approxLog} may be offered. */
    private boolean noDiscrete;
    private double logTotal;
    private double sigmaTerms; // sum over continuous dims of log sigma + HALF_LOG_2PI
    private double[] baseUb = new double[16]; // an upper bound of base[k]

    /**
     * Fits the estimator; {@code obsOf[k]} (may be null) names kernel k's observation (or -1), the
     * key of a cache of its normalizing constants used by {@link #approxLog}. {@code factor} scales
     * the bandwidths; {@code clipCount} (0 for none) lowers the magic clip's floor as if there were
     * that many kernels, when it exceeds the kernel count.
     */
    void fit(ParamSpec[] params, double[] mus, double[] rawWeights, int count, double priorWeight, boolean magicClip,
             int[] obsOf, double factor, int clipCount) {
        this.ps = params;
        this.dims = params.length;
        this.m = count;
        if (mu.length < count * dims) mu = new double[Math.max(count * dims, mu.length * 2)];
        if (base.length < count) {
            base = new double[Math.max(count, base.length * 2)];
            w = new double[base.length];
        }
        if (sig == null || sig.length != dims) {
            sig = new double[dims];
            invSig = new double[dims];
            logOn = new double[dims];
            logOff = new double[dims];
        }
        System.arraycopy(mus, 0, mu, 0, count * dims);
        allContinuous = true;
        noDiscrete = true;
        for (ParamSpec p : params) {
            if (p.categorical() || p.step() > 0) allContinuous = false;
            if (!p.categorical() && p.step() > 0) noDiscrete = false;
        }
        double total = priorWeight;
        for (int k = 0; k < count; k++) {
            w[k] = rawWeights[k];
            total += w[k];
        }
        totalW = total;
        double logTotal = Math.log(total);
        int nKernels = count + 1;
        double shrink = factor * Math.pow(Math.max(count, 1), -1.0 / (dims + 4));
        priorBase = Math.log(priorWeight) - logTotal;
        for (int d = 0; d < dims; d++) {
            ParamSpec p = params[d];
            if (p.categorical()) {
                int n = p.nChoices();
                double off = priorWeight / nKernels;
                double norm = off * n + 1.0;
                logOn[d] = Math.log((off + 1.0) / norm);
                logOff[d] = Math.log(off / norm);
                priorBase -= Math.log(n);
            } else {
                double span = p.span();
                double minSigma = magicClip ? span / Math.min(100.0, 1.0 + Math.max(nKernels, clipCount)) : 1e-12;
                double s = Math.min(span, Math.max(minSigma, shrink * span));
                sig[d] = s;
                invSig[d] = 1.0 / s;
                double pm = 0.5 * (p.low() + p.high());
                priorBase -= TpeMath.logZ(pm, span, p.lo(), p.hi());
                if (p.step() == 0) priorBase -= Math.log(span) + TpeMath.HALF_LOG_2PI;
            }
        }
        double c = 0;
        for (int d = 0; d < dims; d++) {
            ParamSpec p = params[d];
            if (p.categorical()) continue;
            c += 1.2; // -log Z <= 1.2: every mean lies in the range and sigma <= span
            if (p.step() == 0) c -= Math.log(sig[d]) + TpeMath.HALF_LOG_2PI;
        }
        this.logTotal = logTotal;
        double st = 0;
        for (int d = 0; d < dims; d++) {
            ParamSpec p = params[d];
            if (!p.categorical() && p.step() == 0) st += Math.log(sig[d]) + TpeMath.HALF_LOG_2PI;
        }
        this.sigmaTerms = st;
        if (baseUb.length < base.length) baseUb = new double[base.length];
        for (int k = 0; k < count; k++) {
            baseUb[k] = Math.log(w[k]) - logTotal + c;
            base[k] = Double.NaN;
        }
        fast = false;
        if (noDiscrete && count >= FAST_MIN) buildFast(shrink, obsOf);
    }

    // ---- the vectorizable evaluation of many continuous kernels (approxLog) ----

    /** At least this many kernels (no dimension discrete) before {@link #approxLog} is offered. */
    static final int FAST_MIN = 256;
    /** Normalizers are cached at log(shrink) rounded to a multiple of this (so |Δ log s| ≤ GRID / 2). */
    private static final double GRID = 2e-3;
    private boolean fast;
    private double[] cK = new double[16];     // per kernel: its log weight and normalizer, minus |mu'|² / 2
    private double[][] muS = new double[0][]; // [j][k]: (mu - low_d) / sigma_d for the j-th continuous dimension d
    private int[] contDims = new int[0];      // the continuous dimensions, in order
    private int[] catDims = new int[0];       // the categorical dimensions, in order
    private double[][][] catRows = new double[0][][]; // [j][c][k]: logOn - logOff where kernel k's category is c, else 0
    private double[] tBuf = new double[16];
    private double[] xS = new double[0];
    private double approxBound;
    // per observation: Σ_d log Z at the grid's shrink, its derivative in log shrink, and the grid index
    private double[] cacheL = new double[0];
    private double[] cacheD = new double[0];
    private int[] cacheG = new int[0];

    private void buildFast(double shrink, int[] obsOf) {
        int nCont = 0;
        for (int d = 0; d < dims; d++) {
            if (ps[d].categorical()) continue;
            nCont++;
            if (sig[d] != shrink * ps[d].span()) return; // clipped: exact path only
        }
        int nCat = dims - nCont;
        if (contDims.length != nCont || catDims.length != nCat) {
            contDims = new int[nCont];
            catDims = new int[nCat];
        }
        for (int d = 0, a = 0, b = 0; d < dims; d++) {
            if (ps[d].categorical()) catDims[b++] = d;
            else contDims[a++] = d;
        }
        double logS = Math.log(shrink);
        int g = (int) Math.rint(logS / GRID);
        double sc = Math.exp(g * GRID);
        double dl = logS - g * GRID;
        int cap0 = cK.length;
        if (muS.length != nCont || cap0 < m || catRows.length != nCat) {
            int cap = Math.max(m, cap0 < m ? cap0 * 2 : cap0);
            muS = new double[nCont][cap];
            cK = new double[cap];
            tBuf = new double[cap];
            catRows = new double[nCat][][];
            for (int j = 0; j < nCat; j++) catRows[j] = new double[ps[catDims[j]].nChoices()][cap];
        }
        for (int j = 0; j < nCat; j++) {
            int d = catDims[j];
            if (catRows[j].length != ps[d].nChoices() || catRows[j][0].length < cK.length) {
                catRows[j] = new double[ps[d].nChoices()][cK.length];
            }
        }
        double catOff = 0;
        for (int j = 0; j < nCat; j++) {
            int d = catDims[j];
            double on = logOn[d] - logOff[d];
            double[][] rows = catRows[j];
            for (double[] row : rows) java.util.Arrays.fill(row, 0, m, 0.0);
            for (int k = 0; k < m; k++) rows[(int) mu[k * dims + d]][k] = on;
            catOff += logOff[d];
        }
        if (xS.length != nCont) xS = new double[nCont];
        double maxAbs = 0;
        for (int k = 0; k < m; k++) {
            int o = obsOf == null ? -1 : obsOf[k];
            if (o >= 0 && o >= cacheG.length) {
                int cap = Math.max(o + 1, cacheG.length * 2);
                int old = cacheG.length;
                cacheL = java.util.Arrays.copyOf(cacheL, cap);
                cacheD = java.util.Arrays.copyOf(cacheD, cap);
                cacheG = java.util.Arrays.copyOf(cacheG, cap);
                java.util.Arrays.fill(cacheG, old, cap, Integer.MIN_VALUE);
            }
            int off = k * dims;
            double lz, ld;
            if (o >= 0 && cacheG[o] == g) {
                lz = cacheL[o];
                ld = cacheD[o];
            } else {
                lz = 0;
                ld = 0;
                for (int d : contDims) {
                    ParamSpec p = ps[d];
                    double sd = sc * p.span();
                    double mk = mu[off + d];
                    double z = TpeMath.normalizer(mk, sd, p.lo(), p.hi());
                    double za = (p.lo() - mk) / sd;
                    double zb = (p.hi() - mk) / sd;
                    lz += Math.log(z);
                    ld += (za * Math.exp(-0.5 * za * za) - zb * Math.exp(-0.5 * zb * zb)) * INV_SQRT_2PI / z;
                }
                if (o >= 0) {
                    cacheL[o] = lz;
                    cacheD[o] = ld;
                    cacheG[o] = g;
                }
            }
            double q = 0;
            for (int j = 0; j < nCont; j++) {
                int d = contDims[j];
                double v = (mu[off + d] - ps[d].low()) * invSig[d];
                muS[j][k] = v;
                q += v * v;
            }
            double ck = Math.log(w[k]) - logTotal - (lz + ld * dl) - sigmaTerms - 0.5 * q + catOff;
            cK[k] = ck;
            maxAbs = Math.max(maxAbs, Math.abs(ck) + q);
        }
        // |Δ log Z| per dimension: Taylor remainder ≤ 4 Δ² (|(log Z)''| ≤ 8 in log shrink, Z ≥ 0.34),
        // plus the table's error (≤ 2.5e-7 in Φ, twice: at the grid point and in the exact sum);
        // rounding of the exponents, the polynomial exp and the dropped far terms
        // (the categorical terms are exact: one add each)
        approxBound = nCont * (4 * dl * dl + 1.5e-6) + 64 * Math.ulp(maxAbs + 1) * (dims + 4) + 1e-9;
        fast = true;
    }

    private static final double INV_SQRT_2PI = 1.0 / Math.sqrt(2 * Math.PI);

    /** Whether the last fit offers {@link #approxLog}. */
    boolean fast() {
        return fast;
    }

    /** A bound of |approxLog(x) − logPdf(x)| for every x, for the last fit. */
    double approxBound() {
        return approxBound;
    }

    /**
     * log of the mixture density at {@code x} within {@link #approxBound()} of {@link #logPdf}:
     * exponents as one affine function of x per kernel (dimension by dimension over all kernels, so
     * the loops vectorize), normalizers from the per-observation cache, and a polynomial exp.
     */
    double approxLog(double[] x) {
        double t0 = priorBase;
        int nCont = contDims.length;
        double xx = 0;
        for (int j = 0; j < nCont; j++) {
            int d = contDims[j];
            ParamSpec p = ps[d];
            double pm = 0.5 * (p.low() + p.high());
            double z = (x[d] - pm) / p.span();
            t0 -= 0.5 * z * z;
            double v = (x[d] - p.low()) * invSig[d];
            xS[j] = v;
            xx += v * v;
        }
        int n = m;
        double[] t = tBuf;
        System.arraycopy(cK, 0, t, 0, n);
        int j = 0;
        for (; j + 1 < nCont; j += 2) {
            double a = xS[j], b = xS[j + 1];
            double[] m0 = muS[j], m1 = muS[j + 1];
            for (int k = 0; k < n; k++) t[k] += a * m0[k] + b * m1[k];
        }
        if (j < nCont) {
            double a = xS[j];
            double[] m0 = muS[j];
            for (int k = 0; k < n; k++) t[k] += a * m0[k];
        }
        for (int c = 0; c < catDims.length; c++) {
            double[] row = catRows[c][(int) x[catDims[c]]];
            for (int k = 0; k < n; k++) t[k] += row[k];
        }
        double max = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < n; k++) max = Math.max(max, t[k]);
        for (int k = 0; k < n; k++) t[k] = expNeg(t[k] - max);
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int k = 0;
        for (; k + 3 < n; k += 4) {
            s0 += t[k];
            s1 += t[k + 1];
            s2 += t[k + 2];
            s3 += t[k + 3];
        }
        for (; k < n; k++) s0 += t[k];
        double top = max - 0.5 * xx + Math.log((s0 + s1) + (s2 + s3));
        return top >= t0 ? top + Math.log1p(Math.exp(t0 - top)) : t0 + Math.log1p(Math.exp(top - t0));
    }

    /**
     * e^y for y ≤ 0 by (Taylor polynomial of e^{y/128})^128, relative error below 1e-12 for
     * y ≥ −64; e^−64 for anything lower (an overestimate far below the tolerance). Branch-free so
     * that loops over it vectorize.
     */
    static double expNeg(double y) {
        double z = Math.max(y, -64.0) * (1.0 / 128);
        double p = 1 + z * (1 + z * (1.0 / 2 + z * (1.0 / 6 + z * (1.0 / 24 + z * (1.0 / 120 + z * (1.0 / 720
                + z * (1.0 / 5040 + z * (1.0 / 40320 + z * (1.0 / 362880 + z * (1.0 / 3628800
                + z * (1.0 / 39916800)))))))))));
        p *= p;
        p *= p;
        p *= p;
        p *= p;
        p *= p;
        p *= p;
        p *= p;
        return p;
    }

    /** log w_k - sum over numeric dims of (log Z, and log sigma + HALF_LOG_2PI when continuous); computed on first use. */
    private double base(int k) {
        double b = base[k];
        if (Double.isNaN(b)) {
            double zProd = 1.0;
            int off = k * dims;
            for (int d = 0; d < dims; d++) {
                ParamSpec p = ps[d];
                if (p.categorical()) continue;
                zProd *= TpeMath.normalizer(mu[off + d], sig[d], p.lo(), p.hi());
            }
            b = Math.log(w[k]) - logTotal - Math.log(zProd) - sigmaTerms;
            base[k] = b;
        }
        return b;
    }

    /** A draw from the mixture into {@code out} (one kernel for all dimensions). */
    void sample(SplittableRandom rng, double[] out) {
        double u = rng.nextDouble() * totalW;
        int k = -1;
        for (int i = 0; i < m; i++) {
            u -= w[i];
            if (u < 0) {
                k = i;
                break;
            }
        }
        for (int d = 0; d < dims; d++) {
            ParamSpec p = ps[d];
            if (p.categorical()) {
                int n = p.nChoices();
                if (n == 1) {
                    out[d] = 0;
                } else if (k < 0) {
                    out[d] = rng.nextInt(n);
                } else {
                    // the kernel's distribution: its own category with prob e^logOn, the others e^logOff
                    int own = (int) mu[k * dims + d];
                    double r = rng.nextDouble();
                    double on = Math.exp(logOn[d]);
                    if (r < on) {
                        out[d] = own;
                    } else {
                        int j = (int) ((r - on) / Math.exp(logOff[d]));
                        if (j >= n - 1) j = n - 2;
                        out[d] = j >= own ? j + 1 : j;
                    }
                }
            } else {
                double km = k < 0 ? 0.5 * (p.low() + p.high()) : mu[k * dims + d];
                double ks = k < 0 ? p.span() : sig[d];
                out[d] = p.snap(TpeMath.sampleTruncated(rng, km, ks, p.lo(), p.hi()));
            }
        }
    }

    /** log of the mixture density at {@code x}. */
    double logPdf(double[] x) {
        // prior kernel
        double t0 = priorBase;
        for (int d = 0; d < dims; d++) {
            ParamSpec p = ps[d];
            if (p.categorical()) continue;
            double pm = 0.5 * (p.low() + p.high());
            double span = p.span();
            if (p.step() == 0) {
                double z = (x[d] - pm) / span;
                t0 -= 0.5 * z * z;
            } else {
                double h = p.step() / 2;
                t0 += TpeMath.logMassBetween((x[d] - h - pm) / span, (x[d] + h - pm) / span);
            }
        }
        double max = t0;
        double sum = 1.0;
        if (allContinuous) {
            // fast path; a kernel is dropped as soon as its partial exponent is below max - 60,
            // where it would be dropped anyway (the exponent only decreases with more dimensions)
            for (int k = 0; k < m; k++) {
                double lim = 2 * (baseUb[k] - max + 60);
                if (lim <= 0) continue;
                double q = 0;
                int off = k * dims;
                int d = 0;
                for (; d < dims; d++) {
                    double z = (x[d] - mu[off + d]) * invSig[d];
                    q += z * z;
                    if (q >= lim) break;
                }
                if (d < dims) continue;
                double t = base(k) - 0.5 * q;
                if (t > max) {
                    sum = sum * Math.exp(max - t) + 1.0;
                    max = t;
                } else if (t > max - 60) {
                    sum += Math.exp(t - max);
                }
            }
            return max + Math.log(sum);
        }
        for (int k = 0; k < m; k++) {
            double t = base(k);
            double q = 0;
            int off = k * dims;
            for (int d = 0; d < dims; d++) {
                ParamSpec p = ps[d];
                double md = mu[off + d];
                if (p.categorical()) {
                    t += ((int) x[d] == (int) md) ? logOn[d] : logOff[d];
                } else if (p.step() == 0) {
                    double z = (x[d] - md) * invSig[d];
                    q += z * z;
                } else {
                    double h = p.step() / 2;
                    t += TpeMath.logMassBetween((x[d] - h - md) * invSig[d], (x[d] + h - md) * invSig[d]);
                }
            }
            t -= 0.5 * q;
            if (t > max) {
                sum = sum * Math.exp(max - t) + 1.0;
                max = t;
            } else if (t > max - 60) {
                sum += Math.exp(t - max);
            }
        }
        return max + Math.log(sum);
    }
}
