package dev.gale.tune.internal;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link MetricValidator}: the messages the trial's error shows, and the JSON-safe stand-in of a config. */
class MetricValidatorTest {
    static Map<String, Object> map(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return m;
    }

    @Test
    void plainValuesPass() {
        Map<String, Object> m = map("loss", 0.5, "n", 3, "big", new BigDecimal("1.5"), "f", 1.5f, "name", "adam",
                "ok", true, "none", null, "nested", map("a", List.of(1, 2.5, map("b", "c"))));
        assertNull(MetricValidator.problem("loss", m, 7));
        assertNull(MetricValidator.problem(null, m, 7));
        assertNull(MetricValidator.transportProblem(m, 7));
        MetricValidator.check(m);
    }

    @Test
    void aMissingMetricNamesItAndWhatWasReported() {
        assertEquals("metric 'score' is missing from result 4, which has [loss, acc]: report it from the trainable,"
                        + " or set TuneConfig.metric to one of those",
                MetricValidator.problem("score", map("loss", 1.0, "acc", 0.5), 4));
        // the automatic fields are always there
        assertNull(MetricValidator.problem("training_iteration", map("loss", 1.0), 4));
        assertNull(MetricValidator.problem("time_total_s", map("loss", 1.0), 4));
    }

    @Test
    void nonFiniteNumbersAreNamedWithTheirValue() {
        String fix = ": results must be finite numbers (diverged training? lower the learning rate or guard the value)";
        assertEquals("metric 'score' = NaN in result 2" + fix, MetricValidator.problem("score", map("score", Double.NaN), 2));
        assertEquals("metric 'score' = Infinity in result 2" + fix,
                MetricValidator.problem("score", map("score", Double.POSITIVE_INFINITY), 2));
        assertEquals("metric 'other' = -Infinity in result 9" + fix,
                MetricValidator.problem("score", map("score", 1.0, "other", Double.NEGATIVE_INFINITY), 9));
        assertEquals("metric 'other' = NaN in result 1" + fix, MetricValidator.problem(null, map("other", Float.NaN), 1));
        assertEquals("metric 'h.losses[2]' = NaN in result 3" + fix,
                MetricValidator.problem(null, map("h", map("losses", List.of(1.0, 2.0, Double.NaN))), 3));
    }

    @Test
    void valuesOfOtherTypesAreNamedWithTheirClassAndPath() {
        String fix = ": report numbers, strings, booleans, lists or maps (convert tensors with getFloat())";
        assertEquals("metric 'weird' has type java.lang.Object in result 2" + fix,
                MetricValidator.problem("weird", map("weird", new Object()), 2));
        assertEquals("metric 'nested.inner' has type java.lang.Object in result 2" + fix,
                MetricValidator.problem(null, map("nested", Map.of("inner", new Object())), 2));
        assertEquals("metric 'l[1].x' has type java.lang.Thread in result 5" + fix,
                MetricValidator.problem(null, map("l", List.of(1, Map.of("x", Thread.currentThread()))), 5));
    }

    @Test
    void theFirstProblemInOrderIsReported() {
        Map<String, Object> m = map("a", 1.0, "b", new Object(), "c", Double.NaN);
        assertTrue(MetricValidator.problem(null, m, 1).startsWith("metric 'b' has type"));
        // the missing metric comes first
        assertTrue(MetricValidator.problem("z", m, 1).startsWith("metric 'z' is missing"));
    }

    @Test
    void aMapThatContainsItselfIsTooDeep() {
        Map<String, Object> self = new HashMap<>();
        self.put("me", self);
        String p = MetricValidator.problem(null, map("loop", self), 6);
        String path = "loop" + ".me".repeat(MetricValidator.MAX_DEPTH);
        assertEquals("metric '" + path + "' is nested more than 32 levels deep in result 6"
                + " (a map or list that contains itself?): report plain values", p);
        List<Object> list = new ArrayList<>();
        list.add(list);
        assertTrue(MetricValidator.problem(null, map("l", list), 1).contains("nested more than 32 levels deep"));
        // 32 levels are fine
        Object v = 1;
        for (int i = 0; i < MetricValidator.MAX_DEPTH; i++) v = List.of(v);
        assertNull(MetricValidator.problem(null, map("deep", v), 1));
    }

    @Test
    void transportProblemLetsNonFiniteNumbersThroughButNotOtherTypes() {
        assertNull(MetricValidator.transportProblem(map("x", Double.NaN, "y", List.of(Float.POSITIVE_INFINITY)), 1));
        assertEquals(MetricValidator.problem(null, map("o", List.of(new Object())), 4),
                MetricValidator.transportProblem(map("x", Double.NaN, "o", List.of(new Object())), 4));
    }

    @Test
    void checkThrowsTheSameMessageWithoutAResultNumber() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MetricValidator.check(map("lr", Double.NaN)));
        assertEquals("metric 'lr' = NaN: results must be finite numbers (diverged training? lower the learning rate"
                + " or guard the value)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> MetricValidator.check(map("t", new StringBuilder("x"))));
        assertEquals("metric 't' has type java.lang.StringBuilder: report numbers, strings, booleans, lists or maps"
                + " (convert tensors with getFloat())", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> MetricValidator.check(null));
    }

    /** A number class outside java.*, which JSON writers do not know. */
    static final class Odd extends Number {
        @Override public int intValue() { return 1; }
        @Override public long longValue() { return 1; }
        @Override public float floatValue() { return 1; }
        @Override public double doubleValue() { return 1; }
        @Override public String toString() { return "odd-one"; }
    }

    @Test
    void jsonSafeDescribesWhatJsonCannotCarryAndKeepsTheRest() {
        Map<Object, Object> inner = new LinkedHashMap<>();
        inner.put(7, new Object());
        inner.put("nan", Float.NaN);
        Map<String, Object> config = map("lr", 0.1, "n", 3, "name", "x", "flag", false, "none", null,
                "inf", Double.POSITIVE_INFINITY, "odd", new Odd(), "inner", inner, "list", List.of(1, new StringBuilder("sb")));
        Map<String, Object> safe = MetricValidator.jsonSafe(config);
        assertEquals(List.of("lr", "n", "name", "flag", "none", "inf", "odd", "inner", "list"), List.copyOf(safe.keySet()));
        assertEquals(0.1, safe.get("lr"));
        assertSame(config.get("n"), safe.get("n"));
        assertEquals(false, safe.get("flag"));
        assertNull(safe.get("none"));
        assertEquals("Infinity", safe.get("inf"));
        assertEquals("odd-one", safe.get("odd"));
        assertEquals(map("7", "<not serializable: java.lang.Object>", "nan", "NaN"), safe.get("inner"));
        assertEquals(List.of(1, "<not serializable: java.lang.StringBuilder>"), safe.get("list"));
        Map<String, Object> self = new HashMap<>();
        self.put("me", self);
        Object v = MetricValidator.jsonSafe(map("loop", self)).get("loop");
        for (int i = 2; i < MetricValidator.MAX_DEPTH; i++) v = ((Map<?, ?>) v).get("me"); // the config is level 0
        assertEquals("<not serializable: java.util.HashMap>", ((Map<?, ?>) v).get("me"), "cut at the depth limit");
    }
}
