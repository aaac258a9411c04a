package dev.gale.tune.search;

import dev.gale.tune.Mode;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Random and grid search with the semantics of Ray Tune's {@code BasicVariantGenerator}: every
 * point of the grid (the Cartesian product of all {@link Domain.GridSearch} axes) is tried
 * {@code numSamples} times, and every other domain is sampled at random for each trial.
 *
 * <p>Promises:
 * <ul>
 *   <li>Exactly {@link #plannedTrials plannedTrials(numSamples)} = gridSize × numSamples
 *       configurations (gridSize is 1 without a grid), then {@link Suggestion#FINISHED} forever.
 *       It never answers {@link Suggestion#WAIT} and ignores results.</li>
 *   <li>Order, as Ray's: {@code for sample in 0..numSamples-1: for point in grid}. Grid points
 *       are enumerated with the axes in path (insertion) order and the LAST axis varying
 *       fastest, like nested for-loops (Ray's own enumeration sorts the axes by path and varies
 *       the first fastest; the set of points is the same).</li>
 *   <li>Trial number {@code i} (counting from 0 in suggestion order) is sampled with its own
 *       generator, {@code new SplittableRandom(seed ^ mix64(i))}, so the configs depend only on
 *       the seed and the index, and the state to save is just the counter: same seed, same
 *       sequence; {@link #restore} of a {@link #save} continues with exactly the remaining
 *       sequence.</li>
 * </ul>
 */
public final class BasicVariantSearcher implements Searcher {

    private final String name;
    private SearchSpace space;
    private long seed;
    private long planned;
    private long counter;
    private String[] gridPaths;
    private List<Object>[] gridValues;

    /** A searcher named {@code "basic_variant"}. */
    public BasicVariantSearcher() {
        this("basic_variant");
    }

    /** A searcher that reports {@code name} from {@link #name()} (for example "random" or "grid"). */
    public BasicVariantSearcher(String name) {
        this.name = name == null ? "basic_variant" : name;
    }

    @Override
    @SuppressWarnings("unchecked")
    public void setup(SearchSpace space, String metric, Mode mode, int numSamples, long seed) {
        if (space == null) {
            throw new IllegalArgumentException("search space is null");
        }
        if (numSamples < 1) {
            throw new IllegalArgumentException("numSamples = " + numSamples + ": use 1 or more (each grid point is tried numSamples times)");
        }
        this.space = space;
        this.seed = seed;
        this.counter = 0;
        try {
            this.planned = Math.multiplyExact(space.gridSize(), (long) numSamples);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("grid size " + space.gridSize() + " × numSamples " + numSamples + " overflows a long");
        }
        List<String> paths = space.gridPaths();
        this.gridPaths = paths.toArray(new String[0]);
        this.gridValues = new List[gridPaths.length];
        for (int i = 0; i < gridPaths.length; i++) {
            gridValues[i] = ((Domain.GridSearch) space.domains().get(gridPaths[i])).values();
        }
    }

    @Override
    public Suggestion suggest(String trialId) {
        if (space == null) {
            throw new IllegalStateException("suggest before setup");
        }
        if (counter >= planned) {
            return Suggestion.FINISHED;
        }
        long index = counter++;
        Map<String, Object> assignment = null;
        if (gridPaths.length > 0) {
            assignment = LinkedHashMap.newLinkedHashMap(gridPaths.length);
            long point = index % space.gridSize();
            for (int a = gridPaths.length - 1; a >= 0; a--) {
                int n = gridValues[a].size();
                assignment.put(gridPaths[a], gridValues[a].get((int) (point % n)));
                point /= n;
            }
        }
        return new Suggestion.Config(space.sample(new SplittableRandom(seed ^ mix64(index)), assignment));
    }

    /** gridSize × numSamples. */
    @Override
    public long plannedTrials(int numSamples) {
        if (space == null) {
            throw new IllegalStateException("plannedTrials before setup: the grid size comes from the search space");
        }
        return Math.multiplyExact(space.gridSize(), (long) numSamples);
    }

    /**
     * A random define-by-run value as {@link Searcher#suggestParameter}'s default draws it (seeded by
     * the trial id and the name), its generator's seed also mixed with {@code seed}, so studies with
     * different seeds draw differently (seed 0 gives exactly the default's values). This searcher
     * answers define-by-run asks with it, and the model-based ones fall back to it for names outside
     * their relative space and for their first trials.
     */
    static Object randomParameter(long seed, String trialId, String name, Domain domain) {
        long h = (trialId.hashCode() * 0x9E3779B97F4A7C15L) ^ (name.hashCode() * 0xC2B2AE3D27D4EB4FL);
        return domain.sample(new java.util.SplittableRandom(h ^ mix64(seed)));
    }

    /** Define-by-run: an independent random value seeded by the experiment seed, the trial id and the name. */
    @Override
    public Object suggestParameter(String trialId, String name, Domain domain) {
        return randomParameter(seed, trialId, name, domain);
    }

    /** Define-by-run values of this searcher are {@link #randomParameter}: a trial may draw them where it runs. */
    @Override
    public IndependentDraw independentDraw(String trialId) {
        return new IndependentDraw(seed, trialId);
    }

    /** How many configurations were suggested so far. */
    public long suggested() {
        return counter;
    }

    /** {@code {"counter": n, "seed": "<seed>"}}; the seed is a string so that no JSON reader rounds it. */
    @Override
    public Object save() {
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("counter", counter);
        state.put("seed", Long.toString(seed));
        return state;
    }

    /** Continues from a {@link #save()} snapshot, with the seed of that snapshot. */
    @Override
    public void restore(Object state) {
        if (space == null) {
            throw new IllegalStateException("restore before setup");
        }
        if (!(state instanceof Map<?, ?> m) || !(m.get("counter") instanceof Number c)) {
            throw new IllegalArgumentException("not a BasicVariantSearcher state: " + state);
        }
        Object s = m.get("seed");
        if (s instanceof Number n) {
            seed = n.longValue();
        } else if (s instanceof String str) {
            seed = Long.parseLong(str);
        }
        long restored = c.longValue();
        if (restored < 0) {
            throw new IllegalArgumentException("negative counter in BasicVariantSearcher state: " + state);
        }
        counter = restored;
    }

    @Override
    public String name() {
        return name;
    }

    /** The SplitMix64 finalizer: a bijection on longs that spreads consecutive indices apart. */
    static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
