package dev.gale.tune.schedulers;

import dev.gale.tune.Mode;
import dev.gale.tune.Result;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Synchronous Hyperband (Li et al., 2018), as Ray Tune's {@code HyperBandScheduler}: trials are
 * grouped into brackets; within a bracket every trial trains to the bracket's next milestone and
 * pauses; when all of them have, the best {@code 1/eta} are resumed (from their checkpoints) to the
 * next milestone and the rest end.
 *
 * <p>The arithmetic, exactly: with {@code R = maxT} and {@code eta = reductionFactor},
 * {@code sMax = floor(log_eta R)}. Brackets are filled in the order {@code s = sMax, sMax-1, …, 0}
 * and then again from {@code sMax}; bracket {@code s} takes {@code n = ceil((sMax+1)/(s+1)·eta^s)}
 * trials (in the order they are added) and has milestones {@code r_i = R·eta^(i-s)},
 * {@code i = 0..s} (so its last milestone is R). At a milestone, of the {@code m} trials that
 * reached it, the best {@code max(1, floor(m/eta))} continue. A bracket that never fills (the
 * search ends first) is halved with the trials it has once nothing else runs.
 *
 * <p>Trials must checkpoint to resume where they paused (without a checkpoint a resumed trial
 * starts over and trains to the next milestone again). A trial reaching {@code maxT} stops. A
 * trial that finishes or fails before its milestone leaves the bracket's count. Results without
 * the metric or the time attribute are an {@link IllegalArgumentException} naming the metric.
 */
public final class HyperBandScheduler implements TrialScheduler {
    private final String timeAttr;
    private final String metricOverride;
    private final Mode modeOverride;
    private final double maxT;
    private final double eta;
    private final int sMax;
    private String metric;
    private Mode mode;
    private final List<Bracket> brackets = new ArrayList<>();
    private final Map<String, Bracket> bracketOf = new HashMap<>();
    /** Trials ended at a milestone. */
    private final java.util.Set<String> ended = new java.util.HashSet<>();

    private HyperBandScheduler(Builder b) {
        this.timeAttr = b.timeAttr;
        this.metricOverride = b.metric;
        this.modeOverride = b.mode;
        this.maxT = b.maxT;
        this.eta = b.reductionFactor;
        this.sMax = (int) Math.floor(Math.log(maxT) / Math.log(eta) + 1e-9);
    }

    /** A builder with Ray's defaults: maxT 81, reduction factor 3, time attribute training_iteration. */
    public static Builder builder() {
        return new Builder();
    }

    /** Options of {@link HyperBandScheduler}; {@link #build()} validates them. */
    public static final class Builder {
        private String timeAttr = Result.TRAINING_ITERATION;
        private String metric;
        private Mode mode;
        private double maxT = 81;
        private double reductionFactor = 3;

        private Builder() {
        }

        /** The result field that measures progress (default {@code training_iteration}). */
        public Builder timeAttr(String t) { this.timeAttr = t; return this; }
        /** The metric to rank by; default the TuneConfig's. */
        public Builder metric(String m) { this.metric = m; return this; }
        /** MIN or MAX; default the TuneConfig's. */
        public Builder mode(Mode m) { this.mode = m; return this; }
        /** R: the most a trial trains, in timeAttr units (default 81). */
        public Builder maxT(double v) { this.maxT = v; return this; }
        /** eta: the fraction 1/eta of trials continues at each milestone (default 3). */
        public Builder reductionFactor(double v) { this.reductionFactor = v; return this; }

        /** Validates and builds. */
        public HyperBandScheduler build() {
            if (timeAttr == null || timeAttr.isBlank()) throw new IllegalArgumentException("timeAttr is blank: e.g. training_iteration");
            if (!(maxT >= 1) || Double.isInfinite(maxT)) throw new IllegalArgumentException("maxT = " + maxT + ": must be >= 1");
            if (!(reductionFactor > 1) || Double.isInfinite(reductionFactor)) {
                throw new IllegalArgumentException("reductionFactor = " + reductionFactor + ": must be > 1 (e.g. 3)");
            }
            return new HyperBandScheduler(this);
        }
    }

    /** The number of brackets before the cycle repeats: {@code sMax + 1}. */
    public int bracketCount() {
        return sMax + 1;
    }

    /** Trials bracket {@code s} takes: {@code ceil((sMax+1)/(s+1)·eta^s)}. */
    public int bracketSize(int s) {
        return (int) Math.ceil((sMax + 1) / (double) (s + 1) * Math.pow(eta, s) - 1e-9);
    }

    /** The milestones of bracket {@code s}, ascending: {@code R·eta^(i-s)}, {@code i = 0..s}. */
    public double[] milestones(int s) {
        double[] m = new double[s + 1];
        for (int i = 0; i <= s; i++) m[i] = maxT * Math.pow(eta, i - s);
        return m;
    }

    @Override
    public void setup(String metric, Mode mode) {
        this.metric = metricOverride != null ? metricOverride : metric;
        this.mode = modeOverride != null ? modeOverride : mode;
        if (this.metric == null) {
            throw new IllegalArgumentException("HyperBandScheduler needs a metric: set TuneConfig.metric or HyperBandScheduler.builder().metric(...)");
        }
        if (this.mode == null) this.mode = Mode.MAX;
    }

    private final class Bracket {
        final int s;
        final int size;
        final double[] milestones;
        int rung;
        /** trial → score at the current rung (NaN: not there yet); only live trials. */
        final LinkedHashMap<String, Double> live = new LinkedHashMap<>();
        int added;

        Bracket(int s) {
            this.s = s;
            this.size = bracketSize(s);
            this.milestones = milestones(s);
        }

        boolean full() {
            return added >= size;
        }
    }

    @Override
    public void onTrialAdd(String trialId) {
        Bracket b = brackets.isEmpty() ? null : brackets.get(brackets.size() - 1);
        if (b == null || b.full()) {
            int s = brackets.isEmpty() ? sMax : (b.s == 0 ? sMax : b.s - 1);
            b = new Bracket(s);
            brackets.add(b);
        }
        b.added++;
        b.live.put(trialId, Double.NaN);
        bracketOf.put(trialId, b);
    }

    @Override
    public Decision onTrialResult(String trialId, Result result) {
        if (metric == null) throw new IllegalStateException("HyperBandScheduler: onTrialResult before setup");
        double t = SchedulerSupport.value("HyperBandScheduler", trialId, result, timeAttr);
        double m = SchedulerSupport.value("HyperBandScheduler", trialId, result, metric);
        if (t >= maxT) return Decision.STOP;
        if (ended.contains(trialId)) return Decision.STOP;
        Bracket b = bracketOf.get(trialId);
        if (b == null) {
            onTrialAdd(trialId);
            b = bracketOf.get(trialId);
        }
        Double at = b.live.get(trialId);
        if (at == null) return Decision.STOP; // ended at an earlier milestone
        if (Double.isNaN(at) && t >= b.milestones[b.rung]) {
            b.live.put(trialId, mode == Mode.MAX ? m : -m);
            return b.rung == b.s ? Decision.STOP : Decision.PAUSE;
        }
        return Decision.CONTINUE;
    }

    /** True when the result's time attribute reached {@code maxT}. */
    @Override
    public boolean budgetExhausted(Result result) {
        return result != null && result.metric(timeAttr) >= maxT;
    }

    @Override
    public void onTrialComplete(String trialId, Result last) {
        leave(trialId);
    }

    @Override
    public void onTrialError(String trialId) {
        leave(trialId);
    }

    private void leave(String trialId) {
        Bracket b = bracketOf.remove(trialId);
        if (b != null) b.live.remove(trialId);
    }

    @Override
    public PausedPlan planPaused(List<String> paused, boolean idle) {
        List<String> resume = new ArrayList<>();
        List<String> stop = new ArrayList<>();
        java.util.Set<String> pausedSet = new java.util.HashSet<>(paused);
        for (Bracket b : brackets) {
            if (b.live.isEmpty() || !(b.full() || idle)) continue;
            boolean allThere = true;
            for (Map.Entry<String, Double> e : b.live.entrySet()) {
                if (Double.isNaN(e.getValue()) || !pausedSet.contains(e.getKey())) {
                    allThere = false;
                    break;
                }
            }
            if (!allThere) continue;
            List<Map.Entry<String, Double>> ranked = new ArrayList<>(b.live.entrySet());
            ranked.sort((x, y) -> Double.compare(y.getValue(), x.getValue())); // best first, stable
            int keep = Math.max(1, (int) Math.floor(ranked.size() / eta + 1e-9));
            for (int i = 0; i < ranked.size(); i++) {
                String id = ranked.get(i).getKey();
                if (i < keep) {
                    resume.add(id);
                    b.live.put(id, Double.NaN);
                } else {
                    stop.add(id);
                    b.live.remove(id);
                    bracketOf.remove(id);
                    ended.add(id);
                }
            }
            b.rung++;
        }
        return new PausedPlan(resume, stop);
    }

    @Override
    public Object save() {
        List<Object> bs = new ArrayList<>();
        for (Bracket b : brackets) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("s", b.s);
            m.put("rung", b.rung);
            m.put("added", b.added);
            Map<String, Object> live = new LinkedHashMap<>();
            b.live.forEach((k, v) -> live.put(k, Double.isNaN(v) ? null : v));
            m.put("live", live);
            bs.add(m);
        }
        return Map.of("brackets", bs, "ended", new ArrayList<>(new java.util.TreeSet<>(ended)));
    }

    @Override
    @SuppressWarnings("unchecked")
    public void restore(Object state) {
        brackets.clear();
        bracketOf.clear();
        ended.clear();
        Object e = ((Map<String, Object>) state).get("ended");
        if (e != null) for (Object id : (List<Object>) e) ended.add((String) id);
        for (Object o : (List<Object>) ((Map<String, Object>) state).get("brackets")) {
            Map<String, Object> m = (Map<String, Object>) o;
            Bracket b = new Bracket(((Number) m.get("s")).intValue());
            b.rung = ((Number) m.get("rung")).intValue();
            b.added = ((Number) m.get("added")).intValue();
            ((Map<String, Object>) m.get("live")).forEach((k, v) -> {
                b.live.put(k, v == null ? Double.NaN : ((Number) v).doubleValue());
                bracketOf.put(k, b);
            });
            brackets.add(b);
        }
    }

    @Override
    public String name() {
        return "hyperband";
    }
}
