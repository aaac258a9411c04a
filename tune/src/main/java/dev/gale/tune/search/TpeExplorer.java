package dev.gale.tune.search;

import dev.gale.tune.Mode;
import dev.gale.tune.Result;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The TPE arm of a {@link CmaGpPortfolio} in a part of at most {@value #MAX_DIMENSION} parameters:
 * a TPE sampler that learns every completed trial of the portfolio and, once CMA-ES shows that it
 * is not converging, proposes {@value #SHARE} of the trials.
 *
 * <p>The signal: after {@value #GENERATIONS} generations, CMA-ES's largest coordinate step
 * ({@code sigma × sqrt(max C_ii)}) still spans more than {@value #STEP} of a parameter's range.
 * In 2–4 dimensions CMA-ES has by then closed in on a basin on nearly every run of the smooth or
 * mildly multimodal functions measured (branin, camel2, goldstein2, hartmann3, shekel4: steps
 * 0.0004–0.03 at trial 120; over 60 development seeds the arm engaged on a few runs of hartmann3
 * and shekel4, none of the others); a step still this wide means a landscape rugged at the scale
 * of the box (schwefel4: 0.07–0.34), where a local model keeps jumping between basins and TPE's
 * model of the whole box finds better ones. Where it engages on a converging run it could stop that
 * run short (hartmann3, one run of 20 in the fifth side-by-side run): CMA-ES then gets too few
 * trials to refine the best basin, so in 2–3 parameters, once {@value CmaGpPortfolio#STALL} trials
 * in a row bring no new best, the portfolio gives the GP its share of every turn ahead of the arm.
 * Once engaged the arm stays engaged (the state is saved). Above {@value #MAX_DIMENSION}
 * dimensions CMA-ES converges more slowly on every function, so the same step does not tell a
 * rugged landscape apart, and the arm is not made.
 *
 * <p>Deterministic: its TPE has its own seed; the state (the TPE's snapshot, whether it is engaged,
 * the credit that spreads its turns evenly) is saved exactly.
 */
final class TpeExplorer {
    /** Parts of more parameters get no TPE arm. */
    static final int MAX_DIMENSION = 4;
    /** CMA-ES generations before the step is judged. */
    static final int GENERATIONS = 15;
    /** CMA-ES's largest coordinate step (share of a parameter's range) above which the arm engages. */
    static final double STEP = 0.06;
    /** The arm's share of the suggestions once engaged. */
    static final double SHARE = 0.85;

    private final TpeSearcher tpe;
    private final String metric;
    private boolean engaged;
    private double credit;

    TpeExplorer(SearchSpace space, String metric, Mode mode, int numSamples, long seed) {
        this.metric = metric;
        this.tpe = TpeSearcher.builder().build();
        tpe.setup(space, metric, mode, numSamples, seed);
    }

    /** Whether the next suggestion is the arm's: engages when CMA-ES's step says so, then takes {@value #SHARE} of the turns. */
    boolean turn(CmaEsSearcher cma) {
        if (!engaged && cma.generations() >= GENERATIONS && cma.maxStep() > STEP) engaged = true;
        if (!engaged) return false;
        credit += SHARE;
        if (credit < 1) return false;
        credit -= 1;
        return true;
    }

    /** Whether CMA-ES's step has engaged the arm. */
    boolean engaged() {
        return engaged;
    }

    Suggestion suggest(String trialId) {
        return tpe.suggest(trialId);
    }

    /** The arm's own trial ended. */
    void onTrialComplete(String trialId, Result last, boolean error) {
        tpe.onTrialComplete(trialId, last, error);
    }

    /** Another arm's trial (or one proposed before the portfolio) with a finite value: the TPE learns it. */
    void learn(String trialId, Map<String, Object> values, Result last) {
        if (last != null && Double.isFinite(last.metric(metric))) tpe.observe(trialId, values, last);
    }

    Object save() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("engaged", engaged);
        s.put("credit", credit);
        s.put("tpe", tpe.save());
        return s;
    }

    void restore(Object state) {
        Map<?, ?> s = (Map<?, ?>) state;
        engaged = (Boolean) s.get("engaged");
        credit = ((Number) s.get("credit")).doubleValue();
        tpe.restore(s.get("tpe"));
    }
}
