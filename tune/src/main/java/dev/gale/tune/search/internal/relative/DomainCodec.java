package dev.gale.tune.search.internal.relative;

import dev.gale.tune.search.Domain;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Domains and their values to and from JSON-serializable maps, for searcher snapshots. Promise:
 * {@code decode(encode(d)).equals(d)} after a JSON round trip for every domain but
 * {@code sample_from} (which has no data form and is refused), and {@link #value} gives back the
 * Java type the domain samples (Integer or Long for integer domains, Double for continuous ones).
 */
public final class DomainCodec {
    private DomainCodec() {
    }

    /** {@code {"kind": ..., "low": ..., "high": ..., "q": ..., "values": [...]}} (only the fields the kind has). */
    public static Map<String, Object> encode(Domain d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", d.kind());
        switch (d) {
            case Domain.Uniform u -> { m.put("low", u.low()); m.put("high", u.high()); }
            case Domain.LogUniform u -> { m.put("low", u.low()); m.put("high", u.high()); }
            case Domain.QUniform u -> { m.put("low", u.low()); m.put("high", u.high()); m.put("q", u.q()); }
            case Domain.QLogUniform u -> { m.put("low", u.low()); m.put("high", u.high()); m.put("q", u.q()); }
            case Domain.RandInt u -> { m.put("low", Long.toString(u.low())); m.put("high", Long.toString(u.high())); }
            case Domain.QRandInt u -> {
                m.put("low", Long.toString(u.low()));
                m.put("high", Long.toString(u.high()));
                m.put("q", Long.toString(u.q()));
            }
            case Domain.Choice c -> m.put("values", new ArrayList<>(c.values()));
            case Domain.GridSearch g -> m.put("values", new ArrayList<>(g.values()));
            case Domain.SampleFrom s -> throw new IllegalArgumentException("a sample_from domain has no data form");
        }
        return m;
    }

    /** The domain {@link #encode} wrote. */
    @SuppressWarnings("unchecked")
    public static Domain decode(Object o) {
        if (!(o instanceof Map<?, ?> m) || !(m.get("kind") instanceof String kind)) {
            throw new IllegalArgumentException("not an encoded domain: " + o);
        }
        return switch (kind) {
            case "uniform" -> new Domain.Uniform(d(m.get("low")), d(m.get("high")));
            case "loguniform" -> new Domain.LogUniform(d(m.get("low")), d(m.get("high")));
            case "quniform" -> new Domain.QUniform(d(m.get("low")), d(m.get("high")), d(m.get("q")));
            case "qloguniform" -> new Domain.QLogUniform(d(m.get("low")), d(m.get("high")), d(m.get("q")));
            case "randint" -> new Domain.RandInt(l(m.get("low")), l(m.get("high")));
            case "qrandint" -> new Domain.QRandInt(l(m.get("low")), l(m.get("high")), l(m.get("q")));
            case "choice" -> new Domain.Choice(List.copyOf((List<Object>) m.get("values")));
            case "grid_search" -> new Domain.GridSearch(List.copyOf((List<Object>) m.get("values")));
            default -> throw new IllegalArgumentException("unknown encoded domain kind '" + kind + "'");
        };
    }

    /** {@code raw} (as read back from JSON) as the Java type {@code d} samples. */
    public static Object value(Domain d, Object raw) {
        return switch (d) {
            case Domain.RandInt r -> box(((Number) raw).longValue(), r.low(), r.high());
            case Domain.QRandInt r -> box(((Number) raw).longValue(), r.low(), r.high());
            case Domain.Uniform u -> ((Number) raw).doubleValue();
            case Domain.LogUniform u -> ((Number) raw).doubleValue();
            case Domain.QUniform u -> ((Number) raw).doubleValue();
            case Domain.QLogUniform u -> ((Number) raw).doubleValue();
            default -> raw;
        };
    }

    private static Object box(long v, long low, long high) {
        return low >= Integer.MIN_VALUE && high <= Integer.MAX_VALUE ? (Object) (int) v : (Object) v;
    }

    private static double d(Object o) {
        return ((Number) o).doubleValue();
    }

    private static long l(Object o) {
        return o instanceof String s ? Long.parseLong(s) : ((Number) o).longValue();
    }
}
