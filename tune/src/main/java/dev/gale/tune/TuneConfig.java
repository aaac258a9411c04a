package dev.gale.tune;

import dev.gale.tune.schedulers.FifoScheduler;
import dev.gale.tune.schedulers.TrialScheduler;
import dev.gale.tune.search.Searchers;
import dev.gale.tune.search.Searcher;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * How to search: what to optimize, how many trials, how many at once, when to stop, how to retry.
 *
 * <p>Promises: a built TuneConfig is consistent; mistakes (numSamples &lt; 1, a metric without a
 * mode, a negative budget, ...) fail in {@link Builder#build()} with a message naming the field
 * and the fix, before any trial starts.
 *
 * @param metric              the metric searchers and schedulers optimize (null: none)
 * @param mode                MIN or MAX (required with a metric)
 * @param numSamples          how many times to sample the space (× grid size for grid axes)
 * @param maxConcurrentTrials the most trials running at once; 0 = as many as resources allow
 * @param timeBudget          wall-clock budget for the whole experiment (null: none); when it runs
 *                            out, running trials are stopped and no new ones start
 * @param stoppers            stop conditions evaluated on each result
 * @param maxFailures         retries of a failing trial from its last checkpoint; -1 = unlimited
 * @param seed                seed of the searcher's randomness (meaningful when {@code seedGiven})
 * @param searcher            the searcher (default: {@link Searchers#auto()}, which is random search / grid
 *                            enumeration when there is no metric or the space has grid axes)
 * @param scheduler           the trial scheduler (default: FIFO)
 * @param seedGiven           true when {@link Builder#seed} set the seed; false when none was given:
 *                            then {@link Tuner#fit()} draws one at random (as Ray and Optuna do), prints
 *                            it and records it in the experiment state ({@code experiment_state.json},
 *                            field {@code seed}), so the run can be repeated with that seed; a restored
 *                            experiment continues with the seed it recorded
 */
public record TuneConfig(String metric, Mode mode, int numSamples, int maxConcurrentTrials, Duration timeBudget,
                         List<Stopper> stoppers, int maxFailures, long seed, Searcher searcher,
                         TrialScheduler scheduler, boolean seedGiven) {

    public TuneConfig {
        if (metric != null && metric.isBlank()) {
            throw new IllegalArgumentException("metric is blank: give a metric name your trainable reports, or leave it unset");
        }
        if (metric != null && mode == null) {
            throw new IllegalArgumentException("mode is not set for metric '" + metric + "': use mode(Mode.MIN) or mode(Mode.MAX)");
        }
        if (numSamples < 1) {
            throw new IllegalArgumentException("numSamples = " + numSamples + ": must be >= 1");
        }
        if (maxConcurrentTrials < 0) {
            throw new IllegalArgumentException("maxConcurrentTrials = " + maxConcurrentTrials + ": must be >= 0 (0 = as resources allow)");
        }
        if (timeBudget != null && (timeBudget.isNegative() || timeBudget.isZero())) {
            throw new IllegalArgumentException("timeBudget = " + timeBudget + ": must be positive, or unset for none");
        }
        if (maxFailures < -1) {
            throw new IllegalArgumentException("maxFailures = " + maxFailures + ": must be >= 0, or -1 for unlimited retries");
        }
        stoppers = List.copyOf(stoppers);
        if (searcher == null) throw new IllegalArgumentException("searcher is null: leave it unset for the default (Searchers.auto())");
        if (scheduler == null) throw new IllegalArgumentException("scheduler is null: leave it unset for FIFO");
    }

    /** This config with {@code seed} given (what {@link Tuner#fit()} runs with once it has drawn a seed). */
    public TuneConfig withSeed(long seed) {
        return new TuneConfig(metric, mode, numSamples, maxConcurrentTrials, timeBudget, stoppers, maxFailures, seed, searcher,
                scheduler, true);
    }

    /**
     * A new builder with Ray Tune's defaults (1 sample, FIFO, no retries), except the searcher:
     * {@link Searchers#auto()} (Ray: random search, which auto also is without a metric or with grid axes).
     */
    public static Builder builder() {
        return new Builder();
    }

    /** Builder of {@link TuneConfig}; every setter returns this. */
    public static final class Builder {
        private String metric;
        private Mode mode;
        private int numSamples = 1;
        private int maxConcurrentTrials;
        private Duration timeBudget;
        private final List<Stopper> stoppers = new ArrayList<>();
        private int maxFailures;
        private long seed;
        private boolean seedGiven;
        private Searcher searcher;
        private TrialScheduler scheduler;

        private Builder() {
        }

        public Builder metric(String metric) { this.metric = metric; return this; }
        public Builder mode(Mode mode) { this.mode = mode; return this; }
        public Builder numSamples(int n) { this.numSamples = n; return this; }
        public Builder maxConcurrentTrials(int n) { this.maxConcurrentTrials = n; return this; }
        public Builder timeBudget(Duration d) { this.timeBudget = d; return this; }
        public Builder maxFailures(int n) { this.maxFailures = n; return this; }
        /**
         * The seed of the searcher's randomness: the same seed, searcher and sequence of results
         * give the same configs. Without it each {@link Tuner#fit()} draws a seed at random, prints
         * it and records it in the experiment state.
         */
        public Builder seed(long seed) { this.seed = seed; this.seedGiven = true; return this; }
        public Builder searcher(Searcher s) { this.searcher = s; return this; }
        public Builder scheduler(TrialScheduler s) { this.scheduler = s; return this; }
        /** Adds a stop condition. */
        public Builder stopper(Stopper s) { this.stoppers.add(s); return this; }
        /** Ray's {@code stop={...}}: stop a trial when any named metric is >= its value. */
        public Builder stop(Map<String, ? extends Number> thresholds) {
            for (Map.Entry<String, ? extends Number> e : thresholds.entrySet()) {
                if (e.getValue() == null || Double.isNaN(e.getValue().doubleValue())) {
                    throw new IllegalArgumentException("stop." + e.getKey() + " has no number: give a threshold");
                }
            }
            this.stoppers.add(Stopper.fromMap(thresholds));
            return this;
        }
        /** Stop each trial after {@code n} reports. */
        public Builder maxIterations(long n) {
            if (n < 1) throw new IllegalArgumentException("maxIterations = " + n + ": must be >= 1");
            this.stoppers.add(Stopper.maxIterations(n));
            return this;
        }

        public TuneConfig build() {
            return new TuneConfig(metric, mode, numSamples, maxConcurrentTrials, timeBudget, stoppers, maxFailures, seed,
                    searcher != null ? searcher : Searchers.auto(),
                    scheduler != null ? scheduler : new FifoScheduler(), seedGiven);
        }
    }
}
