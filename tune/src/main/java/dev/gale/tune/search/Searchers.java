package dev.gale.tune.search;

import java.util.List;
import java.util.Locale;

/**
 * Factories for the built-in {@link Searcher}s, and lookup by name for the CLI.
 *
 * <p>Promise: every call returns a new, not yet set-up searcher.
 */
public final class Searchers {
    private Searchers() {
    }

    /** The names {@link #byName} knows. */
    public static final List<String> NAMES = List.of("auto", "random", "grid", "qmc-sobol", "qmc-halton", "tpe", "tpe-univariate", "tpe-multivariate", "cmaes", "cmaes-gaussian", "gp", "gp-tr", "gp-warp");

    /**
     * Gale's default: an {@link AutoSearcher}, which chooses the sampler of each trial from the
     * space, the trials so far and, when given, the budget (GP-BO, CMA-ES, TPE; see its class
     * comment), and records which one it used in every result row of the trial ({@code sampler}).
     */
    public static Searcher auto() {
        return new AutoSearcher();
    }

    /**
     * Random search: a {@link BasicVariantSearcher}. Grid axes in the space, if any, are still
     * enumerated in full (Ray's semantics); every other domain is sampled.
     */
    public static Searcher random() {
        return new BasicVariantSearcher("random");
    }

    /**
     * Grid search: the same {@link BasicVariantSearcher} as {@link #random()} (Ray has no
     * separate grid searcher either): every point of the grid_search axes is tried numSamples
     * times, and non-grid domains are sampled at random for each trial.
     */
    public static Searcher grid() {
        return new BasicVariantSearcher("grid");
    }

    /**
     * Tree-structured Parzen estimator with Gale's defaults: multivariate (joint Parzen estimators
     * over all parameters) with bandwidth factor {@value TpeSearcher#DEFAULT_BANDWIDTH_FACTOR};
     * otherwise Optuna's settings (see {@link TpeSearcher}).
     */
    public static Searcher tpe() {
        return new TpeSearcher();
    }

    /** The same as {@link #tpe()} (multivariate is the default); kept for the name. */
    public static Searcher tpeMultivariate() {
        return TpeSearcher.builder().multivariate(true).build();
    }

    /** Univariate TPE: one Parzen estimator per parameter, Optuna's default model. */
    public static Searcher tpeUnivariate() {
        return TpeSearcher.builder().multivariate(false).build();
    }

    /**
     * BOHB's searcher: TPE with one model per Hyperband budget (the milestones
     * {@code maxT·eta^-k} of training_iteration). Use it with {@link #bohbScheduler(double, double)}
     * of the same arguments.
     */
    public static Searcher bohb(double maxT, double eta) {
        dev.gale.tune.schedulers.HyperBandScheduler hb = bohbScheduler(maxT, eta);
        java.util.TreeSet<Double> b = new java.util.TreeSet<>();
        for (int s = 0; s < hb.bracketCount(); s++) for (double m : hb.milestones(s)) b.add(m);
        double[] budgets = b.stream().mapToDouble(Double::doubleValue).toArray();
        return TpeSearcher.builder().budgets(dev.gale.tune.Result.TRAINING_ITERATION, budgets).build();
    }

    /** BOHB's scheduler: synchronous Hyperband with {@code maxT} and reduction factor {@code eta}. */
    public static dev.gale.tune.schedulers.HyperBandScheduler bohbScheduler(double maxT, double eta) {
        return dev.gale.tune.schedulers.HyperBandScheduler.builder().maxT(maxT).reductionFactor(eta).build();
    }

    /** CMA-ES with IPOP restarts (categoricals sampled at random). */
    public static Searcher cmaEs() {
        return new CmaEsSearcher();
    }

    /** Gaussian-process Bayesian optimization (Matérn-5/2 ARD, log-EI, multi-start L-BFGS). */
    public static Searcher gp() {
        return new GpSearcher();
    }

    /** Quasi-Monte Carlo: scrambled Sobol points (Optuna's QMCSampler default). */
    public static Searcher sobol() {
        return QmcSearcher.builder().kind(QmcSearcher.Kind.SOBOL).build();
    }

    /** Quasi-Monte Carlo: scrambled Halton points. */
    public static Searcher halton() {
        return QmcSearcher.builder().kind(QmcSearcher.Kind.HALTON).build();
    }

    /** {@code searcher} with at most {@code maxConcurrent} of its trials running at once (Ray's ConcurrencyLimiter). */
    public static Searcher limit(Searcher searcher, int maxConcurrent) {
        return new ConcurrencyLimiter(searcher, maxConcurrent);
    }

    /** {@code searcher} with each config tried {@code repeat} times, learning from the mean (Ray's Repeater). */
    public static Searcher repeat(Searcher searcher, int repeat) {
        return new Repeater(searcher, repeat);
    }

    /**
     * The searcher called {@code name} (case-insensitive): {@code random}, {@code grid},
     * {@code qmc-sobol} ({@code qmc}, {@code sobol}), {@code qmc-halton} ({@code halton}), or a
     * user's searcher found by {@link java.util.ServiceLoader} (listed in
     * {@code META-INF/services/dev.gale.tune.search.Searcher}) whose {@code name()}, simple class
     * name or class name matches.
     *
     * @throws IllegalArgumentException for an unknown name, listing the known ones
     */
    public static Searcher byName(String name) {
        String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        return switch (n) {
            case "auto", "default" -> auto();
            case "random" -> random();
            case "grid" -> grid();
            case "qmc", "qmc-sobol", "sobol" -> sobol();
            case "qmc-halton", "halton" -> halton();
            case "tpe" -> tpe();
            case "tpe-multivariate", "tpe_multivariate", "mtpe" -> tpeMultivariate();
            case "tpe-univariate", "tpe_univariate", "utpe" -> tpeUnivariate();
            case "cmaes", "cma_es", "cma-es" -> cmaEs();
            case "cmaes-gaussian", "cmaes_gaussian" -> CmaEsSearcher.builder().sampling(CmaEsSearcher.Sampling.GAUSSIAN).build();
            case "gp", "gp-bo", "bo" -> gp();
            case "gp-tr", "gp_tr", "turbo" -> GpSearcher.builder().trustRegion(true).build();
            case "gp-warp", "gp_warp" -> GpSearcher.builder().inputWarping(true).build();
            default -> dev.gale.tune.internal.Plugins.find(Searcher.class, name, Searcher::name, NAMES, "searcher");
        };
    }
}
