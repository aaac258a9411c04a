package dev.gale.tune.search;

import dev.gale.tune.Config;

import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * Factories for {@link Domain}s, named as Ray Tune's ({@code tune.uniform} → {@link #uniform}).
 * Typical use: {@code import static dev.gale.tune.search.Domains.*;} then
 * {@code SearchSpace.of(Map.of("lr", loguniform(1e-4, 1e-1), "bs", gridSearch(32, 64)))}.
 *
 * <p>Promise: the factories do not validate (so that the error can name the parameter);
 * {@link SearchSpace#of} does, and reports a bad domain with its dotted path.
 */
public final class Domains {
    private Domains() {
    }

    /** Uniform double in [low, high). */
    public static Domain.Uniform uniform(double low, double high) {
        return new Domain.Uniform(low, high);
    }

    /** Log-uniform double in [low, high], low &gt; 0. */
    public static Domain.LogUniform loguniform(double low, double high) {
        return new Domain.LogUniform(low, high);
    }

    /** Uniform double in [low, high] rounded to a multiple of q. */
    public static Domain.QUniform quniform(double low, double high, double q) {
        return new Domain.QUniform(low, high, q);
    }

    /** Log-uniform double in [low, high] rounded to a multiple of q. */
    public static Domain.QLogUniform qloguniform(double low, double high, double q) {
        return new Domain.QLogUniform(low, high, q);
    }

    /** Uniform integer in [low, high): high EXCLUSIVE, as Ray's {@code randint}. */
    public static Domain.RandInt randint(long low, long high) {
        return new Domain.RandInt(low, high);
    }

    /** Uniform multiple of q in [low, high]: high INCLUSIVE, as Ray's {@code qrandint}. */
    public static Domain.QRandInt qrandint(long low, long high, long q) {
        return new Domain.QRandInt(low, high, q);
    }

    /** Uniform integer in [low, high], high INCLUSIVE ({@code qrandint} with q = 1). */
    public static Domain.QRandInt qrandint(long low, long high) {
        return new Domain.QRandInt(low, high, 1);
    }

    /** One of the values, equally likely. */
    public static Domain.Choice choice(Object... values) {
        return new Domain.Choice(values == null ? null : Arrays.asList(values));
    }

    /** One of the values, equally likely. */
    public static Domain.Choice choice(List<?> values) {
        return new Domain.Choice(values == null ? null : asObjects(values));
    }

    /** A grid axis: every value is tried (see {@link BasicVariantSearcher}). */
    public static Domain.GridSearch gridSearch(Object... values) {
        return new Domain.GridSearch(values == null ? null : Arrays.asList(values));
    }

    /** A grid axis: every value is tried (see {@link BasicVariantSearcher}). */
    public static Domain.GridSearch gridSearch(List<?> values) {
        return new Domain.GridSearch(values == null ? null : asObjects(values));
    }

    /**
     * A value computed from the other parameters of the same config, for example
     * {@code sampleFrom(c -> c.getInt("layers") * 2)}. See {@link Domain.SampleFrom}.
     */
    public static Domain.SampleFrom sampleFrom(Function<Config, Object> fn) {
        return new Domain.SampleFrom(fn);
    }

    @SuppressWarnings("unchecked")
    private static List<Object> asObjects(List<?> values) {
        return (List<Object>) values;
    }
}
