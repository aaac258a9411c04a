package dev.gale.tune.search;

import dev.gale.tune.Mode;
import dev.gale.tune.search.internal.qmc.Halton;
import dev.gale.tune.search.internal.qmc.Sobol;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Quasi-Monte Carlo search with the semantics of Optuna's {@code QMCSampler}: trial number
 * {@code i} (counting from 0 in suggestion order) gets point {@code i} of a low-discrepancy
 * sequence {@code u ∈ [0,1)^d}, one coordinate per non-{@code sample_from} domain in
 * {@link SearchSpace#domains()} order, mapped to the domain:
 * <ul>
 *   <li>{@code uniform}: {@code low + u (high - low)} (kept below {@code high});</li>
 *   <li>{@code loguniform}: {@code exp(log low + u (log high - log low))}, clamped to the bounds;</li>
 *   <li>{@code qloguniform}: as loguniform, then rounded to the nearest multiple of q inside the bounds
 *       (as {@link Domain.QLogUniform#sample}), so the log scale is kept;</li>
 *   <li>{@code quniform}: the {@code K} multiples of q in the range are equal bins: multiple number
 *       {@code floor(u K)};</li>
 *   <li>{@code randint} ({@code K = high - low}) and {@code qrandint} ({@code K} multiples of q):
 *       value number {@code floor(u K)}, boxed as {@link Domain.RandInt#sample} does (Integer when
 *       both bounds fit an int);</li>
 *   <li>{@code choice} and {@code grid_search} (a grid axis is treated as a choice, not enumerated):
 *       {@code values[floor(u k)]};</li>
 *   <li>{@code sample_from} takes no coordinate and is resolved by {@link SearchSpace#assemble}.</li>
 * </ul>
 * Every bin of an integer, quantized or categorical domain is therefore equally likely, and the
 * stratification of the sequence carries over to them.
 *
 * <p>Sequences ({@link Kind}): {@link Kind#SOBOL} (default), Gray-code order with Joe and Kuo's
 * {@code new-joe-kuo-6.21201} direction numbers (up to 1000 dimensions; more is rejected at
 * {@link #setup}), scrambled by a linear matrix scramble plus a random digital shift; and
 * {@link Kind#HALTON}, the radical inverses in the first d primes, scrambled by a random
 * permutation per base and digit position. Both scrambles are seeded by the {@code seed} of
 * {@link #setup}. Unscrambled, point 0 is the origin (Sobol: 0, 0.5, 0.75, 0.25, ... in the first
 * dimension; Halton: the van der Corput sequence of each base).
 *
 * <p>The searcher never answers {@link Suggestion#WAIT} or {@link Suggestion#FINISHED} (the
 * controller stops after {@link #plannedTrials} = numSamples) and ignores results. Its state is the
 * index counter and the seed: {@link #restore} of a {@link #save} continues with exactly the
 * remaining sequence. For the best balance use a power of two as numSamples with Sobol.
 */
public final class QmcSearcher implements Searcher {

    /** The low-discrepancy sequence. */
    public enum Kind {
        /** Scrambled Sobol (Joe-Kuo direction numbers, at most 1000 dimensions). */
        SOBOL,
        /** Scrambled Halton (prime bases). */
        HALTON
    }

    private final Kind kind;
    private final boolean scramble;

    private SearchSpace space;
    private long seed;
    private long counter;
    private String[] paths;
    private Domain[] domains;
    private Sobol sobol;
    private Halton halton;

    /** Fresh engines for define-by-run relative sampling. */
    private final java.util.function.Supplier<Searcher> engines;
    private dev.gale.tune.search.internal.relative.RelativeSampling relative;

    private QmcSearcher(Builder b) {
        this.engines = () -> new QmcSearcher(b);
        this.kind = b.kind;
        this.scramble = b.scramble;
    }

    /** A scrambled Sobol searcher. */
    public QmcSearcher() {
        this(new Builder());
    }

    /** A builder: kind {@link Kind#SOBOL}, scramble true. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds a {@link QmcSearcher}. */
    public static final class Builder {
        private Kind kind = Kind.SOBOL;
        private boolean scramble = true;

        private Builder() {
        }

        /** The sequence; default {@link Kind#SOBOL}. */
        public Builder kind(Kind kind) {
            if (kind == null) throw new IllegalArgumentException("kind is null: use Kind.SOBOL or Kind.HALTON");
            this.kind = kind;
            return this;
        }

        /** Whether to scramble (seeded by the experiment seed); default true. */
        public Builder scramble(boolean scramble) {
            this.scramble = scramble;
            return this;
        }

        /** The searcher. */
        public QmcSearcher build() {
            return new QmcSearcher(this);
        }
    }

    /** The sequence kind. */
    public Kind kind() {
        return kind;
    }

    /** Whether the sequence is scrambled. */
    public boolean scramble() {
        return scramble;
    }

    @Override
    public void setup(SearchSpace space, String metric, Mode mode, int numSamples, long seed) {
        if (space == null) {
            throw new IllegalArgumentException("search space is null");
        }
        List<String> p = new ArrayList<>();
        List<Domain> d = new ArrayList<>();
        for (Map.Entry<String, Domain> e : space.domains().entrySet()) {
            if (e.getValue() instanceof Domain.SampleFrom) continue;
            p.add(e.getKey());
            d.add(e.getValue());
        }
        if (kind == Kind.SOBOL && d.size() > Sobol.MAX_DIMENSION) {
            throw new IllegalArgumentException("QmcSearcher(SOBOL) supports at most " + Sobol.MAX_DIMENSION
                    + " sampled parameters (Joe-Kuo direction numbers embedded), the space has " + d.size()
                    + ": use QmcSearcher.builder().kind(Kind.HALTON)");
        }
        this.space = space;
        this.paths = p.toArray(new String[0]);
        this.domains = d.toArray(new Domain[0]);
        this.counter = 0;
        init(seed);
        relative = new dev.gale.tune.search.internal.relative.RelativeSampling(engines, dev.gale.tune.search.internal.relative.RelativeSampling.Partition.INTERSECTION, metric, mode, seed);
    }

    private void init(long seed) {
        this.seed = seed;
        if (kind == Kind.SOBOL) {
            sobol = new Sobol(domains.length, scramble, seed);
        } else {
            halton = new Halton(domains.length, scramble, seed);
        }
    }

    @Override
    public Suggestion suggest(String trialId) {
        if (space == null) {
            throw new IllegalStateException("suggest before setup");
        }
        double[] u = point(counter);
        counter++;
        Map<String, Object> values = LinkedHashMap.newLinkedHashMap(paths.length);
        for (int i = 0; i < paths.length; i++) {
            values.put(paths[i], map(domains[i], u[i]));
        }
        return new Suggestion.Config(space.assemble(values));
    }

    /** Point number {@code index} of this searcher's (scrambled) sequence; for tests and tools. */
    public double[] point(long index) {
        if (space == null) {
            throw new IllegalStateException("point before setup: the dimension comes from the search space");
        }
        return kind == Kind.SOBOL ? sobol.point(index) : halton.point(index);
    }

    /** The number of coordinates per point (the domains other than sample_from). */
    public int dimension() {
        if (space == null) {
            throw new IllegalStateException("dimension before setup");
        }
        return domains.length;
    }

    /** How many configurations were suggested so far. */
    public long suggested() {
        return counter;
    }

    /** Maps {@code u ∈ [0,1)} to a value of {@code d}, as described in the class comment. */
    static Object map(Domain d, double u) {
        return switch (d) {
            case Domain.Uniform x -> {
                double v = x.low() + u * (x.high() - x.low());
                yield v < x.high() ? Math.max(v, x.low()) : Math.nextDown(x.high());
            }
            case Domain.LogUniform x -> logScale(x.low(), x.high(), u);
            case Domain.QLogUniform x -> Values.quantize(logScale(x.low(), x.high(), u), x.low(), x.high(), x.q());
            case Domain.QUniform x -> {
                long lo = Values.lowestMultiple(x.low(), x.q());
                long hi = Values.highestMultiple(x.high(), x.q());
                yield Values.multiple(lo + bin(u, hi - lo + 1), x.q());
            }
            case Domain.RandInt x -> Values.boxInt(x.low() + bin(u, x.high() - x.low()), x.low(), x.high());
            case Domain.QRandInt x -> {
                long lo = Math.ceilDiv(x.low(), x.q());
                long hi = Math.floorDiv(x.high(), x.q());
                yield Values.boxInt((lo + bin(u, hi - lo + 1)) * x.q(), x.low(), x.high());
            }
            case Domain.Choice x -> x.values().get((int) bin(u, x.values().size()));
            case Domain.GridSearch x -> x.values().get((int) bin(u, x.values().size()));
            case Domain.SampleFrom x -> throw new IllegalStateException("sample_from has no coordinate");
        };
    }

    private static double logScale(double low, double high, double u) {
        double v = Math.exp(Math.log(low) + u * (Math.log(high) - Math.log(low)));
        return v < low ? low : Math.min(v, high);
    }

    /** {@code floor(u k)} kept in {@code [0, k)} ({@code k > 0}; exact while k ≤ 2^53). */
    private static long bin(double u, long k) {
        long b = (long) Math.floor(u * (double) k);
        return b < 0 ? 0 : Math.min(b, k - 1);
    }

    /** 1 × numSamples. */
    @Override
    public long plannedTrials(int numSamples) {
        return numSamples;
    }

    /**
     * {@code {"kind": "SOBOL"|"HALTON", "scramble": bool, "counter": n, "seed": "<seed>"}}; the seed
     * is a string so that no JSON reader rounds it.
     */
    @Override
    public Object save() {
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("kind", kind.name());
        state.put("scramble", scramble);
        state.put("counter", counter);
        state.put("seed", Long.toString(seed));
        if (relative != null && !relative.isEmpty()) state.put("relative", relative.save());
        return state;
    }

    /** Continues from a {@link #save()} snapshot (same kind and scramble), with its seed and counter. */
    @Override
    public void restore(Object state) {
        if (space == null) {
            throw new IllegalStateException("restore before setup");
        }
        if (!(state instanceof Map<?, ?> m) || !(m.get("counter") instanceof Number c) || c.longValue() < 0) {
            throw new IllegalArgumentException("not a QmcSearcher state: " + state);
        }
        if (m.get("kind") != null && !kind.name().equals(String.valueOf(m.get("kind")))
                || m.get("scramble") instanceof Boolean s && s != scramble) {
            throw new IllegalArgumentException("QmcSearcher state of kind " + m.get("kind") + ", scramble " + m.get("scramble")
                    + " cannot be restored into a searcher of kind " + kind + ", scramble " + scramble);
        }
        Object s = m.get("seed");
        long restoredSeed = seed;
        if (s instanceof Number n) {
            restoredSeed = n.longValue();
        } else if (s instanceof String str) {
            restoredSeed = Long.parseLong(str);
        }
        if (restoredSeed != seed) {
            init(restoredSeed);
        }
        counter = c.longValue();
        if (m.get("relative") != null) relative.restore(m.get("relative"));
    }

    /** Define-by-run: routes the end of a trial to the relative sampling (QMC itself ignores results). */
    @Override
    public void onTrialComplete(String trialId, dev.gale.tune.Result last, boolean error) {
        if (relative != null) relative.complete(trialId, last, error);
    }

    /**
     * Define-by-run: names in the intersection space of the completed trials come from the next
     * point of the QMC sequence over that space, drawn at the trial's first ask (as Optuna's
     * {@code QMCSampler}); other names, and every name of the first trial, are sampled
     * independently at random.
     */
    @Override
    public Object suggestParameter(String trialId, String name, Domain domain) {
        return dev.gale.tune.search.internal.relative.RelativeSampling.suggestOr(relative, trialId, name, domain,
                () -> BasicVariantSearcher.randomParameter(seed, trialId, name, domain));
    }

    @Override
    public String name() {
        return kind == Kind.SOBOL ? "qmc_sobol" : "qmc_halton";
    }
}
