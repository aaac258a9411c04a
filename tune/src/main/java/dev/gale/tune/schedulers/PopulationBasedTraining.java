package dev.gale.tune.schedulers;

import dev.gale.tune.Mode;
import dev.gale.tune.Result;
import dev.gale.tune.search.Domain;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Population-based training (Jaderberg et al., 2017), as Ray Tune's
 * {@code PopulationBasedTraining}: every {@code perturbationInterval} (in {@code timeAttr} units) a
 * trial in the bottom {@code quantileFraction} of the population, ranked by each trial's latest
 * score, copies the latest checkpoint of a trial drawn from the top quantile (exploit) and
 * continues with that trial's config perturbed (explore); trials in between continue.
 *
 * <p>Explore, per mutated parameter ({@code hyperparamMutations}: dotted path → a {@link Domain}
 * or a {@code List} of values): with probability {@code resampleProbability} (or when the value
 * is not numeric / not in the list) it is resampled from the domain or list; otherwise a list
 * value moves to a neighbour index (up or down, equally likely) and a numeric value is multiplied
 * by 1.2 or 0.8 (equally likely), clipped to the domain and rounded for integer domains. The
 * trainable must checkpoint (a trial whose donor has no checkpoint yet just continues).
 *
 * <p>Randomness is seeded ({@code seed}) and drawn in decision order, so with one trial reporting
 * at a time the same results give the same decisions. Results without the metric or the time
 * attribute are an {@link IllegalArgumentException} naming the metric.
 */
public final class PopulationBasedTraining implements TrialScheduler {
    private final String timeAttr;
    private final String metricOverride;
    private final Mode modeOverride;
    private final double interval;
    private final double quantile;
    private final double resampleProbability;
    private final Map<String, Object> mutations;
    private final long seed;
    private String metric;
    private Mode mode;
    private long draws;
    /** Latest score (internal: higher is better) and last perturbation time per live trial. */
    private final LinkedHashMap<String, double[]> trials = new LinkedHashMap<>();
    private final Map<String, Map<String, Object>> configs = new HashMap<>();
    private long exploits;

    private PopulationBasedTraining(Builder b) {
        this.timeAttr = b.timeAttr;
        this.metricOverride = b.metric;
        this.modeOverride = b.mode;
        this.interval = b.perturbationInterval;
        this.quantile = b.quantileFraction;
        this.resampleProbability = b.resampleProbability;
        this.mutations = new LinkedHashMap<>(b.mutations);
        this.seed = b.seed;
    }

    /** A builder: perturbation interval 5, quantile 0.25, resample probability 0.25, seed 0. */
    public static Builder builder() {
        return new Builder();
    }

    /** Options of {@link PopulationBasedTraining}; {@link #build()} validates them. */
    public static final class Builder {
        private String timeAttr = Result.TRAINING_ITERATION;
        private String metric;
        private Mode mode;
        private double perturbationInterval = 5;
        private double quantileFraction = 0.25;
        private double resampleProbability = 0.25;
        private final Map<String, Object> mutations = new LinkedHashMap<>();
        private long seed;

        private Builder() {
        }

        public Builder timeAttr(String t) { this.timeAttr = t; return this; }
        public Builder metric(String m) { this.metric = m; return this; }
        public Builder mode(Mode m) { this.mode = m; return this; }
        /** How often (in timeAttr units) a trial may be perturbed. */
        public Builder perturbationInterval(double v) { this.perturbationInterval = v; return this; }
        /** Fraction of the population at the bottom that exploits the same fraction at the top (≤ 0.5). */
        public Builder quantileFraction(double v) { this.quantileFraction = v; return this; }
        /** Probability of resampling a parameter instead of perturbing it. */
        public Builder resampleProbability(double v) { this.resampleProbability = v; return this; }
        /** Mutates {@code path} (dotted) within {@code domain} (a Domain) or among {@code values} (a List). */
        public Builder mutate(String path, Object domainOrValues) { this.mutations.put(path, domainOrValues); return this; }
        public Builder seed(long s) { this.seed = s; return this; }

        /** Validates and builds. */
        public PopulationBasedTraining build() {
            if (!(perturbationInterval > 0)) throw new IllegalArgumentException("perturbationInterval = " + perturbationInterval + ": must be > 0");
            if (!(quantileFraction > 0 && quantileFraction <= 0.5)) {
                throw new IllegalArgumentException("quantileFraction = " + quantileFraction + ": must be in (0, 0.5]");
            }
            if (!(resampleProbability >= 0 && resampleProbability <= 1)) {
                throw new IllegalArgumentException("resampleProbability = " + resampleProbability + ": must be in [0, 1]");
            }
            if (mutations.isEmpty()) {
                throw new IllegalArgumentException("no hyperparamMutations: name at least one parameter with mutate(path, domain or list)");
            }
            for (Map.Entry<String, Object> e : mutations.entrySet()) {
                Object v = e.getValue();
                if (v instanceof List<?> l ? l.isEmpty() : !(v instanceof Domain) || v instanceof Domain.SampleFrom) {
                    throw new IllegalArgumentException("mutation '" + e.getKey() + "': give a non-empty list of values or a Domain (not sampleFrom)");
                }
            }
            return new PopulationBasedTraining(this);
        }
    }

    @Override
    public void setup(String metric, Mode mode) {
        this.metric = metricOverride != null ? metricOverride : metric;
        this.mode = modeOverride != null ? modeOverride : mode;
        if (this.metric == null) {
            throw new IllegalArgumentException("PopulationBasedTraining needs a metric: set TuneConfig.metric or builder().metric(...)");
        }
        if (this.mode == null) this.mode = Mode.MAX;
    }

    /** Exploits decided so far. */
    public long exploits() {
        return exploits;
    }

    @Override
    public Decision onTrialResult(String trialId, Result result) {
        if (metric == null) throw new IllegalStateException("PopulationBasedTraining: onTrialResult before setup");
        double t = SchedulerSupport.value("PopulationBasedTraining", trialId, result, timeAttr);
        double m = SchedulerSupport.value("PopulationBasedTraining", trialId, result, metric);
        double[] st = trials.computeIfAbsent(trialId, k -> new double[]{0, 0});
        st[0] = mode == Mode.MAX ? m : -m;
        if (t - st[1] < interval) return Decision.CONTINUE;
        st[1] = t;
        // rank the population by latest score
        List<String> ids = new ArrayList<>(trials.keySet());
        if (ids.size() < 2) return Decision.CONTINUE;
        ids.sort((a, b) -> Double.compare(trials.get(a)[0], trials.get(b)[0])); // worst first
        int k = Math.max(1, (int) Math.round(ids.size() * quantile));
        if (k * 2 > ids.size()) k = ids.size() / 2;
        if (k == 0) return Decision.CONTINUE;
        int pos = ids.indexOf(trialId);
        if (pos >= k) return Decision.CONTINUE;
        SplittableRandom rng = new SplittableRandom(seed ^ (0x9E3779B97F4A7C15L * ++draws));
        String donor = ids.get(ids.size() - 1 - rng.nextInt(k));
        Map<String, Object> donorConfig = configs.get(donor);
        if (donorConfig == null) return Decision.CONTINUE;
        exploits++;
        return new Decision.Exploit(donor, explore(donorConfig, rng));
    }

    /**
     * Tells the scheduler a trial's current configuration (at its start and after each exploit);
     * PBT needs it to explore from the donor's config.
     */
    @Override
    public void onTrialConfig(String trialId, Map<String, Object> config) {
        configs.put(trialId, config);
    }

    @Override
    public void onTrialComplete(String trialId, Result last) {
        // a finished trial stays in the population as a donor (Ray keeps it too)
    }

    @Override
    public void onTrialError(String trialId) {
        trials.remove(trialId);
    }

    Map<String, Object> explore(Map<String, Object> base, SplittableRandom rng) {
        Map<String, Object> out = deepCopy(base);
        for (Map.Entry<String, Object> e : mutations.entrySet()) {
            String[] path = e.getKey().split("\\.");
            Map<String, Object> parent = out;
            for (int i = 0; i < path.length - 1; i++) {
                Object c = parent.get(path[i]);
                if (!(c instanceof Map)) {
                    c = new LinkedHashMap<String, Object>();
                    parent.put(path[i], c);
                }
                @SuppressWarnings("unchecked")
                Map<String, Object> cm = (Map<String, Object>) c;
                parent = cm;
            }
            String key = path[path.length - 1];
            parent.put(key, mutate(parent.get(key), e.getValue(), rng));
        }
        return out;
    }

    private Object mutate(Object current, Object space, SplittableRandom rng) {
        boolean resample = rng.nextDouble() < resampleProbability;
        if (space instanceof List<?> values) {
            int idx = current == null ? -1 : indexOf(values, current);
            if (resample || idx < 0) return values.get(rng.nextInt(values.size()));
            int next = idx + (rng.nextBoolean() ? 1 : -1);
            return values.get(Math.max(0, Math.min(values.size() - 1, next)));
        }
        Domain d = (Domain) space;
        if (resample || !(current instanceof Number n) || d instanceof Domain.Choice || d instanceof Domain.GridSearch) {
            return d.sample(rng);
        }
        double v = n.doubleValue() * (rng.nextBoolean() ? 1.2 : 0.8);
        Object candidate = switch (d) {
            case Domain.Uniform u -> Math.max(u.low(), Math.min(u.high(), v));
            case Domain.LogUniform u -> Math.max(u.low(), Math.min(u.high(), v));
            case Domain.RandInt r -> asInt(Math.max(r.low(), Math.min(r.high() - 1, Math.round(v))), r.low(), r.high());
            case Domain.QRandInt r -> asInt(Math.max(r.low(), Math.min(r.high(), Math.round(v / r.q()) * r.q())), r.low(), r.high());
            default -> d.sample(rng);
        };
        return d.contains(candidate) ? candidate : d.sample(rng);
    }

    private static Object asInt(long v, long lo, long hi) {
        return lo >= Integer.MIN_VALUE && hi <= Integer.MAX_VALUE ? (Object) (int) v : (Object) v;
    }

    private static int indexOf(List<?> values, Object v) {
        for (int i = 0; i < values.size(); i++) {
            Object x = values.get(i);
            if (x.equals(v) || x instanceof Number a && v instanceof Number b && a.doubleValue() == b.doubleValue()) return i;
        }
        return -1;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> deepCopy(Map<String, Object> m) {
        Map<String, Object> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(k, v instanceof Map<?, ?> sub ? deepCopy((Map<String, Object>) sub) : v));
        return out;
    }

    @Override
    public Object save() {
        Map<String, Object> st = new LinkedHashMap<>();
        st.put("draws", draws);
        st.put("exploits", exploits);
        Map<String, Object> ts = new LinkedHashMap<>();
        trials.forEach((k, v) -> ts.put(k, List.of(Double.isInfinite(v[0]) ? "-inf" : v[0], v[1])));
        st.put("trials", ts);
        st.put("configs", new LinkedHashMap<>(configs));
        return st;
    }

    @Override
    @SuppressWarnings("unchecked")
    public void restore(Object state) {
        Map<String, Object> st = (Map<String, Object>) state;
        draws = ((Number) st.get("draws")).longValue();
        exploits = ((Number) st.get("exploits")).longValue();
        trials.clear();
        ((Map<String, Object>) st.get("trials")).forEach((k, v) -> {
            List<Object> l = (List<Object>) v;
            double score = "-inf".equals(l.get(0)) ? Double.NEGATIVE_INFINITY : ((Number) l.get(0)).doubleValue();
            trials.put(k, new double[]{score, ((Number) l.get(1)).doubleValue()});
        });
        configs.clear();
        ((Map<String, Object>) st.get("configs")).forEach((k, v) -> configs.put(k, (Map<String, Object>) v));
    }

    @Override
    public String name() {
        return "pbt";
    }
}
