package dev.gale.tune.search;

import dev.gale.tune.search.internal.tpe.Observations;
import dev.gale.tune.search.internal.tpe.ParamSpec;
import dev.gale.tune.search.internal.tpe.TpeModel;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * BOHB's budgets in a {@link TpeSearcher} (see {@code TpeSearcher.Builder#budgets}): the time
 * attribute and the budgets (ascending) whose results are modelled separately; for suggested trials
 * one set of observations and one TPE model per budget; and, per running trial, the highest budget
 * recorded, so that each budget is recorded once. A define-by-run trial's results go to the
 * per-name, per-budget models of {@link TpeByName}.
 *
 * <p>Promises: {@link #record} records a result at every budget its time attribute newly reached,
 * in ascending order; {@link #model} answers the model of the largest budget with enough results;
 * {@link #save} and {@link #restore} keep the searcher's saved form (the keys
 * {@code budget_observations} and {@code recorded_level}). Confined to the searcher's thread.
 */
final class TpeBudgets {
    private final String budgetAttr;
    private final double[] budgets;
    /** Define-by-run: the searcher's per-name models, which keep their own per-budget models. */
    private final TpeByName names;
    private Observations[] budgetObs;
    private TpeModel[] budgetModels;
    /** Per running trial, the highest budget index recorded. */
    private final Map<String, Integer> recordedLevel = new HashMap<>();

    /** Budgets {@code budgets} (ascending) of the time attribute {@code budgetAttr}. */
    TpeBudgets(String budgetAttr, double[] budgets, TpeByName names) {
        this.budgetAttr = budgetAttr;
        this.budgets = budgets;
        this.names = names;
    }

    /** Forgets every record: new, empty observations of {@code specs} per budget, each with a model of {@code settings}. */
    void reset(ParamSpec[] specs, TpeModel.Settings settings) {
        recordedLevel.clear();
        budgetObs = new Observations[budgets.length];
        budgetModels = new TpeModel[budgets.length];
        for (int i = 0; i < budgets.length; i++) {
            budgetObs[i] = new Observations(specs.length);
            budgetModels[i] = new TpeModel(specs, settings, budgetObs[i]);
        }
    }

    /** The time attribute whose value says which budgets a result reached. */
    String timeAttr() {
        return budgetAttr;
    }

    /** The model of the largest budget with at least {@code need} results, or null. */
    TpeModel model(int need) {
        TpeModel use = null;
        for (int i = budgets.length - 1; i >= 0 && use == null; i--) {
            if (budgetObs[i].size() >= need) use = budgetModels[i];
        }
        return use;
    }

    /**
     * Records {@code loss} at every budget up to {@code t} not yet recorded for the trial: with the
     * trial's point {@code x} for a suggested trial, in the names it asked for a define-by-run one
     * ({@code x} null).
     */
    void record(String trialId, double[] x, double t, double loss) {
        int level = recordedLevel.getOrDefault(trialId, -1);
        for (int i = level + 1; i < budgets.length && budgets[i] <= t; i++) {
            if (x != null) budgetObs[i].add(x, loss);
            else names.atBudget(trialId, i, loss);
            level = i;
        }
        recordedLevel.put(trialId, level);
    }

    /** Forgets the budget level of a trial that ended. */
    void complete(String trialId) {
        recordedLevel.remove(trialId);
    }

    /** Puts the per-budget observations ({@code dims} values each) and the running trials' levels into {@code state}. */
    void save(Map<String, Object> state, int dims) {
        double[] row = new double[dims];
        List<Object> per = new ArrayList<>();
        for (Observations bo : budgetObs) {
            List<Object> rows = new ArrayList<>(bo.size());
            for (int i = 0; i < bo.size(); i++) {
                for (int d = 0; d < dims; d++) row[d] = bo.value(d, i);
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("x", TpeSearcher.toList(row));
                o.put("loss", bo.loss(i));
                rows.add(o);
            }
            per.add(rows);
        }
        state.put("budget_observations", per);
        state.put("recorded_level", new LinkedHashMap<>(recordedLevel));
    }

    /** Adds the saved per-budget observations (each x read by {@code fromList}) and levels of {@code m}, if it has them. */
    void restore(Map<?, ?> m, Function<Object, double[]> fromList) {
        if (m.get("budget_observations") instanceof List<?> per) {
            for (int i = 0; i < per.size() && i < budgetObs.length; i++) {
                for (Object o : (List<?>) per.get(i)) {
                    Map<?, ?> om = (Map<?, ?>) o;
                    budgetObs[i].add(fromList.apply(om.get("x")), ((Number) om.get("loss")).doubleValue());
                }
            }
            if (m.get("recorded_level") instanceof Map<?, ?> rl) {
                rl.forEach((k, v) -> recordedLevel.put((String) k, ((Number) v).intValue()));
            }
        }
    }
}
