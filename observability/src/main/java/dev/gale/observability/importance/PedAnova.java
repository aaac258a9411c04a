package dev.gale.observability.importance;

import dev.gale.observability.importance.internal.ScottParzen;
import dev.gale.tune.Mode;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Hyperparameter importance by PED-ANOVA (Watanabe, Bansal, Hutter: "PED-ANOVA: Efficiently
 * Quantifying Hyperparameter Importance in Arbitrary Subspaces", IJCAI 2023), computed as Optuna's
 * {@code PedAnovaImportanceEvaluator} does (the evaluator optuna-dashboard uses because fANOVA takes
 * over a minute past 1,000 trials).
 *
 * <p>For each parameter, a Parzen estimator of its values in the top {@code baselineQuantile} of
 * the trials (at least {@code minTopTrials} trials) is compared with one of all trials
 * ({@code evaluateOnLocal}, the default: importance during this search) or with the uniform density
 * over the domain: the importance is the Pearson divergence between the two, and the importances
 * are normalized to sum to 1. A parameter that helps reach the top quantile concentrates the top
 * trials' density and gets a large share.
 *
 * <p>Promises: deterministic (no randomness); {@code O(trials × params + params × gridSize²)} time;
 * parameters whose domain holds one value get 0; with no more trials than {@code minTopTrials}, or
 * when every divergence is 0, every other parameter gets the same share; observations with a
 * non-finite value are left out. Thread-safe (immutable).
 *
 * @param baselineQuantile the top share of trials whose parameters are compared, in (0, 1] (default 0.1)
 * @param evaluateOnLocal  true: compare with all trials' density; false: with the uniform density
 * @param nSteps           grid points of a numeric domain (default 50)
 * @param priorWeight      weight of the prior component of each estimator (default 1)
 * @param minTopTrials     the least number of top trials (default 2)
 */
public record PedAnova(double baselineQuantile, boolean evaluateOnLocal, int nSteps, double priorWeight, int minTopTrials) {
    public PedAnova {
        if (!(baselineQuantile > 0 && baselineQuantile <= 1)) {
            throw new IllegalArgumentException("baselineQuantile = " + baselineQuantile + ": must be in (0, 1], e.g. 0.1 for the top 10 %");
        }
        if (nSteps < 2) throw new IllegalArgumentException("nSteps = " + nSteps + ": must be >= 2");
        if (!(priorWeight > 0)) throw new IllegalArgumentException("priorWeight = " + priorWeight + ": must be > 0");
        if (minTopTrials < 1) throw new IllegalArgumentException("minTopTrials = " + minTopTrials + ": must be >= 1");
    }

    /** Optuna's defaults: top 10 %, local, 50 grid points, prior weight 1, at least 2 top trials. */
    public static PedAnova defaults() {
        return new PedAnova(0.1, true, 50, 1.0, 2);
    }

    /** This evaluator with another baseline quantile. */
    public PedAnova withBaselineQuantile(double q) {
        return new PedAnova(q, evaluateOnLocal, nSteps, priorWeight, minTopTrials);
    }

    /**
     * One trial as the evaluation sees it.
     *
     * @param params its parameters (flat: path to value)
     * @param value  its objective value
     */
    public record Observation(Map<String, Object> params, double value) {
        public Observation {
            if (params == null) throw new IllegalArgumentException("params is null");
        }
    }

    /** As {@link #evaluate(List, Mode, Map)}, with domains inferred from the values ({@link ParamDomain#infer}). */
    public List<ParamImportance> evaluate(List<Observation> observations, Mode mode) {
        List<Observation> finite = finite(observations);
        List<Map<String, Object>> configs = new ArrayList<>(finite.size());
        for (Observation o : finite) configs.add(o.params());
        return evaluate(finite, mode, ParamDomain.infer(configs));
    }

    /**
     * The importance of each parameter of {@code domains} (held by every observation), most
     * important first (equal importances by name).
     *
     * @param observations the trials with their objective values
     * @param mode         whether low ({@link Mode#MIN}) or high values are better
     * @param domains      the parameters' domains
     * @throws IllegalArgumentException when an observation lacks a parameter of {@code domains} or
     *                                  holds a value outside a categorical domain
     */
    public List<ParamImportance> evaluate(List<Observation> observations, Mode mode, Map<String, ParamDomain> domains) {
        if (mode == null) throw new IllegalArgumentException("mode is null: say whether MIN or MAX values are better");
        List<Observation> trials = finite(observations);
        Map<String, ParamDomain> varying = new LinkedHashMap<>();
        List<String> single = new ArrayList<>();
        domains.forEach((k, d) -> {
            if (d.single()) single.add(k);
            else varying.put(k, d);
        });
        List<ParamImportance> out = new ArrayList<>();
        if (varying.isEmpty()) {
            for (String s : single) out.add(new ParamImportance(s, 0));
            return out;
        }
        int n = trials.size();
        Map<String, Double> imp = new LinkedHashMap<>();
        if (n <= minTopTrials) {
            for (String k : varying.keySet()) imp.put(k, 1.0 / varying.size());
        } else {
            boolean[] top = topTrials(trials, mode);
            double sum = 0;
            List<Object> values = new ArrayList<>(n);
            int[] idx = new int[n];
            for (Map.Entry<String, ParamDomain> e : varying.entrySet()) {
                values.clear();
                for (Observation o : trials) {
                    Object v = o.params().get(e.getKey());
                    if (v == null && !o.params().containsKey(e.getKey())) {
                        throw new IllegalArgumentException("an observation lacks parameter " + e.getKey()
                                + ": give domains only for parameters every trial has");
                    }
                    values.add(v);
                }
                double d = divergence(e.getValue(), values, top, idx);
                imp.put(e.getKey(), d);
                sum += d;
            }
            if (sum > 0) {
                for (Map.Entry<String, Double> e : imp.entrySet()) e.setValue(e.getValue() / sum);
            } else {
                for (String k : varying.keySet()) imp.put(k, 1.0 / varying.size());
            }
        }
        imp.forEach((k, v) -> out.add(new ParamImportance(k, Math.min(1, v))));
        for (String s : single) out.add(new ParamImportance(s, 0));
        // ties by name: the order of the parameters in the observations (Map.of: differs between JVMs) must not matter
        out.sort(Comparator.comparingDouble(ParamImportance::importance).reversed().thenComparing(ParamImportance::name));
        return out;
    }

    /** Which trials are in the top quantile (Optuna's quantile filter: at least {@code minTopTrials}, ties kept). */
    private boolean[] topTrials(List<Observation> trials, Mode mode) {
        int n = trials.size();
        double sign = mode == Mode.MIN ? 1 : -1;
        double[] loss = new double[n];
        for (int i = 0; i < n; i++) loss[i] = sign * trials.get(i).value();
        double[] sorted = loss.clone();
        Arrays.sort(sorted);
        int q = Math.max(0, (int) Math.ceil(baselineQuantile * n) - 1);
        double cutoff = Math.max(sorted[Math.min(n, minTopTrials) - 1], sorted[q]);
        boolean[] top = new boolean[n];
        for (int i = 0; i < n; i++) top[i] = loss[i] <= cutoff;
        return top;
    }

    private double divergence(ParamDomain d, List<Object> values, boolean[] top, int[] idx) {
        int grid = ScottParzen.gridSize(d, nSteps);
        ScottParzen.gridIndices(d, grid, values, idx);
        double[] topCounts = new double[grid];
        double[] allCounts = new double[grid];
        for (int i = 0; i < values.size(); i++) {
            allCounts[idx[i]]++;
            if (top[i]) topCounts[idx[i]]++;
        }
        boolean categorical = switch (d) {
            case ParamDomain.Categorical c -> true;
            case ParamDomain.Numeric num -> false;
        };
        double[] pTop = ScottParzen.pdf(topCounts, categorical, priorWeight);
        double[] pLocal = evaluateOnLocal ? ScottParzen.pdf(allCounts, categorical, priorWeight) : null;
        double div = 0;
        for (int x = 0; x < grid; x++) {
            double t = pTop[x] + 1e-12;
            double l = (pLocal == null ? 1.0 / grid : pLocal[x]) + 1e-12;
            double r = t / l - 1;
            div += l * r * r;
        }
        return div;
    }

    private static List<Observation> finite(List<Observation> observations) {
        List<Observation> out = new ArrayList<>(observations.size());
        for (Observation o : observations) if (Double.isFinite(o.value())) out.add(o);
        return out;
    }
}
