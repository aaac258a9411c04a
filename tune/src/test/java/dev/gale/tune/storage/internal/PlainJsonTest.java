package dev.gale.tune.storage.internal;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** {@link PlainJson#copyOf} gives what the JSON round trip gives, value for value and type for type. */
class PlainJsonTest {
    static Map<String, Object> roundTrip(Map<String, Object> m) throws IOException {
        return Json.map(Json.PRETTY.writeValueAsBytes(m));
    }

    static void assertSameAsJson(Map<String, Object> m) throws IOException {
        Map<String, Object> copy = PlainJson.copyOf(m);
        Map<String, Object> json = roundTrip(m);
        for (String k : json.keySet()) {
            assertEquals(json.get(k), copy.get(k), () -> k + ": " + types(json.get(k)) + " vs " + types(copy.get(k)));
        }
        assertEquals(json, copy, "values of " + m);
        assertEquals(types(json), types(copy), "types of " + m);
    }

    /** The class of every value, depth first, so 1 (Integer) and 1L (Long) differ. */
    static List<String> types(Object o) {
        List<String> out = new ArrayList<>();
        walk(o, out);
        return out;
    }

    static void walk(Object o, List<String> out) {
        out.add(o == null ? "null" : o.getClass().getName());
        if (o instanceof Map<?, ?> m) m.values().forEach(v -> walk(v, out));
        if (o instanceof List<?> l) l.forEach(v -> walk(v, out));
    }

    @Test
    void plainValuesComeOutAsTheJsonRoundTripGivesThem() throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("d", 0.1);
        m.put("whole_double", 3.0);
        m.put("f", 0.1f);
        m.put("i", 7);
        m.put("small_long", 5L);
        m.put("big_long", 1L << 40);
        m.put("neg_long", Long.MIN_VALUE);
        m.put("short", (short) 3);
        m.put("byte", (byte) -2);
        m.put("s", "relu");
        m.put("b", true);
        m.put("none", null);
        m.put("tiny", 1e-300);
        m.put("huge", 1.5e300);
        m.put("list", Arrays.asList(1, 2L, 0.5f, "x", null, List.of(1.0)));
        Map<String, Object> nested = new HashMap<>();
        nested.put("layers", 2);
        nested.put("sizes", List.of(64, 32));
        m.put("model", nested);
        assertSameAsJson(m);
        assertSameAsJson(Map.of());
    }

    @Test
    void randomPlainConfigsMatchTheRoundTrip() throws IOException {
        SplittableRandom r = new SplittableRandom(7);
        for (int k = 0; k < 300; k++) {
            Map<String, Object> m = new LinkedHashMap<>();
            for (int j = 0; j < 6; j++) {
                m.put("p" + j, switch (r.nextInt(5)) {
                    case 0 -> r.nextDouble(-1e6, 1e6);
                    case 1 -> r.nextLong();
                    case 2 -> r.nextInt();
                    case 3 -> (float) r.nextDouble();
                    default -> "c" + r.nextInt(10);
                });
            }
            assertSameAsJson(m);
        }
    }

    record Point(double x) {
    }

    @Test
    void otherValuesAreLeftToJson() {
        assertNull(PlainJson.copyOf(Map.of("p", new Point(1))));
        assertNull(PlainJson.copyOf(Map.of("nan", Double.NaN)));
        assertNull(PlainJson.copyOf(Map.of("inf", Float.POSITIVE_INFINITY)));
        assertNull(PlainJson.copyOf(Map.of("big", new BigDecimal("1.5"))));
        assertNull(PlainJson.copyOf(Map.of("arr", new int[] {1})));
        assertNull(PlainJson.copyOf(Map.of("nested", Map.of(1, "int key"))));
        assertNull(PlainJson.copyOf(Map.of("list", List.of(new Point(2)))));
    }
}
