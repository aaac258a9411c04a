package dev.gale.tune.search.internal.relative;

import dev.gale.tune.search.Domain;

/**
 * The unit coordinate {@code u ∈ [0,1)} a value stands for: the inverse of the map from
 * {@code [0,1)} to a domain that QMC, NSGA-II and GP-BO use (linear, or on the log scale for log
 * domains; integer, quantized and categorical values at the centre of their equal-width bin).
 * Promise: mapping the result back gives the value again (up to rounding of continuous values).
 */
public final class UnitCoordinates {
    private UnitCoordinates() {
    }

    /** The coordinate of {@code v}, a value {@code d} contains. */
    public static double of(Domain d, Object v) {
        double u = switch (d) {
            case Domain.Uniform x -> (num(v) - x.low()) / (x.high() - x.low());
            case Domain.LogUniform x -> logUnit(num(v), x.low(), x.high());
            case Domain.QLogUniform x -> logUnit(num(v), x.low(), x.high());
            case Domain.QUniform x -> {
                long lo = (long) Math.ceil(x.low() / x.q() - 1e-9);
                long hi = (long) Math.floor(x.high() / x.q() + 1e-9);
                yield (Math.round(num(v) / x.q()) - lo + 0.5) / (hi - lo + 1);
            }
            case Domain.RandInt x -> (num(v) - x.low() + 0.5) / ((double) x.high() - x.low());
            case Domain.QRandInt x -> {
                long lo = Math.ceilDiv(x.low(), x.q());
                long hi = Math.floorDiv(x.high(), x.q());
                yield (((Number) v).longValue() / x.q() - lo + 0.5) / ((double) hi - lo + 1);
            }
            case Domain.Choice x -> (index(x.values(), v) + 0.5) / x.values().size();
            case Domain.GridSearch x -> (index(x.values(), v) + 0.5) / x.values().size();
            case Domain.SampleFrom x -> throw new IllegalArgumentException("sample_from has no coordinate");
        };
        return Math.max(0, Math.min(Math.nextDown(1.0), u));
    }

    /** The position of {@code v} in {@code values} (numbers compare by value); 0 when absent. */
    public static int index(java.util.List<Object> values, Object v) {
        int i = values.indexOf(v);
        if (i >= 0 || !(v instanceof Number n)) return Math.max(0, i);
        for (int k = 0; k < values.size(); k++) {
            if (values.get(k) instanceof Number m && m.doubleValue() == n.doubleValue()) return k;
        }
        return 0;
    }

    private static double logUnit(double v, double low, double high) {
        return (Math.log(v) - Math.log(low)) / (Math.log(high) - Math.log(low));
    }

    private static double num(Object v) {
        return ((Number) v).doubleValue();
    }
}
