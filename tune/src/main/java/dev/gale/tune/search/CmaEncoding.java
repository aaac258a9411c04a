package dev.gale.tune.search;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * How {@link CmaEsSearcher} sees a search space: its continuous parameters ({@code uniform},
 * {@code loguniform}, {@code quniform}, {@code qloguniform}, {@code randint}, {@code qrandint}),
 * each a coordinate of CMA-ES's unit box read back by {@link #decode}, and its categorical ones
 * ({@code choice}, {@code grid_search}), each an index into its choices; both in the space's
 * order, sample_from skipped.
 *
 * <p>Promises: immutable (the arrays are shared: do not modify them); {@link #decode} of any
 * coordinate in [0, 1] gives a value its domain contains, integers as {@code Integer} when both
 * bounds fit an int.
 */
final class CmaEncoding {
    /** The continuous parameters' paths and domains, in space order. */
    final String[] contPaths;
    final Domain[] contDomains;
    /** The categorical parameters' paths and domains, in space order. */
    final String[] catPaths;
    final Domain[] catDomains;

    /** The parameters of {@code space}. */
    CmaEncoding(SearchSpace space) {
        List<String> cp = new ArrayList<>();
        List<Domain> cd = new ArrayList<>();
        List<String> kp = new ArrayList<>();
        List<Domain> kd = new ArrayList<>();
        for (Map.Entry<String, Domain> e : space.domains().entrySet()) {
            Domain d = e.getValue();
            switch (d) {
                case Domain.Uniform u -> add(cp, cd, e);
                case Domain.LogUniform u -> add(cp, cd, e);
                case Domain.QUniform u -> add(cp, cd, e);
                case Domain.QLogUniform u -> add(cp, cd, e);
                case Domain.RandInt u -> add(cp, cd, e);
                case Domain.QRandInt u -> add(cp, cd, e);
                case Domain.Choice c -> add(kp, kd, e);
                case Domain.GridSearch g -> add(kp, kd, e);
                case Domain.SampleFrom s -> {
                }
            }
        }
        contPaths = cp.toArray(new String[0]);
        contDomains = cd.toArray(new Domain[0]);
        catPaths = kp.toArray(new String[0]);
        catDomains = kd.toArray(new Domain[0]);
    }

    /** The number of choices of each categorical parameter. */
    int[] choiceCounts() {
        int[] sizes = new int[catDomains.length];
        for (int i = 0; i < sizes.length; i++) sizes[i] = choices(catDomains[i]).size();
        return sizes;
    }

    /** The choice indices of a saved list (zeros when it is missing or of another length). */
    int[] cats(Object o) {
        int[] c = new int[catPaths.length];
        if (o instanceof List<?> l && l.size() == c.length) {
            for (int i = 0; i < c.length; i++) c[i] = ((Number) l.get(i)).intValue();
        }
        return c;
    }

    /** The choices of a categorical domain. */
    static List<?> choices(Domain d) {
        List<Object> choices = Values.choices(d);
        if (choices == null) throw new IllegalArgumentException("not a categorical domain: " + d.kind());
        return choices;
    }

    private static void add(List<String> paths, List<Domain> domains, Map.Entry<String, Domain> e) {
        paths.add(e.getKey());
        domains.add(e.getValue());
    }

    /** The value in {@code d} that the unit coordinate {@code u} stands for. */
    static Object decode(Domain d, double u) {
        return switch (d) {
            case Domain.Uniform r -> clamp(r.low() + u * (r.high() - r.low()), r.low(), r.high());
            case Domain.LogUniform r -> clamp(logDecode(u, r.low(), r.high()), r.low(), r.high());
            case Domain.QUniform r -> {
                double lo = Values.multiple(Values.lowestMultiple(r.low(), r.q()), r.q()) - r.q() / 2;
                double hi = Values.multiple(Values.highestMultiple(r.high(), r.q()), r.q()) + r.q() / 2;
                yield Values.quantize(lo + u * (hi - lo), r.low(), r.high(), r.q());
            }
            case Domain.QLogUniform r -> Values.quantize(logDecode(u, r.low(), r.high()), r.low(), r.high(), r.q());
            case Domain.RandInt r -> {
                double v = (r.low() - 0.5) + u * ((double) r.high() - r.low());
                long k = Math.max(r.low(), Math.min(r.high() - 1, Math.round(v)));
                yield Values.boxInt(k, r.low(), r.high());
            }
            case Domain.QRandInt r -> {
                long klo = Math.ceilDiv(r.low(), r.q());
                long khi = Math.floorDiv(r.high(), r.q());
                double v = (klo - 0.5) + u * ((double) khi - klo + 1);
                long k = Math.max(klo, Math.min(khi, Math.round(v)));
                yield Values.boxInt(k * r.q(), r.low(), r.high());
            }
            default -> throw new IllegalArgumentException("not a continuous domain: " + d.kind());
        };
    }

    private static double logDecode(double u, double low, double high) {
        double ll = Math.log(low);
        return Math.exp(ll + u * (Math.log(high) - ll));
    }

    private static double clamp(double v, double lo, double hi) {
        return v < lo ? lo : Math.min(v, hi);
    }
}
