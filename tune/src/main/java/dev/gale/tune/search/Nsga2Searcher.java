package dev.gale.tune.search;

import dev.gale.tune.Mode;
import dev.gale.tune.Result;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Multi-objective search with NSGA-II (Deb et al., 2002): non-dominated sorting, crowding
 * distance, binary tournaments, simulated binary crossover and polynomial mutation, with Deb's
 * constrained domination for feasibility constraints.
 *
 * <p>Exactly: each parameter is a gene in [0, 1) mapped to its domain as {@link QmcSearcher}
 * maps a coordinate (log scale for log domains, equal bins for integers, quantized values and
 * categories). The first {@code populationSize} trials are random. After that, every time
 * {@code populationSize} more trials have completed, the population becomes the best
 * {@code populationSize} of (population ∪ newly completed) by rank, then crowding distance
 * (steady-state NSGA-II, so trials that complete out of order are used as soon as a batch is in).
 * A new trial's genes come from two parents picked by binary tournament on (rank, crowding),
 * SBX crossover (probability {@code crossoverProbability}, η = {@code crossoverEta}) and
 * polynomial mutation (probability 1/genes per gene, η = {@code mutationEta}).
 *
 * <p>Objectives are the named metrics of each trial's last result, each minimized or maximized by
 * its mode. Constraints are metrics too: a trial is feasible when every constraint metric is ≤ 0;
 * a feasible trial dominates an infeasible one, and of two infeasible trials the one with the
 * smaller total violation dominates. Trials that failed or lack an objective are ignored.
 * State (genes of suggested trials, completed values, population, counters) is saved exactly.
 */
public final class Nsga2Searcher implements Searcher, dev.gale.tune.search.internal.relative.HistoryFed {
    private final List<String> metrics;
    private final List<Mode> modes;
    private final List<String> constraints;
    private final int populationSize;
    private final double crossoverProbability;
    private final double crossoverEta;
    private final double mutationEta;
    private SearchSpace space;
    private List<String> paths;
    private List<Domain> domains;
    private long seed;
    private long counter;
    private final Map<String, double[]> genes = new HashMap<>();
    /** Completed individuals: genes, objectives (minimized), violation. */
    private final List<Individual> population = new ArrayList<>();
    private final List<Individual> fresh = new ArrayList<>();
    private int completed;

    private record Individual(String id, double[] genes, double[] objectives, double violation) {
    }

    /** Fresh engines for define-by-run relative sampling. */
    private final java.util.function.Supplier<Searcher> engines;
    private dev.gale.tune.search.internal.relative.RelativeSampling relative;

    private Nsga2Searcher(Builder b) {
        this.engines = () -> new Nsga2Searcher(b);
        this.metrics = List.copyOf(b.metrics);
        this.modes = List.copyOf(b.modes);
        this.constraints = List.copyOf(b.constraints);
        this.populationSize = b.populationSize;
        this.crossoverProbability = b.crossoverProbability;
        this.crossoverEta = b.crossoverEta;
        this.mutationEta = b.mutationEta;
    }

    /** A builder; name at least two objectives with {@link Builder#objective}. */
    public static Builder builder() {
        return new Builder();
    }

    /** Options of {@link Nsga2Searcher}. */
    public static final class Builder {
        private final List<String> metrics = new ArrayList<>();
        private final List<Mode> modes = new ArrayList<>();
        private final List<String> constraints = new ArrayList<>();
        private int populationSize = 50;
        private double crossoverProbability = 0.9;
        private double crossoverEta = 20;
        private double mutationEta = 20;

        private Builder() {
        }

        /** Adds an objective: a metric and whether to minimize or maximize it. */
        public Builder objective(String metric, Mode mode) {
            metrics.add(metric);
            modes.add(mode);
            return this;
        }

        /** Adds a constraint metric: feasible when its value is ≤ 0. */
        public Builder constraint(String metric) {
            constraints.add(metric);
            return this;
        }

        public Builder populationSize(int n) { this.populationSize = n; return this; }
        public Builder crossoverProbability(double p) { this.crossoverProbability = p; return this; }
        public Builder crossoverEta(double e) { this.crossoverEta = e; return this; }
        public Builder mutationEta(double e) { this.mutationEta = e; return this; }

        /** Validates and builds. */
        public Nsga2Searcher build() {
            if (metrics.isEmpty()) throw new IllegalArgumentException("NSGA-II needs objectives: add objective(metric, mode)");
            for (int i = 0; i < metrics.size(); i++) {
                if (metrics.get(i) == null || metrics.get(i).isBlank() || modes.get(i) == null) {
                    throw new IllegalArgumentException("objective " + i + ": give a metric name and a mode");
                }
            }
            if (populationSize < 4) throw new IllegalArgumentException("populationSize = " + populationSize + ": must be >= 4");
            if (!(crossoverProbability >= 0 && crossoverProbability <= 1)) {
                throw new IllegalArgumentException("crossoverProbability = " + crossoverProbability + ": must be in [0, 1]");
            }
            if (!(crossoverEta > 0) || !(mutationEta > 0)) throw new IllegalArgumentException("crossoverEta and mutationEta must be > 0");
            return new Nsga2Searcher(this);
        }
    }

    @Override
    public void setup(SearchSpace space, String metric, Mode mode, int numSamples, long seed) {
        this.space = space;
        this.seed = seed;
        this.paths = new ArrayList<>();
        this.domains = new ArrayList<>();
        space.domains().forEach((p, d) -> {
            if (!(d instanceof Domain.SampleFrom)) {
                paths.add(p);
                domains.add(d);
            }
        });
        relative = new dev.gale.tune.search.internal.relative.RelativeSampling(engines, dev.gale.tune.search.internal.relative.RelativeSampling.Partition.INTERSECTION, metric, mode, seed);
    }

    @Override
    public Suggestion suggest(String trialId) {
        SplittableRandom rng = new SplittableRandom(seed ^ (0x9E3779B97F4A7C15L * ++counter));
        int d = domains.size();
        double[] g = new double[d];
        if (population.size() < 2) {
            for (int i = 0; i < d; i++) g[i] = rng.nextDouble();
        } else {
            double[] a = tournament(rng).genes();
            double[] b = tournament(rng).genes();
            System.arraycopy(a, 0, g, 0, d);
            if (rng.nextDouble() < crossoverProbability) {
                for (int i = 0; i < d; i++) {
                    if (rng.nextBoolean()) g[i] = sbx(a[i], b[i], rng);
                }
            }
            for (int i = 0; i < d; i++) {
                if (rng.nextDouble() < 1.0 / Math.max(1, d)) g[i] = mutate(g[i], rng);
            }
        }
        genes.put(trialId, g);
        Map<String, Object> values = new LinkedHashMap<>();
        for (int i = 0; i < d; i++) values.put(paths.get(i), QmcSearcher.map(domains.get(i), Math.min(g[i], Math.nextDown(1.0))));
        return new Suggestion.Config(space.assemble(values));
    }

    /** Binary tournament on (rank, crowding) within the population. */
    private Individual tournament(SplittableRandom rng) {
        int i = rng.nextInt(population.size());
        int j = rng.nextInt(population.size());
        return i <= j ? population.get(i) : population.get(j); // population is kept sorted best first
    }

    private double sbx(double x1, double x2, SplittableRandom rng) {
        if (Math.abs(x1 - x2) < 1e-14) return x1;
        double lo = Math.min(x1, x2);
        double hi = Math.max(x1, x2);
        double u = rng.nextDouble();
        double beta = 1 + 2 * lo / (hi - lo);
        double alpha = 2 - Math.pow(beta, -(crossoverEta + 1));
        double betaq = u <= 1 / alpha ? Math.pow(u * alpha, 1 / (crossoverEta + 1))
                : Math.pow(1 / (2 - u * alpha), 1 / (crossoverEta + 1));
        double c1 = 0.5 * ((lo + hi) - betaq * (hi - lo));
        beta = 1 + 2 * (1 - hi) / (hi - lo);
        alpha = 2 - Math.pow(beta, -(crossoverEta + 1));
        betaq = u <= 1 / alpha ? Math.pow(u * alpha, 1 / (crossoverEta + 1))
                : Math.pow(1 / (2 - u * alpha), 1 / (crossoverEta + 1));
        double c2 = 0.5 * ((lo + hi) + betaq * (hi - lo));
        double c = rng.nextBoolean() ? c1 : c2;
        return Math.max(0, Math.min(Math.nextDown(1.0), c));
    }

    private double mutate(double x, SplittableRandom rng) {
        double u = rng.nextDouble();
        double delta;
        if (u < 0.5) {
            double xy = 1 - x;
            double val = 2 * u + (1 - 2 * u) * Math.pow(xy, mutationEta + 1);
            delta = Math.pow(val, 1 / (mutationEta + 1)) - 1;
        } else {
            double xy = x;
            double val = 2 * (1 - u) + 2 * (u - 0.5) * Math.pow(xy, mutationEta + 1);
            delta = 1 - Math.pow(val, 1 / (mutationEta + 1));
        }
        return Math.max(0, Math.min(Math.nextDown(1.0), x + delta));
    }

    @Override
    public void onTrialComplete(String trialId, Result last, boolean error) {
        if (relative != null) relative.complete(trialId, last, error);
        double[] g = genes.remove(trialId);
        if (g == null || error || last == null) return;
        double[] obj = new double[metrics.size()];
        for (int i = 0; i < obj.length; i++) {
            double v = last.metric(metrics.get(i));
            if (Double.isNaN(v)) return;
            obj[i] = modes.get(i) == Mode.MIN ? v : -v;
        }
        double viol = 0;
        for (String c : constraints) {
            double v = last.metric(c);
            viol += Double.isNaN(v) ? Double.POSITIVE_INFINITY : Math.max(0, v);
        }
        fresh.add(new Individual(trialId, g, obj, viol));
        completed++;
        if (population.isEmpty() ? fresh.size() >= populationSize : fresh.size() >= populationSize) {
            List<Individual> all = new ArrayList<>(population);
            all.addAll(fresh);
            fresh.clear();
            population.clear();
            population.addAll(select(all, populationSize));
        }
    }

    /** The best {@code n} of {@code all} by constrained non-dominated rank, then crowding distance; best first. */
    static List<Individual> select(List<Individual> all, int n) {
        List<List<Individual>> fronts = fronts(all);
        List<Individual> out = new ArrayList<>(n);
        for (List<Individual> f : fronts) {
            List<Individual> sorted = byCrowding(f);
            for (Individual x : sorted) {
                if (out.size() == n) return out;
                out.add(x);
            }
        }
        return out;
    }

    static boolean dominates(Individual a, Individual b) {
        if (a.violation() < b.violation()) return true;
        if (a.violation() > b.violation()) return false;
        boolean strictly = false;
        for (int i = 0; i < a.objectives().length; i++) {
            if (a.objectives()[i] > b.objectives()[i]) return false;
            if (a.objectives()[i] < b.objectives()[i]) strictly = true;
        }
        return strictly;
    }

    static List<List<Individual>> fronts(List<Individual> all) {
        int n = all.size();
        int[] dominatedBy = new int[n];
        List<List<Integer>> dominates = new ArrayList<>(n);
        for (int i = 0; i < n; i++) dominates.add(new ArrayList<>());
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                if (dominates(all.get(i), all.get(j))) {
                    dominates.get(i).add(j);
                    dominatedBy[j]++;
                } else if (dominates(all.get(j), all.get(i))) {
                    dominates.get(j).add(i);
                    dominatedBy[i]++;
                }
            }
        }
        List<List<Individual>> fronts = new ArrayList<>();
        List<Integer> current = new ArrayList<>();
        for (int i = 0; i < n; i++) if (dominatedBy[i] == 0) current.add(i);
        while (!current.isEmpty()) {
            List<Individual> f = new ArrayList<>(current.size());
            List<Integer> next = new ArrayList<>();
            for (int i : current) {
                f.add(all.get(i));
                for (int j : dominates.get(i)) if (--dominatedBy[j] == 0) next.add(j);
            }
            fronts.add(f);
            current = next;
        }
        return fronts;
    }

    /** A front sorted by crowding distance, largest first (boundary points first), ties by id. */
    static List<Individual> byCrowding(List<Individual> front) {
        int n = front.size();
        double[] dist = new double[n];
        int m = front.get(0).objectives().length;
        Integer[] idx = new Integer[n];
        for (int k = 0; k < m; k++) {
            final int kk = k;
            for (int i = 0; i < n; i++) idx[i] = i;
            Arrays.sort(idx, (a, b) -> Double.compare(front.get(a).objectives()[kk], front.get(b).objectives()[kk]));
            double lo = front.get(idx[0]).objectives()[k];
            double hi = front.get(idx[n - 1]).objectives()[k];
            dist[idx[0]] = Double.POSITIVE_INFINITY;
            dist[idx[n - 1]] = Double.POSITIVE_INFINITY;
            if (hi - lo <= 0) continue;
            for (int i = 1; i < n - 1; i++) {
                dist[idx[i]] += (front.get(idx[i + 1]).objectives()[k] - front.get(idx[i - 1]).objectives()[k]) / (hi - lo);
            }
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> {
            int c = Double.compare(dist[b], dist[a]);
            return c != 0 ? c : front.get(a).id().compareTo(front.get(b).id());
        });
        List<Individual> out = new ArrayList<>(n);
        for (int i : order) out.add(front.get(i));
        return out;
    }

    /** Trials completed and used so far. */
    public int completed() {
        return completed;
    }

    @Override
    public Object save() {
        Map<String, Object> st = new LinkedHashMap<>();
        st.put("seed", Long.toString(seed));
        st.put("counter", counter);
        st.put("completed", completed);
        Map<String, Object> g = new LinkedHashMap<>();
        genes.forEach((k, v) -> g.put(k, Values.doubles(v)));
        st.put("genes", g);
        st.put("population", individuals(population));
        st.put("fresh", individuals(fresh));
        if (relative != null && !relative.isEmpty()) st.put("relative", relative.save());
        return st;
    }

    private static List<Object> individuals(List<Individual> list) {
        List<Object> out = new ArrayList<>();
        for (Individual x : list) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", x.id());
            m.put("genes", Values.doubles(x.genes()));
            m.put("objectives", Values.doubles(x.objectives()));
            m.put("violation", Double.isInfinite(x.violation()) ? "inf" : x.violation());
            out.add(m);
        }
        return out;
    }



    @Override
    @SuppressWarnings("unchecked")
    public void restore(Object state) {
        Map<String, Object> st = (Map<String, Object>) state;
        seed = Long.parseLong((String) st.get("seed"));
        counter = ((Number) st.get("counter")).longValue();
        completed = ((Number) st.get("completed")).intValue();
        genes.clear();
        ((Map<String, Object>) st.get("genes")).forEach((k, v) -> genes.put(k, Values.doubleArray(v)));
        population.clear();
        fresh.clear();
        for (Object o : (List<Object>) st.get("population")) population.add(individual((Map<String, Object>) o));
        for (Object o : (List<Object>) st.get("fresh")) fresh.add(individual((Map<String, Object>) o));
        if (st.get("relative") != null) relative.restore(st.get("relative"));
    }

    /**
     * Define-by-run: names in the intersection space of the completed trials come from a joint
     * sample of a NSGA-II engine on that space, drawn at the trial's first ask (Optuna's
     * {@code sample_relative}); other names are sampled independently at random.
     */
    @Override
    public Object suggestParameter(String trialId, String name, Domain domain) {
        return dev.gale.tune.search.internal.relative.RelativeSampling.suggestOr(relative, trialId, name, domain,
                () -> BasicVariantSearcher.randomParameter(seed, trialId, name, domain));
    }

    /** Learns from a define-by-run trial of the relative space (see {@code RelativeSampling}). */
    @Override
    public void observe(String trialId, Map<String, Object> values, Result last) {
        double[] g = new double[domains.size()];
        for (int i = 0; i < g.length; i++) {
            g[i] = dev.gale.tune.search.internal.relative.UnitCoordinates.of(domains.get(i), values.get(paths.get(i)));
        }
        genes.put(trialId, g);
        onTrialComplete(trialId, last, false);
    }

    private static Individual individual(Map<String, Object> m) {
        Object v = m.get("violation");
        return new Individual((String) m.get("id"), Values.doubleArray(m.get("genes")), Values.doubleArray(m.get("objectives")),
                "inf".equals(v) ? Double.POSITIVE_INFINITY : ((Number) v).doubleValue());
    }

    @Override
    public String name() {
        return "nsga2";
    }
}
