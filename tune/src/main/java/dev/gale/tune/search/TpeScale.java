package dev.gale.tune.search;

import dev.gale.tune.search.internal.tpe.ParamSpec;

import java.util.SplittableRandom;

/**
 * TPE's internal scale of each domain, both ways: a value is modelled as its log for log
 * domains, its index for choices, itself otherwise ({@link #spec}, {@link #of}); a proposal on
 * that scale becomes a value of the domain, clipped and quantized as the domain requires, and the
 * proposal is rewritten to the internal value of what is returned ({@link #toValue}). Stateless.
 */
final class TpeScale {
    private TpeScale() {
    }

    /** The parameter TPE models for domain {@code d}. */
    static ParamSpec spec(Domain d) {
        return switch (d) {
            case Domain.Uniform u -> ParamSpec.continuous(u.low(), u.high());
            case Domain.LogUniform l -> ParamSpec.continuous(Math.log(l.low()), Math.log(l.high()));
            case Domain.QUniform q -> ParamSpec.discrete(Values.multiple(Values.lowestMultiple(q.low(), q.q()), q.q()),
                    Values.multiple(Values.highestMultiple(q.high(), q.q()), q.q()), q.q());
            case Domain.QLogUniform q -> ParamSpec.continuous(Math.log(q.low()), Math.log(q.high()));
            case Domain.RandInt r -> ParamSpec.discrete(r.low(), r.high() - 1, 1);
            case Domain.QRandInt r -> ParamSpec.discrete(Math.ceilDiv(r.low(), r.q()) * r.q(),
                    Math.floorDiv(r.high(), r.q()) * r.q(), r.q());
            case Domain.Choice c -> ParamSpec.categorical(c.values().size());
            case Domain.GridSearch g -> ParamSpec.categorical(g.values().size());
            case Domain.SampleFrom s -> throw new IllegalStateException("sample_from is not modelled");
        };
    }

    /** A uniform random draw from {@code dom}, on the internal scale. */
    static double random(Domain dom, SplittableRandom rng) {
        return switch (dom) {
            case Domain.Choice c -> rng.nextInt(c.values().size());
            case Domain.GridSearch g -> rng.nextInt(g.values().size());
            case Domain.LogUniform l -> Math.log(((Number) l.sample(rng)).doubleValue());
            case Domain.QLogUniform l -> Math.log(((Number) l.sample(rng)).doubleValue());
            default -> ((Number) dom.sample(rng)).doubleValue();
        };
    }

    /** The internal-scale value of {@code v} (log for log domains, index for choices). */
    static double of(Domain d, Object v) {
        return switch (d) {
            case Domain.Choice c -> dev.gale.tune.search.internal.relative.UnitCoordinates.index(c.values(), v);
            case Domain.GridSearch g -> dev.gale.tune.search.internal.relative.UnitCoordinates.index(g.values(), v);
            case Domain.LogUniform l -> Math.log(((Number) v).doubleValue());
            case Domain.QLogUniform l -> Math.log(((Number) v).doubleValue());
            default -> ((Number) v).doubleValue();
        };
    }

    /** The value of {@code dom} for internal coordinate {@code x[d]}; rewrites {@code x[d]} to the internal value of what is returned. */
    static Object toValue(Domain dom, int d, double[] x) {
        double v = x[d];
        return switch (dom) {
            case Domain.Uniform u -> {
                double r = Math.min(u.high(), Math.max(u.low(), v));
                x[d] = r;
                yield r;
            }
            case Domain.LogUniform l -> {
                double r = Math.min(l.high(), Math.max(l.low(), Math.exp(v)));
                x[d] = Math.log(r);
                yield r;
            }
            case Domain.QUniform q -> {
                double r = Values.quantize(v, q.low(), q.high(), q.q());
                x[d] = r;
                yield r;
            }
            case Domain.QLogUniform q -> {
                double r = Values.quantize(Math.exp(v), q.low(), q.high(), q.q());
                x[d] = Math.log(r);
                yield r;
            }
            case Domain.RandInt r -> {
                long k = Math.min(r.high() - 1, Math.max(r.low(), Math.round(v)));
                x[d] = k;
                yield Values.boxInt(k, r.low(), r.high());
            }
            case Domain.QRandInt r -> {
                long lo = Math.ceilDiv(r.low(), r.q());
                long hi = Math.floorDiv(r.high(), r.q());
                long k = Math.min(hi, Math.max(lo, Math.round(v / r.q())));
                x[d] = (double) (k * r.q());
                yield Values.boxInt(k * r.q(), r.low(), r.high());
            }
            case Domain.Choice c -> {
                int i = (int) Math.min(c.values().size() - 1, Math.max(0, Math.round(v)));
                x[d] = i;
                yield c.values().get(i);
            }
            case Domain.GridSearch g -> {
                int i = (int) Math.min(g.values().size() - 1, Math.max(0, Math.round(v)));
                x[d] = i;
                yield g.values().get(i);
            }
            case Domain.SampleFrom s -> throw new IllegalStateException("sample_from is not modelled");
        };
    }
}
