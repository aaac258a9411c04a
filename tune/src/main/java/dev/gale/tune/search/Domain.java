package dev.gale.tune.search;

import dev.gale.tune.Config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Function;
import java.util.random.RandomGenerator;

/**
 * The set of values one hyperparameter may take, and how to draw from it (Ray Tune's
 * {@code tune.uniform}, {@code tune.choice}, {@code tune.grid_search}, ...). Build domains with
 * {@link Domains}; put them in a {@link SearchSpace}.
 *
 * <p>Promises:
 * <ul>
 *   <li>The records hold their parameters as given and do not throw when built;
 *       {@link #validate(String)} checks them and throws a {@link SearchSpaceException} naming the
 *       parameter path and the fix. {@link SearchSpace#of} validates every domain it holds, so a
 *       domain taken from a space is always valid. {@link #sample} on a domain that does not
 *       pass {@code validate} is undefined.</li>
 *   <li>{@link #sample} draws only from {@code rng} (no other source of randomness), so the same
 *       generator state gives the same value, and every sampled value is {@link #contains contained}
 *       in the domain.</li>
 *   <li>Integer domains sample {@link Integer} when both bounds fit an int, otherwise {@link Long};
 *       continuous domains sample {@link Double}.</li>
 * </ul>
 */
public sealed interface Domain {

    /** Draws one value. See the record for its distribution. */
    Object sample(RandomGenerator rng);

    /** True when {@code v} is a value this domain can produce (numbers compare by value). */
    boolean contains(Object v);

    /**
     * Checks the parameters; throws a {@link SearchSpaceException} whose message names
     * {@code path} and says how to fix the problem.
     */
    void validate(String path);

    /** The domain's name in search-space files: {@code uniform}, {@code choice}, {@code grid_search}, ... */
    String kind();

    /**
     * Uniform over {@code [low, high)}; requires finite {@code low < high}. Samples Double.
     *
     * @param low inclusive lower bound
     * @param high exclusive upper bound
     */
    record Uniform(double low, double high) implements Domain {
        @Override
        public Object sample(RandomGenerator rng) {
            return rng.nextDouble(low, high);
        }

        @Override
        public boolean contains(Object v) {
            return v instanceof Number n && n.doubleValue() >= low && n.doubleValue() <= high;
        }

        @Override
        public void validate(String path) {
            DomainChecks.range(path, kind(), low, high);
        }

        @Override
        public String kind() {
            return "uniform";
        }
    }

    /**
     * Log-uniform over {@code [low, high]}: {@code exp(uniform(log low, log high))}, so each decade
     * is equally likely; requires finite {@code 0 < low < high}. Samples Double.
     *
     * @param low lower bound, &gt; 0
     * @param high upper bound
     */
    record LogUniform(double low, double high) implements Domain {
        @Override
        public Object sample(RandomGenerator rng) {
            return logUniform(rng, low, high);
        }

        static double logUniform(RandomGenerator rng, double low, double high) {
            double v = Math.exp(rng.nextDouble(Math.log(low), Math.log(high)));
            return v < low ? low : Math.min(v, high);
        }

        @Override
        public boolean contains(Object v) {
            return v instanceof Number n && n.doubleValue() >= low && n.doubleValue() <= high;
        }

        @Override
        public void validate(String path) {
            DomainChecks.range(path, kind(), low, high);
            DomainChecks.positiveLow(path, kind(), low);
        }

        @Override
        public String kind() {
            return "loguniform";
        }
    }

    /**
     * Uniform over {@code [low, high]}, rounded to the nearest multiple of {@code q} (computed in
     * decimal, so 0.1 steps give 0.3, not 0.30000000000000004) and kept within the bounds: a value
     * that rounds outside moves to the nearest multiple inside. Requires {@code low < high},
     * {@code q > 0} and at least one multiple of q in the range. Samples Double.
     *
     * @param low lower bound
     * @param high upper bound
     * @param q the step (quantum), &gt; 0
     */
    record QUniform(double low, double high, double q) implements Domain {
        @Override
        public Object sample(RandomGenerator rng) {
            return Values.quantize(rng.nextDouble(low, high), low, high, q);
        }

        @Override
        public boolean contains(Object v) {
            return v instanceof Number n && n.doubleValue() >= low && n.doubleValue() <= high
                    && Values.isMultiple(n.doubleValue(), q);
        }

        @Override
        public void validate(String path) {
            DomainChecks.range(path, kind(), low, high);
            DomainChecks.quantum(path, kind(), low, high, q);
        }

        @Override
        public String kind() {
            return "quniform";
        }
    }

    /**
     * Log-uniform over {@code [low, high]} (as {@link LogUniform}), then quantized as
     * {@link QUniform}. Requires {@code 0 < low < high}, {@code q > 0} and a multiple of q in the
     * range. Samples Double.
     *
     * @param low lower bound, &gt; 0
     * @param high upper bound
     * @param q the step (quantum), &gt; 0
     */
    record QLogUniform(double low, double high, double q) implements Domain {
        @Override
        public Object sample(RandomGenerator rng) {
            return Values.quantize(LogUniform.logUniform(rng, low, high), low, high, q);
        }

        @Override
        public boolean contains(Object v) {
            return v instanceof Number n && n.doubleValue() >= low && n.doubleValue() <= high
                    && Values.isMultiple(n.doubleValue(), q);
        }

        @Override
        public void validate(String path) {
            DomainChecks.range(path, kind(), low, high);
            DomainChecks.positiveLow(path, kind(), low);
            DomainChecks.quantum(path, kind(), low, high, q);
        }

        @Override
        public String kind() {
            return "qloguniform";
        }
    }

    /**
     * A uniform integer in {@code [low, high)}: high is EXCLUSIVE, as Ray's {@code randint}.
     * Requires {@code low < high}.
     *
     * @param low inclusive lower bound
     * @param high EXCLUSIVE upper bound
     */
    record RandInt(long low, long high) implements Domain {
        @Override
        public Object sample(RandomGenerator rng) {
            return Values.boxInt(rng.nextLong(low, high), low, high);
        }

        @Override
        public boolean contains(Object v) {
            Long l = Values.wholeNumber(v);
            return l != null && l >= low && l < high;
        }

        @Override
        public void validate(String path) {
            if (low >= high) {
                throw new SearchSpaceException(path, "randint needs low < high (high is exclusive), got low = " + low
                        + ", high = " + high + ": for a single value use a constant; for [a, b] inclusive use randint(a, b + 1)");
            }
        }

        @Override
        public String kind() {
            return "randint";
        }
    }

    /**
     * A uniform choice among the multiples of {@code q} in {@code [low, high]}: high is INCLUSIVE,
     * as Ray's {@code qrandint}. Requires {@code low < high}, {@code q > 0} and a multiple of q in
     * the range.
     *
     * @param low inclusive lower bound
     * @param high INCLUSIVE upper bound
     * @param q the step, &gt; 0
     */
    record QRandInt(long low, long high, long q) implements Domain {
        @Override
        public Object sample(RandomGenerator rng) {
            long lo = Math.ceilDiv(low, q);
            long hi = Math.floorDiv(high, q);
            long k = lo + rng.nextLong(hi - lo + 1);
            return Values.boxInt(k * q, low, high);
        }

        @Override
        public boolean contains(Object v) {
            Long l = Values.wholeNumber(v);
            return l != null && l >= low && l <= high && l % q == 0;
        }

        @Override
        public void validate(String path) {
            if (low >= high) {
                throw new SearchSpaceException(path, "qrandint needs low < high (both inclusive), got low = " + low
                        + ", high = " + high + ": swap them, or use a constant for a single value");
            }
            if (q <= 0) {
                throw new SearchSpaceException(path, "qrandint needs q > 0, got q = " + q + ": use 1 for every integer");
            }
            long lo = Math.ceilDiv(low, q);
            long hi = Math.floorDiv(high, q);
            if (lo > hi) {
                throw new SearchSpaceException(path, "qrandint has no multiple of q = " + q + " in [" + low + ", " + high
                        + "]: widen the range or use a smaller q");
            }
            if (hi - lo + 1 <= 0) {
                throw new SearchSpaceException(path, "qrandint range [" + low + ", " + high + "] is too large: narrow it");
            }
        }

        @Override
        public String kind() {
            return "qrandint";
        }
    }

    /**
     * One of {@code values}, each equally likely. Values are plain (numbers, strings, booleans,
     * lists, maps); requires at least one.
     *
     * @param values the values to choose from
     */
    record Choice(List<Object> values) implements Domain {
        /** Keeps an unmodifiable copy of {@code values} (null stays null and fails {@link #validate}). */
        public Choice {
            values = values == null ? null : Collections.unmodifiableList(new ArrayList<>(values));
        }

        @Override
        public Object sample(RandomGenerator rng) {
            return values.get(rng.nextInt(values.size()));
        }

        @Override
        public boolean contains(Object v) {
            return DomainChecks.listContains(values, v);
        }

        @Override
        public void validate(String path) {
            DomainChecks.values(path, kind(), values);
        }

        @Override
        public String kind() {
            return "choice";
        }
    }

    /**
     * Every one of {@code values}: a grid axis. {@link BasicVariantSearcher} enumerates the
     * Cartesian product of all grid axes; {@link #sample} (used by searchers that do not
     * enumerate grids) picks one uniformly, as {@link Choice}. Requires at least one value.
     *
     * @param values the values of this grid axis
     */
    record GridSearch(List<Object> values) implements Domain {
        /** Keeps an unmodifiable copy of {@code values} (null stays null and fails {@link #validate}). */
        public GridSearch {
            values = values == null ? null : Collections.unmodifiableList(new ArrayList<>(values));
        }

        @Override
        public Object sample(RandomGenerator rng) {
            return values.get(rng.nextInt(values.size()));
        }

        @Override
        public boolean contains(Object v) {
            return DomainChecks.listContains(values, v);
        }

        @Override
        public void validate(String path) {
            DomainChecks.values(path, kind(), values);
        }

        @Override
        public String kind() {
            return "grid_search";
        }
    }

    /**
     * A value computed from the other, already-sampled parameters of the same config (Ray's
     * {@code tune.sample_from}). {@link SearchSpace#sample} resolves it after every other domain;
     * {@code fn} may read other sample_from values, which are then resolved first (a cycle or a
     * missing key is reported as a {@link SearchSpaceException}). {@code fn} must read other
     * parameters with {@link Config#get} or the typed getters (which throw when a value is not
     * there yet), not with {@code has} or the getters with a default. {@code fn} must return a
     * non-null plain value and should be deterministic (it gets no random generator). Cannot be
     * written in a search-space file. {@link #contains} accepts anything; {@link #sample} throws:
     * a sample_from can only be resolved inside a config.
     *
     * @param fn computes the value from the config sampled so far
     */
    record SampleFrom(Function<Config, Object> fn) implements Domain {
        @Override
        public Object sample(RandomGenerator rng) {
            throw new IllegalStateException("sample_from is resolved by SearchSpace.sample from the other parameters: call sample on the space, not on this domain");
        }

        @Override
        public boolean contains(Object v) {
            return true;
        }

        @Override
        public void validate(String path) {
            if (fn == null) {
                throw new SearchSpaceException(path, "sample_from needs a function: give Domains.sampleFrom(cfg -> ...)");
            }
        }

        @Override
        public String kind() {
            return "sample_from";
        }
    }
}
