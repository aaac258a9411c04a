package dev.gale.tune.search;

import dev.gale.tune.Mode;
import dev.gale.tune.search.internal.cma.CatCma;
import dev.gale.tune.search.internal.cma.CmaEs;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@link CmaEsSearcher}'s warm start from earlier trials (WS-CMA-ES, Nomura et al., AAAI 2021, as
 * Optuna's {@code source_trials}): the trials given to the builder, and the fit of the first
 * run's search distribution to the best of them.
 *
 * <p>Promises: immutable; {@link #apply} reads the trials, changes only the distributions it is
 * given, and draws no random numbers.
 */
final class CmaWarmStart {
    /** The fraction of the best warm-start trials that the initial distribution is fitted to (WS-CMA-ES's gamma). */
    static final double WARM_GAMMA = 0.1;
    /** The isotropic spread added to the warm-start covariance, in unit coordinates (WS-CMA-ES's alpha). */
    static final double WARM_ALPHA = 0.1;
    private final List<Map<String, Object>> warmConfigs;
    private final List<Double> warmValues;

    /** The flat configs of earlier trials and their metric values as reported (null: none). */
    CmaWarmStart(List<Map<String, Object>> warmConfigs, List<Double> warmValues) {
        this.warmConfigs = warmConfigs;
        this.warmValues = warmValues;
    }

    /**
     * Warm start (WS-CMA-ES, Nomura et al., AAAI 2021, as Optuna's {@code source_trials}): the
     * first run starts from the Gaussian fitted to the best {@code ceil(gamma n)} of the given
     * trials (at least 2): their mean, their covariance plus {@code alpha² I} in unit coordinates
     * (sigma the geometric mean scale), and each categorical distribution from their choices
     * (add-one smoothed, then CatCMA's margin). Parameters missing from a config are not used.
     * Applied to {@code cma} and {@code cat}, the distributions of a space laid out by {@code enc},
     * with {@code mode}'s sign; nothing happens without a continuous parameter or with fewer than
     * 2 usable trials.
     */
    void apply(CmaEncoding enc, Mode mode, CmaEs cma, CatCma cat) {
        if (warmConfigs == null || warmConfigs.isEmpty() || cma == null) return;
        String[] contPaths = enc.contPaths;
        Domain[] contDomains = enc.contDomains;
        String[] catPaths = enc.catPaths;
        Domain[] catDomains = enc.catDomains;
        int n = contPaths.length;
        List<double[]> xs = new ArrayList<>();
        List<int[]> cs = new ArrayList<>();
        List<Double> fs = new ArrayList<>();
        for (int t = 0; t < warmConfigs.size(); t++) {
            Map<String, Object> cfg = warmConfigs.get(t);
            double v = warmValues.get(t);
            if (!Double.isFinite(v)) continue;
            double[] x = new double[n];
            boolean ok = true;
            for (int i = 0; i < n && ok; i++) {
                Object val = cfg.get(contPaths[i]);
                if (val == null || !contDomains[i].contains(val)) ok = false;
                else x[i] = dev.gale.tune.search.internal.relative.UnitCoordinates.of(contDomains[i], val);
            }
            int[] c = new int[catPaths.length];
            for (int i = 0; i < c.length && ok; i++) {
                Object val = cfg.get(catPaths[i]);
                List<?> ch = CmaEncoding.choices(catDomains[i]);
                int k = ch.indexOf(val);
                if (k < 0 && val instanceof Number num) {
                    for (int j = 0; j < ch.size(); j++) if (ch.get(j) instanceof Number o && o.doubleValue() == num.doubleValue()) k = j;
                }
                if (k < 0) ok = false;
                c[i] = k;
            }
            if (!ok) continue;
            xs.add(x);
            cs.add(c);
            fs.add(mode == Mode.MAX ? -v : v);
        }
        if (xs.size() < 2) return;
        Integer[] order = new Integer[xs.size()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        java.util.Arrays.sort(order, (a, b) -> {
            int r = Double.compare(fs.get(a), fs.get(b));
            return r != 0 ? r : Integer.compare(a, b);
        });
        int k = Math.max(2, (int) Math.ceil(WARM_GAMMA * xs.size()));
        double[] m = new double[n];
        for (int r = 0; r < k; r++) for (int i = 0; i < n; i++) m[i] += xs.get(order[r])[i] / k;
        double[] cov = new double[n * n];
        for (int r = 0; r < k; r++) {
            double[] x = xs.get(order[r]);
            for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) cov[i * n + j] += (x[i] - m[i]) * (x[j] - m[j]) / k;
        }
        for (int i = 0; i < n; i++) cov[i * n + i] += WARM_ALPHA * WARM_ALPHA;
        cma.warmStart(m, 1.0, cov);
        cat.warmStart(cs, order, k);
    }
}
