package dev.gale.tune.search;

/**
 * How a searcher draws every define-by-run value of one trial when the value depends on nothing
 * but the experiment's seed, the trial and the parameter: {@code draw(name, domain)} is exactly what
 * the searcher's {@link Searcher#suggestParameter} answers for that trial, name and domain, and the
 * searcher keeps no state for it. A trial given one (see {@link Searcher#independentDraw}) draws its
 * parameters where it runs, without a round trip to the controller per parameter; the controller
 * still records each value in the trial's config, in order, before the trial's next result.
 *
 * @param seed   the searcher's generator seed (mixed into every draw)
 * @param drawId the id the searcher draws the trial's values under (the trial id as the searcher sees it)
 */
public record IndependentDraw(long seed, String drawId) {
    public IndependentDraw {
        if (drawId == null || drawId.isEmpty()) throw new IllegalArgumentException("drawId is empty: give the trial id");
    }

    /** The value of parameter {@code name} from {@code domain}; {@code domain.contains} accepts it. */
    public Object draw(String name, Domain domain) {
        return BasicVariantSearcher.randomParameter(seed, drawId, name, domain);
    }
}
