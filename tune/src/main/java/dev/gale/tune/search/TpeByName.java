package dev.gale.tune.search;

import dev.gale.tune.search.internal.tpe.Observations;
import dev.gale.tune.search.internal.tpe.ParamSpec;
import dev.gale.tune.search.internal.tpe.TpeModel;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The define-by-run side of {@link TpeSearcher} (Optuna's {@code sample_independent}): one
 * univariate TPE model per parameter name, fitted on the completed trials that asked for it with
 * the domain it was first asked with; with BOHB's budgets also one model per name and budget.
 * Keeps what each running trial asked until it completes, and the rows of names restored from a
 * saved state until they are asked again. Saved and restored with the searcher (the keys
 * {@code define_by_run}, {@code define_by_run_pending}, {@code define_by_run_budgets}).
 * Confined to the searcher's thread.
 */
final class TpeByName {
    private static final double[][] NO_PENDING = new double[0][];

    private final TpeModel.Settings settings;
    private final int nStartupTrials;
    /** BOHB's budgets (ascending), or null. */
    private final double[] budgets;

    /** One name's model (and, with budgets, one per budget). */
    private final class Param {
        final Domain domain;
        final Observations obs = new Observations(1);
        final TpeModel model;
        /** BOHB: this name's observations and model per budget (null without budgets). */
        final Observations[] budgetObs;
        final TpeModel[] budgetModels;

        Param(Domain domain) {
            this.domain = domain;
            ParamSpec[] spec = {TpeScale.spec(domain)};
            this.model = new TpeModel(spec, settings, obs);
            if (budgets == null) {
                budgetObs = null;
                budgetModels = null;
            } else {
                budgetObs = new Observations[budgets.length];
                budgetModels = new TpeModel[budgets.length];
                for (int i = 0; i < budgets.length; i++) {
                    budgetObs[i] = new Observations(1);
                    budgetModels[i] = new TpeModel(spec, settings, budgetObs[i]);
                }
            }
        }

        /** BOHB: the model of the largest budget with at least {@code need} results, or null. */
        TpeModel budgetModel(int need) {
            for (int i = budgets.length - 1; i >= 0; i--) if (budgetObs[i].size() >= need) return budgetModels[i];
            return null;
        }
    }

    private final Map<String, Param> params = new LinkedHashMap<>();
    /** Per running trial, the internal value of each name it asked (with the name's first domain). */
    private final Map<String, Map<String, Double>> pending = new HashMap<>();
    /** Rows restored before their name was asked again (name → [x, loss] rows). */
    private final Map<String, List<double[]>> restored = new HashMap<>();
    /** BOHB: rows per budget restored before their name was asked again (name → per budget). */
    private final Map<String, List<List<double[]>>> budgetRestored = new HashMap<>();

    /** Per-name models with {@code settings} (univariate), random for the first {@code nStartupTrials}, per budget when {@code budgets} is not null. */
    TpeByName(TpeModel.Settings settings, int nStartupTrials, double[] budgets) {
        this.settings = settings;
        this.nStartupTrials = nStartupTrials;
        this.budgets = budgets;
    }

    private Param param(String name, Domain domain) {
        Param p = params.get(name);
        if (p == null) {
            p = new Param(domain);
            params.put(name, p);
            List<double[]> rows = restored.remove(name);
            if (rows != null) for (double[] r : rows) p.obs.add(new double[]{r[0]}, r[1]);
            List<List<double[]>> per = budgetRestored.remove(name);
            if (per != null && p.budgetObs != null) {
                for (int i = 0; i < per.size() && i < p.budgetObs.length; i++) {
                    for (double[] r : per.get(i)) p.budgetObs[i].add(new double[]{r[0]}, r[1]);
                }
            }
        }
        return p;
    }

    /**
     * The value of {@code name} for {@code trialId}, from the name's model (with BOHB's budgets:
     * the model of the largest budget with at least {@code max(nStartupTrials, 3)} results), random
     * before it has {@code nStartupTrials} results or when the name is asked with another domain
     * than the first time. Deterministic in (seed, trial id, name).
     */
    Object suggest(String trialId, String name, Domain domain, long seed) {
        Param p = param(name, domain);
        SplittableRandom rng = new SplittableRandom(seed ^ BasicVariantSearcher.mix64(
                ((long) trialId.hashCode() << 32) ^ (name.hashCode() & 0xffffffffL)));
        double[] x = new double[1];
        boolean same = p.domain.equals(domain);
        TpeModel use = !same ? null
                : budgets != null ? p.budgetModel(Math.max(nStartupTrials, 3))
                : p.obs.size() < Math.max(1, nStartupTrials) ? null : p.model;
        if (use == null) x[0] = TpeScale.random(domain, rng);
        else use.propose(rng, NO_PENDING, 0, x);
        Object v = TpeScale.toValue(domain, 0, x);
        if (same) pending.computeIfAbsent(trialId, k -> new LinkedHashMap<>()).put(name, x[0]);
        return v;
    }

    /** Records a value of {@code name} that another sampler (the joint one) chose for {@code trialId}, so the name's model learns it too. */
    void chosen(String trialId, String name, Domain domain, Object value) {
        if (param(name, domain).domain.equals(domain)) {
            pending.computeIfAbsent(trialId, k -> new LinkedHashMap<>()).put(name, TpeScale.of(domain, value));
        }
    }

    /** Whether {@code trialId} is running and asked at least one name. */
    boolean asked(String trialId) {
        return pending.containsKey(trialId);
    }

    /** BOHB: records {@code loss} at budget {@code i} in the per-budget model of each name {@code trialId} asked so far. */
    void atBudget(String trialId, int i, double loss) {
        Map<String, Double> asked = pending.get(trialId);
        if (asked == null) return;
        for (Map.Entry<String, Double> e : asked.entrySet()) {
            Param p = params.get(e.getKey());
            if (p != null) {
                p.budgetObs[i].add(new double[]{e.getValue()}, loss);
            } else { // restored, not asked since: kept until it is
                List<List<double[]>> per = budgetRestored.computeIfAbsent(e.getKey(), k -> new ArrayList<>());
                while (per.size() <= i) per.add(new ArrayList<>());
                per.get(i).add(new double[]{e.getValue(), loss});
            }
        }
    }

    /** {@code trialId} ended: each name it asked learns {@code loss} (NaN: nothing to learn, e.g. it failed). */
    void complete(String trialId, double loss) {
        Map<String, Double> asked = pending.remove(trialId);
        if (asked == null || Double.isNaN(loss)) return;
        for (Map.Entry<String, Double> e : asked.entrySet()) {
            Param p = params.get(e.getKey());
            if (p != null) p.obs.add(new double[]{e.getValue()}, loss);
            else restored.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(new double[]{e.getValue(), loss});
        }
    }

    /** Adds this side's state to {@code state} (nothing when no name was ever asked or restored). */
    void save(Map<String, Object> state) {
        if (params.isEmpty() && pending.isEmpty() && restored.isEmpty() && budgetRestored.isEmpty()) return;
        Map<String, Object> names = new LinkedHashMap<>();
        params.forEach((name, p) -> {
            List<Object> rows = new ArrayList<>(p.obs.size());
            for (int i = 0; i < p.obs.size(); i++) rows.add(List.of(p.obs.value(0, i), p.obs.loss(i)));
            names.put(name, rows);
        });
        // names restored but not asked since: their rows are kept as they came
        new java.util.TreeMap<>(restored).forEach((name, rs) -> names.put(name, rows(rs)));
        state.put("define_by_run", names);
        Map<String, Object> pend = new LinkedHashMap<>();
        pending.forEach((k, v) -> pend.put(k, new LinkedHashMap<>(v)));
        state.put("define_by_run_pending", pend);
        if (budgets != null) {
            // BOHB: name -> one list of [x, loss] rows per budget
            Map<String, Object> perName = new LinkedHashMap<>();
            params.forEach((name, p) -> {
                List<Object> per = new ArrayList<>(budgets.length);
                for (Observations bo : p.budgetObs) {
                    List<Object> rows = new ArrayList<>(bo.size());
                    for (int i = 0; i < bo.size(); i++) rows.add(List.of(bo.value(0, i), bo.loss(i)));
                    per.add(rows);
                }
                perName.put(name, per);
            });
            new java.util.TreeMap<>(budgetRestored).forEach((name, per) -> {
                List<Object> out = new ArrayList<>(per.size());
                for (List<double[]> rs : per) out.add(rows(rs));
                perName.put(name, out);
            });
            state.put("define_by_run_budgets", perName);
        }
    }

    private static List<Object> rows(List<double[]> rs) {
        List<Object> rows = new ArrayList<>(rs.size());
        for (double[] r : rs) rows.add(List.of(r[0], r[1]));
        return rows;
    }

    private static List<double[]> rowsOf(Object v) {
        List<double[]> rows = new ArrayList<>();
        for (Object r : (List<?>) v) {
            List<?> l = (List<?>) r;
            rows.add(new double[]{((Number) l.get(0)).doubleValue(), ((Number) l.get(1)).doubleValue()});
        }
        return rows;
    }

    /** Replaces this side's state with what {@link #save} wrote into {@code m} (empty when it wrote nothing). */
    void restore(Map<?, ?> m) {
        params.clear();
        pending.clear();
        restored.clear();
        budgetRestored.clear();
        if (m.get("define_by_run") instanceof Map<?, ?> names) {
            names.forEach((k, v) -> restored.put((String) k, rowsOf(v)));
        }
        if (budgets != null && m.get("define_by_run_budgets") instanceof Map<?, ?> perName) {
            perName.forEach((k, v) -> {
                List<List<double[]>> per = new ArrayList<>();
                for (Object b : (List<?>) v) per.add(rowsOf(b));
                budgetRestored.put((String) k, per);
            });
        }
        if (m.get("define_by_run_pending") instanceof Map<?, ?> dp) {
            dp.forEach((k, v) -> {
                Map<String, Double> asked = new LinkedHashMap<>();
                ((Map<?, ?>) v).forEach((n, x) -> asked.put((String) n, ((Number) x).doubleValue()));
                pending.put((String) k, asked);
            });
        }
    }
}
