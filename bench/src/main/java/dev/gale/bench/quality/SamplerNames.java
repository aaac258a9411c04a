package dev.gale.bench.quality;

import dev.gale.tune.search.Searcher;
import dev.gale.tune.search.Searchers;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.Set;

/**
 * Finds a sampler by the benchmarks' names ({@code cmaes}, {@code qmc-sobol}, ...) whatever
 * spelling {@link Searchers#byName} registered it under: the name itself, then with {@code -} and
 * {@code _} swapped or dropped, then a few known aliases ({@code cma_es}, {@code gp_bo},
 * {@code sobol}, ...).
 */
public final class SamplerNames {
    private SamplerNames() {
    }

    private static final Map<String, List<String>> ALIASES = Map.of(
            "cmaes", List.of("cma_es", "cma-es", "cma"),
            "gp", List.of("gp_bo", "gp-bo", "gpbo", "gaussian_process"),
            "tpe-multivariate", List.of("multivariate_tpe", "multivariate-tpe", "mtpe", "tpe_mv"),
            "tpe-univariate", List.of("univariate_tpe", "univariate-tpe", "utpe"),
            "qmc-sobol", List.of("sobol"),
            "qmc-halton", List.of("halton"));

    /** The spellings tried for {@code name}, in order. */
    public static List<String> candidates(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        Set<String> c = new LinkedHashSet<>();
        c.add(name.trim());
        c.add(n.replace('-', '_'));
        c.add(n.replace('_', '-'));
        c.add(n.replace("-", "").replace("_", ""));
        c.addAll(ALIASES.getOrDefault(n.replace('_', '-'), List.of()));
        return List.copyOf(c);
    }

    /**
     * The spelling of {@code name} that {@link Searchers#byName} accepts.
     *
     * @throws IllegalArgumentException with byName's message for {@code name} when none does
     */
    public static String resolve(String name) {
        RuntimeException first = null;
        for (String c : candidates(name)) {
            try {
                Searcher s = Searchers.byName(c);
                if (s != null) return c;
            } catch (RuntimeException | ServiceConfigurationError e) {
                if (first == null) first = e instanceof RuntimeException r ? r : new IllegalArgumentException(e.getMessage(), e);
            }
        }
        throw first instanceof IllegalArgumentException iae ? iae : new IllegalArgumentException(first == null ? name : first.getMessage(), first);
    }
}
