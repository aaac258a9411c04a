package dev.gale.tune.schedulers;

import dev.gale.tune.Mode;
import dev.gale.tune.Result;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Asynchronous Successive Halving (ASHA), as Ray Tune's {@code AsyncHyperBandScheduler}: trials
 * that are not among the best {@code 1/reductionFactor} of those that reached the same milestone
 * are stopped early.
 *
 * <p>The rule, exactly:
 * <ul>
 *   <li>Parameters (see {@link Builder}): {@code timeAttr} (default {@code training_iteration}),
 *       {@code metric} and {@code mode} (default: those given to {@link #setup}), {@code maxT}
 *       (100), {@code gracePeriod} (1), {@code reductionFactor} rf (4), {@code brackets} (1).</li>
 *   <li>Bracket {@code s} (0 ≤ s &lt; brackets) has a rung at each milestone
 *       {@code gracePeriod × rf^(k+s) ≤ maxT}, k = 0, 1, ... (Ray's {@code _Bracket}). A rung at
 *       exactly maxT never decides anything, since a trial is stopped at maxT first.</li>
 *   <li>Trials join brackets round-robin in the order they are added ({@link #onTrialAdd}, or
 *       their first result if never added): trial i goes to bracket {@code i mod brackets}. Ray
 *       draws the bracket at random with softmax weights on the number of rungs; Gale is
 *       deterministic instead. With the default single bracket the two agree.</li>
 *   <li>On each result: the value of {@code timeAttr} is t and the score is the metric
 *       ({@code MAX}) or its negation ({@code MIN}). If {@code t ≥ maxT} the trial is stopped.
 *       Otherwise the rungs of its bracket are scanned from the highest milestone down; at the
 *       first rung with {@code milestone ≤ t} that has not recorded this trial yet, the cutoff is
 *       numpy's {@code nanpercentile(recorded scores, (1 - 1/rf) × 100)} ('linear'
 *       interpolation) over the scores already recorded at that rung (none recorded: no cutoff),
 *       the trial is stopped if its score is strictly below the cutoff, and its score is
 *       recorded at the rung. At most one rung is considered per result.</li>
 *   <li>When a trial completes ({@link #onTrialComplete}), its last result is considered as
 *       above (recording it at a rung it newly reached, as Ray does) and it leaves its bracket;
 *       recorded scores stay. {@link #onTrialError} keeps everything: a retried trial keeps its
 *       bracket and its recorded scores.</li>
 *   <li>A result without the metric or the time attribute, or with NaN in either, is an
 *       {@link IllegalArgumentException} naming the metric and the keys the result has (the
 *       controller turns it into a trial ERROR). Ray silently continues such a trial.</li>
 * </ul>
 *
 * <p>Per result the work is a scan of the bracket's rungs and, at a newly reached rung, an
 * O(recorded) insertion into a sorted array; no allocation on the CONTINUE path.
 * {@link #save()} returns a JSON-friendly map; {@link #restore} continues exactly.
 */
public final class AshaScheduler implements TrialScheduler {

    /** Builder with Ray's defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** Options of {@link AshaScheduler}; {@link #build()} validates them. */
    public static final class Builder {
        private String timeAttr = Result.TRAINING_ITERATION;
        private String metric;
        private Mode mode;
        private double maxT = 100;
        private double gracePeriod = 1;
        private double reductionFactor = 4;
        private int brackets = 1;

        private Builder() {
        }

        /** The result field that measures progress (default {@code training_iteration}). */
        public Builder timeAttr(String timeAttr) {
            this.timeAttr = timeAttr;
            return this;
        }

        /** The metric to rank by; default: the one given to {@link TrialScheduler#setup}. */
        public Builder metric(String metric) {
            this.metric = metric;
            return this;
        }

        /** MIN or MAX; default: the one given to {@link TrialScheduler#setup}. */
        public Builder mode(Mode mode) {
            this.mode = mode;
            return this;
        }

        /** Trials are stopped when timeAttr reaches this (default 100). */
        public Builder maxT(double maxT) {
            this.maxT = maxT;
            return this;
        }

        /** The first milestone: no trial is stopped before it (default 1). */
        public Builder gracePeriod(double gracePeriod) {
            this.gracePeriod = gracePeriod;
            return this;
        }

        /** rf: milestones grow by this factor and the top 1/rf continue (default 4). */
        public Builder reductionFactor(double reductionFactor) {
            this.reductionFactor = reductionFactor;
            return this;
        }

        /** The number of brackets (default 1). */
        public Builder brackets(int brackets) {
            this.brackets = brackets;
            return this;
        }

        /**
         * A new scheduler with these options.
         *
         * @throws IllegalArgumentException naming the option that is out of range
         */
        public AshaScheduler build() {
            if (timeAttr == null || timeAttr.isBlank()) {
                throw new IllegalArgumentException("AshaScheduler timeAttr is empty: use e.g. training_iteration");
            }
            if (!(maxT > 0) || !Double.isFinite(maxT)) {
                throw new IllegalArgumentException("AshaScheduler maxT = " + maxT + ": must be a finite number > 0");
            }
            if (!(gracePeriod > 0) || gracePeriod > maxT) {
                throw new IllegalArgumentException("AshaScheduler gracePeriod = " + gracePeriod + ": must be > 0 and <= maxT ("
                        + maxT + ")");
            }
            if (!(reductionFactor > 1) || !Double.isFinite(reductionFactor)) {
                throw new IllegalArgumentException("AshaScheduler reductionFactor = " + reductionFactor + ": must be > 1 (e.g. 2, 3, 4)");
            }
            if (brackets < 1) {
                throw new IllegalArgumentException("AshaScheduler brackets = " + brackets + ": must be >= 1");
            }
            return new AshaScheduler(this);
        }
    }

    /** One milestone of a bracket: the scores recorded there, by trial and sorted. */
    private static final class Rung {
        final double milestone;
        final Map<String, Double> recorded = new LinkedHashMap<>();
        double[] sorted = new double[8];
        int n;

        Rung(double milestone) {
            this.milestone = milestone;
        }

        void record(String trialId, double score) {
            if (recorded.put(trialId, score) != null) {
                throw new IllegalStateException("trial '" + trialId + "' recorded twice at milestone " + milestone);
            }
            if (n == sorted.length) sorted = Arrays.copyOf(sorted, n * 2);
            int at = Arrays.binarySearch(sorted, 0, n, score);
            if (at < 0) at = -at - 1;
            System.arraycopy(sorted, at, sorted, at + 1, n - at);
            sorted[at] = score;
            n++;
        }
    }

    private static final class Bracket {
        final Rung[] rungs; // highest milestone first, as Ray

        Bracket(double grace, double maxT, double rf, int s) {
            List<Rung> list = new ArrayList<>();
            for (int k = 0; ; k++) {
                double m = grace * Math.pow(rf, k + s);
                if (m > maxT) break;
                list.add(0, new Rung(m));
            }
            rungs = list.toArray(new Rung[0]);
        }

        Decision onResult(String trialId, double t, double score, double percent) {
            for (Rung rung : rungs) {
                if (t < rung.milestone || rung.recorded.containsKey(trialId)) continue;
                Decision d = Decision.CONTINUE;
                if (rung.n > 0 && score < SchedulerSupport.percentileLinear(rung.sorted, rung.n, percent)) {
                    d = Decision.STOP;
                }
                rung.record(trialId, score);
                return d;
            }
            return Decision.CONTINUE;
        }
    }

    private final String timeAttr;
    private final String metricOption;
    private final Mode modeOption;
    private final double maxT;
    private final double gracePeriod;
    private final double reductionFactor;
    private final double percent;
    private final Bracket[] brackets;
    private final Map<String, Integer> trialBracket = new LinkedHashMap<>();
    private long added;
    private String metric;
    private Mode mode;

    private AshaScheduler(Builder b) {
        this.timeAttr = b.timeAttr;
        this.metricOption = b.metric;
        this.modeOption = b.mode;
        this.maxT = b.maxT;
        this.gracePeriod = b.gracePeriod;
        this.reductionFactor = b.reductionFactor;
        this.percent = (1 - 1 / b.reductionFactor) * 100; // as Ray passes it to nanpercentile
        this.brackets = new Bracket[b.brackets];
        for (int s = 0; s < b.brackets; s++) {
            brackets[s] = new Bracket(b.gracePeriod, b.maxT, b.reductionFactor, s);
        }
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
            throw new IllegalArgumentException("AshaScheduler needs a metric: set TuneConfig's metric or AshaScheduler.builder().metric(...)");
        }
        if (this.mode == null) {
            throw new IllegalArgumentException("AshaScheduler needs a mode: set TuneConfig's mode or AshaScheduler.builder().mode(...)");
        }
    }

    @Override
    public void onTrialAdd(String trialId) {
        bracketOf(trialId);
    }

    @Override
    public Decision onTrialResult(String trialId, Result result) {
        if (metric == null) {
            throw new IllegalStateException("AshaScheduler: onTrialResult before setup");
        }
        double t = SchedulerSupport.value("AshaScheduler", trialId, result, timeAttr);
        double m = SchedulerSupport.value("AshaScheduler", trialId, result, metric);
        if (t >= maxT) {
            return Decision.STOP;
        }
        return bracketOf(trialId).onResult(trialId, t, mode == Mode.MAX ? m : -m, percent);
    }

    /** True when the result's time attribute reached {@code maxT}. */
    @Override
    public boolean budgetExhausted(Result result) {
        return result != null && result.metric(timeAttr) >= maxT;
    }

    @Override
    public void onTrialComplete(String trialId, Result last) {
        Integer b = trialBracket.remove(trialId);
        if (b != null && metric != null && SchedulerSupport.usable(last, timeAttr) && SchedulerSupport.usable(last, metric)) {
            double m = last.metric(metric);
            brackets[b].onResult(trialId, last.metric(timeAttr), mode == Mode.MAX ? m : -m, percent);
        }
    }

    private Bracket bracketOf(String trialId) {
        Integer b = trialBracket.get(trialId);
        if (b == null) {
            b = (int) (added++ % brackets.length);
            trialBracket.put(trialId, b);
        }
        return brackets[b];
    }

    /** The milestones of bracket {@code s}, highest first. */
    public double[] milestones(int s) {
        Rung[] rungs = brackets[s].rungs;
        double[] out = new double[rungs.length];
        for (int i = 0; i < rungs.length; i++) out[i] = rungs[i].milestone;
        return out;
    }

    /** The bracket of a trial that has been added and not completed, or -1. */
    public int bracketOfTrial(String trialId) {
        Integer b = trialBracket.get(trialId);
        return b == null ? -1 : b;
    }

    /**
     * {@code {"type": "asha", "added": n, "trials": {id: bracket}, "brackets": [[{"milestone": m,
     * "recorded": {id: score}}, ...], ...]}}; scores are the metric (MAX) or its negation (MIN),
     * non-finite ones as strings.
     */
    @Override
    public Object save() {
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("type", "asha");
        state.put("added", added);
        state.put("trials", new LinkedHashMap<>(trialBracket));
        List<Object> bs = new ArrayList<>();
        for (Bracket bracket : brackets) {
            List<Object> rungs = new ArrayList<>();
            for (Rung rung : bracket.rungs) {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("milestone", rung.milestone);
                Map<String, Object> rec = new LinkedHashMap<>();
                for (Map.Entry<String, Double> e : rung.recorded.entrySet()) {
                    rec.put(e.getKey(), SchedulerSupport.encode(e.getValue()));
                }
                r.put("recorded", rec);
                rungs.add(r);
            }
            bs.add(rungs);
        }
        state.put("brackets", bs);
        return state;
    }

    /**
     * Restores a {@link #save()} snapshot taken by a scheduler built with the same options.
     *
     * @throws IllegalArgumentException when the snapshot is not one, or its brackets differ
     */
    @Override
    public void restore(Object state) {
        Map<?, ?> m = SchedulerSupport.map(state, "AshaScheduler");
        SchedulerSupport.checkType(m, "asha");
        List<?> bs = SchedulerSupport.list(m.get("brackets"), "brackets");
        if (bs.size() != brackets.length) {
            throw new IllegalArgumentException("AshaScheduler state has " + bs.size() + " brackets, this scheduler has "
                    + brackets.length + ": restore with the options it was saved with");
        }
        Bracket[] fresh = new Bracket[brackets.length];
        for (int s = 0; s < brackets.length; s++) {
            fresh[s] = new Bracket(gracePeriod, maxT, reductionFactor, s);
            List<?> rungs = SchedulerSupport.list(bs.get(s), "brackets[" + s + "]");
            if (rungs.size() != fresh[s].rungs.length) {
                throw new IllegalArgumentException("AshaScheduler state: bracket " + s + " has " + rungs.size()
                        + " rungs, this scheduler has " + fresh[s].rungs.length + ": restore with the options it was saved with");
            }
            for (int r = 0; r < rungs.size(); r++) {
                Map<?, ?> rung = SchedulerSupport.map(rungs.get(r), "AshaScheduler rung");
                double milestone = SchedulerSupport.decode(rung.get("milestone"));
                if (milestone != fresh[s].rungs[r].milestone) {
                    throw new IllegalArgumentException("AshaScheduler state: milestone " + milestone + " where this scheduler has "
                            + fresh[s].rungs[r].milestone + ": restore with the options it was saved with");
                }
                for (Map.Entry<?, ?> e : SchedulerSupport.map(rung.get("recorded"), "recorded").entrySet()) {
                    fresh[s].rungs[r].record(String.valueOf(e.getKey()), SchedulerSupport.decode(e.getValue()));
                }
            }
        }
        Map<String, Integer> trials = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : SchedulerSupport.map(m.get("trials"), "trials").entrySet()) {
            if (!(e.getValue() instanceof Number num)) {
                throw new IllegalArgumentException("AshaScheduler state: trial " + e.getKey() + " has bracket " + e.getValue());
            }
            int b = num.intValue();
            if (b < 0 || b >= brackets.length) {
                throw new IllegalArgumentException("AshaScheduler state: trial " + e.getKey() + " in bracket " + b);
            }
            trials.put(String.valueOf(e.getKey()), b);
        }
        System.arraycopy(fresh, 0, brackets, 0, brackets.length);
        trialBracket.clear();
        trialBracket.putAll(trials);
        if (!(m.get("added") instanceof Number n)) {
            throw new IllegalArgumentException("AshaScheduler state has no 'added' count: " + state);
        }
        added = n.longValue();
    }

    @Override
    public String name() {
        return "asha";
    }
}
