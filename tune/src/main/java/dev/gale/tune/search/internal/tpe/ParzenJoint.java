package dev.gale.tune.search.internal.tpe;

import java.util.SplittableRandom;

/**
 * The multivariate Parzen estimator of Optuna's {@code multivariate=True} TPE: one product kernel
 * per observation (plus a prior kernel), the same bandwidth for every kernel in a dimension,
 * {@code 0.2 · max(m, 1)^(-1/(D+4)) · span}, magic-clipped as in the univariate case.
 * Categorical dimensions use Optuna's prior-weighted per-kernel distribution.
 *
 * <p>A reusable buffer; {@link #fit} overwrites it. Evaluating the density visits every kernel.
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
    private double logTotal;
    private double sigmaTerms; // sum over continuous dims of log sigma + HALF_LOG_2PI
    private double[] baseUb = new double[16]; // an upper bound of base[k]

    void fit(ParamSpec[] params, double[] mus, double[] rawWeights, int count, double priorWeight, boolean magicClip) {
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
        for (ParamSpec p : params) if (p.categorical() || p.step() > 0) allContinuous = false;
        double total = priorWeight;
        for (int k = 0; k < count; k++) {
            w[k] = rawWeights[k];
            total += w[k];
        }
        totalW = total;
        double logTotal = Math.log(total);
        int nKernels = count + 1;
        double shrink = 0.2 * Math.pow(Math.max(count, 1), -1.0 / (dims + 4));
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
                double minSigma = magicClip ? span / Math.min(100.0, 1.0 + nKernels) : 1e-12;
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
