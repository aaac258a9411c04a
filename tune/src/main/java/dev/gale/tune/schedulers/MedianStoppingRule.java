package dev.gale.tune.schedulers;

import dev.gale.tune.Mode;
import dev.gale.tune.Result;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The median stopping rule (Google Vizier), as Ray Tune's {@code MedianStoppingRule}: a trial is
 * stopped when its best result so far is worse than the median of the other trials' running
 * averages up to the same point.
 *
 * <p>The rule, exactly: on each result of trial X with time {@code t} (the value of
 * {@code timeAttr}; default {@code training_iteration}) the result is recorded, then
 * <ol>
 *   <li>if {@code t < gracePeriod} (default 1): CONTINUE;</li>
 *   <li>the others are the trials other than X whose latest recorded time is ≥ t (running,
 *       stopped or completed alike); for each, its running average is the mean of its metric
 *       over its results with {@code gracePeriod ≤ time ≤ t}; an other trial with no result in
 *       that window is left out (Ray would let its NaN mean stop X);</li>
 *   <li>if fewer than {@code minSamplesRequired} (default 3) others remain: CONTINUE (Ray may
 *       PAUSE here to yield to pending trials when {@code min_time_slice} is set; Gale has no
 *       such option);</li>
 *   <li>X's best is the max ({@code MAX}) or min ({@code MIN}) of its metric over all its
 *       results, the grace period included; the median is numpy's median of the others'
 *       running averages;</li>
 *   <li>if the best is strictly worse than the median (MAX: best &lt; median; MIN: best &gt;
 *       median) X is stopped: {@link Decision#STOP}, or {@link Decision#PAUSE} when built with
 *       {@code hardStop(false)}; a trial stopped once is answered STOP again (hardStop) or
 *       CONTINUE (otherwise, as Ray falls back to FIFO) for any later result, which is then
 *       not recorded. Otherwise CONTINUE.</li>
 * </ol>
 * {@link #onTrialComplete} records the final result only when it is newer (a larger time) than
 * the trial's latest recorded one (Ray records it again, counting the last result twice in
 * running averages). {@link #onTrialError} keeps the trial's results: a retried trial goes on
 * with them. A result without the metric or the time attribute, or with NaN, is an
 * {@link IllegalArgumentException} naming the metric and the keys present.
 *
 * <p>Ray's defaults are {@code time_total_s} with a grace period of 60 s; Gale's default time
 * attribute is {@code training_iteration}, so its default grace period is 1 (iteration); set both
 * for wall-clock behaviour: {@code builder().timeAttr("time_total_s").gracePeriod(60)}.
 *
 * <p>Cost per result: O(results recorded so far) to compute the running averages, as Ray; no
 * allocation beyond the recorded result (scratch arrays are reused). {@link #save()} is a
 * JSON-friendly map of every recorded (time, metric) pair; {@link #restore} continues exactly.
 */
public final class MedianStoppingRule implements TrialScheduler {

    /** Builder with the defaults above. */
    public static Builder builder() {
        return new Builder();
    }

    /** Options of {@link MedianStoppingRule}; {@link #build()} validates them. */
    public static final class Builder {
        private String timeAttr = Result.TRAINING_ITERATION;
        private String metric;
        private Mode mode;
        private double gracePeriod = 1;
        private int minSamplesRequired = 3;
        private boolean hardStop = true;

        private Builder() {
        }

        /** The result field that measures progress (default {@code training_iteration}). */
        public Builder timeAttr(String timeAttr) {
            this.timeAttr = timeAttr;
            return this;
        }

        /** The metric; default: the one given to {@link TrialScheduler#setup}. */
        public Builder metric(String metric) {
            this.metric = metric;
            return this;
        }

        /** MIN or MAX; default: the one given to {@link TrialScheduler#setup}. */
        public Builder mode(Mode mode) {
            this.mode = mode;
            return this;
        }

        /** No trial is stopped, nor counted in running averages, before this time (default 1). */
        public Builder gracePeriod(double gracePeriod) {
            this.gracePeriod = gracePeriod;
            return this;
        }

        /** The fewest other trials needed to compute a median (default 3). */
        public Builder minSamplesRequired(int minSamplesRequired) {
            this.minSamplesRequired = minSamplesRequired;
            return this;
        }

        /** True (default): a bad trial is stopped; false: it is paused. */
        public Builder hardStop(boolean hardStop) {
            this.hardStop = hardStop;
            return this;
        }

        /**
         * A new rule with these options.
         *
         * @throws IllegalArgumentException naming the option that is out of range
         */
        public MedianStoppingRule build() {
            if (timeAttr == null || timeAttr.isBlank()) {
                throw new IllegalArgumentException("MedianStoppingRule timeAttr is empty: use e.g. training_iteration");
            }
            if (!(gracePeriod >= 0) || !Double.isFinite(gracePeriod)) {
                throw new IllegalArgumentException("MedianStoppingRule gracePeriod = " + gracePeriod + ": must be a finite number >= 0");
            }
            if (minSamplesRequired < 1) {
                throw new IllegalArgumentException("MedianStoppingRule minSamplesRequired = " + minSamplesRequired + ": must be >= 1");
            }
            return new MedianStoppingRule(this);
        }
    }

    /** The (time, metric) pairs of one trial, in report order. */
    private static final class Series {
        double[] t = new double[8];
        double[] v = new double[8];
        int n;

        void add(double time, double value) {
            if (n == t.length) {
                t = Arrays.copyOf(t, n * 2);
                v = Arrays.copyOf(v, n * 2);
            }
            t[n] = time;
            v[n] = value;
            n++;
        }

        double lastTime() {
            return t[n - 1];
        }

        /** Mean of v over grace ≤ t ≤ upTo; NaN when none. */
        double runningMean(double grace, double upTo) {
            double sum = 0;
            int count = 0;
            for (int i = 0; i < n; i++) {
                if (t[i] >= grace && t[i] <= upTo) {
                    sum += v[i];
                    count++;
                }
            }
            return count == 0 ? Double.NaN : sum / count;
        }

        double best(Mode mode) {
            double b = v[0];
            for (int i = 1; i < n; i++) {
                b = mode == Mode.MAX ? Math.max(b, v[i]) : Math.min(b, v[i]);
            }
            return b;
        }
    }

    private final String timeAttr;
    private final String metricOption;
    private final Mode modeOption;
    private final double gracePeriod;
    private final int minSamplesRequired;
    private final boolean hardStop;
    private final Map<String, Series> results = new LinkedHashMap<>();
    private final Set<String> stopped = new LinkedHashSet<>();
    private double[] scratch = new double[16];
    private String metric;
    private Mode mode;

    private MedianStoppingRule(Builder b) {
        this.timeAttr = b.timeAttr;
        this.metricOption = b.metric;
        this.modeOption = b.mode;
        this.gracePeriod = b.gracePeriod;
        this.minSamplesRequired = b.minSamplesRequired;
        this.hardStop = b.hardStop;
    }

    /**
     * Takes the metric and mode from the builder, else from here.
     *
     * @throws IllegalArgumentException when neither gives a metric or a mode
     */
    @Override
    public void setup(String metric, Mode mode) {
        this.metric = metricOption != null ? metricOption : metric;
        this.mode = modeOption != null ? modeOption : mode;
        if (this.metric == null || this.metric.isBlank()) {
            throw new IllegalArgumentException("MedianStoppingRule needs a metric: set TuneConfig's metric or MedianStoppingRule.builder().metric(...)");
        }
        if (this.mode == null) {
            throw new IllegalArgumentException("MedianStoppingRule needs a mode: set TuneConfig's mode or MedianStoppingRule.builder().mode(...)");
        }
    }

    @Override
    public Decision onTrialResult(String trialId, Result result) {
        if (metric == null) {
            throw new IllegalStateException("MedianStoppingRule: onTrialResult before setup");
        }
        double time = SchedulerSupport.value("MedianStoppingRule", trialId, result, timeAttr);
        double value = SchedulerSupport.value("MedianStoppingRule", trialId, result, metric);
        if (stopped.contains(trialId)) {
            return hardStop ? Decision.STOP : Decision.CONTINUE;
        }
        Series mine = results.get(trialId);
        if (mine == null) {
            mine = new Series();
            results.put(trialId, mine);
        }
        mine.add(time, value);
        if (time < gracePeriod) {
            return Decision.CONTINUE;
        }
        int k = 0;
        for (Map.Entry<String, Series> e : results.entrySet()) {
            Series other = e.getValue();
            if (other == mine || other.n == 0 || other.lastTime() < time) continue;
            double mean = other.runningMean(gracePeriod, time);
            if (Double.isNaN(mean)) continue;
            if (k == scratch.length) scratch = Arrays.copyOf(scratch, k * 2);
            scratch[k++] = mean;
        }
        if (k < minSamplesRequired) {
            return Decision.CONTINUE;
        }
        double median = SchedulerSupport.median(scratch, k);
        double best = mine.best(mode);
        boolean worse = mode == Mode.MAX ? best < median : best > median;
        if (worse) {
            stopped.add(trialId);
            return hardStop ? Decision.STOP : Decision.PAUSE;
        }
        return Decision.CONTINUE;
    }

    @Override
    public void onTrialComplete(String trialId, Result last) {
        if (metric == null || !SchedulerSupport.usable(last, timeAttr) || !SchedulerSupport.usable(last, metric)) return;
        double time = last.metric(timeAttr);
        Series s = results.get(trialId);
        if (s == null) {
            s = new Series();
            results.put(trialId, s);
        }
        if (s.n == 0 || s.lastTime() < time) {
            s.add(time, last.metric(metric));
        }
    }

    /** True when this rule has stopped (or paused) the trial. */
    public boolean hasStopped(String trialId) {
        return stopped.contains(trialId);
    }

    /**
     * {@code {"type": "median", "trials": {id: {"t": [...], "v": [...]}}, "stopped": [ids]}};
     * non-finite numbers as strings.
     */
    @Override
    public Object save() {
        Map<String, Object> trials = new LinkedHashMap<>();
        for (Map.Entry<String, Series> e : results.entrySet()) {
            Series s = e.getValue();
            List<Object> t = new ArrayList<>(s.n);
            List<Object> v = new ArrayList<>(s.n);
            for (int i = 0; i < s.n; i++) {
                t.add(SchedulerSupport.encode(s.t[i]));
                v.add(SchedulerSupport.encode(s.v[i]));
            }
            Map<String, Object> one = new LinkedHashMap<>();
            one.put("t", t);
            one.put("v", v);
            trials.put(e.getKey(), one);
        }
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("type", "median");
        state.put("trials", trials);
        state.put("stopped", new ArrayList<>(stopped));
        return state;
    }

    @Override
    public void restore(Object state) {
        Map<?, ?> m = SchedulerSupport.map(state, "MedianStoppingRule");
        SchedulerSupport.checkType(m, "median");
        Map<String, Series> restored = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : SchedulerSupport.map(m.get("trials"), "trials").entrySet()) {
            Map<?, ?> one = SchedulerSupport.map(e.getValue(), "trial series");
            List<?> t = SchedulerSupport.list(one.get("t"), "t");
            List<?> v = SchedulerSupport.list(one.get("v"), "v");
            if (t.size() != v.size()) {
                throw new IllegalArgumentException("MedianStoppingRule state: trial " + e.getKey() + " has " + t.size()
                        + " times and " + v.size() + " values");
            }
            Series s = new Series();
            for (int i = 0; i < t.size(); i++) {
                s.add(SchedulerSupport.decode(t.get(i)), SchedulerSupport.decode(v.get(i)));
            }
            restored.put(String.valueOf(e.getKey()), s);
        }
        List<?> st = SchedulerSupport.list(m.get("stopped"), "stopped");
        results.clear();
        results.putAll(restored);
        stopped.clear();
        for (Object o : st) stopped.add(String.valueOf(o));
    }

    @Override
    public String name() {
        return "median";
    }
}
