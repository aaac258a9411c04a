package dev.gale.tune.search;

import dev.gale.tune.Mode;
import dev.gale.tune.Result;

/**
 * Proposes configurations for new trials and learns from their results.
 *
 * <p>Contract: the controller calls every method from one thread, in order: {@link #setup} once,
 * then {@link #suggest} for each new trial interleaved with {@link #onTrialResult} and
 * {@link #onTrialComplete}. A searcher therefore needs no locks. Given the same seed and the same
 * sequence of calls, a searcher must make the same suggestions. {@link #save()} returns a
 * JSON-serializable snapshot (maps, lists, numbers, strings) and {@link #restore(Object)} on a
 * freshly set-up searcher continues exactly as the saved one would have.
 */
public interface Searcher {

    /**
     * Called once before the first suggestion.
     *
     * @param space      the validated search space
     * @param metric     the metric to optimize (may be null when only a scheduler uses it)
     * @param mode       MIN or MAX
     * @param numSamples TuneConfig.numSamples
     * @param seed       the experiment seed
     */
    void setup(SearchSpace space, String metric, Mode mode, int numSamples, long seed);

    /** The configuration of the next trial, or why there is none now. */
    Suggestion suggest(String trialId);

    /** An intermediate result of a trial this searcher suggested. */
    default void onTrialResult(String trialId, Result result) {
    }

    /**
     * A trial ended. {@code last} is its last result (null when it reported none); {@code error}
     * is true when it ended in ERROR.
     */
    default void onTrialComplete(String trialId, Result last, boolean error) {
    }

    /** A JSON-serializable snapshot of this searcher's state. */
    Object save();

    /** Restores a snapshot taken by {@link #save()}; called after {@link #setup}. */
    void restore(Object state);

    /**
     * Define-by-run (Optuna's {@code trial.suggest_*}): the value of parameter {@code name} of
     * trial {@code trialId}, asked while the trial runs, from {@code domain}. Called at most once
     * per trial and name (a repeated ask gets the first answer from the controller), from the
     * controller thread like every other method. The default samples the domain independently at
     * random, seeded by the trial id and the name; model-based searchers override it to sample
     * from what they learned about {@code name} (Optuna's {@code sample_independent}).
     *
     * @return a value {@code domain.contains} accepts
     */
    default Object suggestParameter(String trialId, String name, Domain domain) {
        long h = (trialId.hashCode() * 0x9E3779B97F4A7C15L) ^ (name.hashCode() * 0xC2B2AE3D27D4EB4FL);
        return domain.sample(new java.util.SplittableRandom(h));
    }

    /**
     * Non-null when this searcher's {@link #suggestParameter} answers for trial {@code trialId} are
     * exactly {@link IndependentDraw#draw} of the returned draw and depend on no state of the
     * searcher (a random searcher): the trial may then draw its define-by-run parameters where it
     * runs instead of asking the controller for each. The default is null (every ask goes to
     * {@link #suggestParameter}); a searcher that learns from earlier trials must keep it null.
     */
    default IndependentDraw independentDraw(String trialId) {
        return null;
    }

    /**
     * How many trials the controller should create at most, given TuneConfig.numSamples. Most
     * searchers return {@code numSamples}; a grid search returns grid size × numSamples.
     */
    default long plannedTrials(int numSamples) {
        return numSamples;
    }

    /** Short name for logs and tables. */
    default String name() {
        return getClass().getSimpleName();
    }

    /**
     * Attributes of the trial just suggested with id {@code trialId} (plain JSON values, e.g. which
     * sampler of a portfolio made it: {@code sampler}, as {@link Searchers#auto()} records), added by the controller to every result row of that trial
     * (a metric the trial reports itself under the same name wins). Called right after
     * {@link #suggest} returned a config for it and again, from the controller's thread, before each
     * of its result rows is written (a define-by-run sampler knows them only once parameters were
     * asked): keep it cheap and allocation-free, returning a shared immutable map. The default has
     * none.
     */
    default java.util.Map<String, Object> trialAttributes(String trialId) {
        return java.util.Map.of();
    }
}
