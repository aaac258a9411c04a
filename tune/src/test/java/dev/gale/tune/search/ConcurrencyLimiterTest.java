package dev.gale.tune.search;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gale.tune.Mode;
import dev.gale.tune.Result;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ConcurrencyLimiterTest {

    /** A searcher that numbers its configs, records every call, and finishes after {@code limit} configs. */
    static final class Recording implements Searcher {
        final List<String> calls = new ArrayList<>();
        final int limit;
        int counter;
        int numSamples;

        Recording(int limit) {
            this.limit = limit;
        }

        @Override
        public void setup(SearchSpace space, String metric, Mode mode, int numSamples, long seed) {
            this.numSamples = numSamples;
            calls.add("setup " + numSamples);
        }

        @Override
        public Suggestion suggest(String trialId) {
            calls.add("suggest " + trialId);
            if (counter >= limit) return Suggestion.FINISHED;
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("i", counter++);
            return new Suggestion.Config(c);
        }

        @Override
        public void onTrialResult(String trialId, Result result) {
            calls.add("result " + trialId + " " + result.metric("loss"));
        }

        @Override
        public void onTrialComplete(String trialId, Result last, boolean error) {
            calls.add("complete " + trialId + " " + (last == null ? "null" : last.metric("loss")) + (error ? " error" : ""));
        }

        @Override
        public long plannedTrials(int numSamples) {
            return numSamples * 2L;
        }

        @Override
        public Object save() {
            return Map.of("counter", counter);
        }

        @Override
        public void restore(Object state) {
            counter = ((Number) ((Map<?, ?>) state).get("counter")).intValue();
        }
    }

    static final SearchSpace SPACE = SearchSpace.of(Map.of("x", Domains.uniform(0, 1)));

    static Result result(String id, double loss) {
        return new Result(id, 1, 0, 0, Map.of("loss", loss));
    }

    static int configIndex(Suggestion s) {
        return (Integer) assertInstanceOf(Suggestion.Config.class, s).config().get("i");
    }

    @Test
    void waitsAtTheLimitAndResumesAfterACompletion() {
        Recording inner = new Recording(100);
        ConcurrencyLimiter lim = new ConcurrencyLimiter(inner, 2);
        lim.setup(SPACE, "loss", Mode.MIN, 10, 1);
        assertEquals(0, configIndex(lim.suggest("a")));
        assertEquals(1, configIndex(lim.suggest("b")));
        assertSame(Suggestion.WAIT, lim.suggest("c"));
        assertSame(Suggestion.WAIT, lim.suggest("c"));
        lim.onTrialResult("a", result("a", 0.5));
        assertSame(Suggestion.WAIT, lim.suggest("c"));
        lim.onTrialComplete("b", result("b", 0.25), false);
        assertEquals(2, configIndex(lim.suggest("c")));
        assertSame(Suggestion.WAIT, lim.suggest("d"));
        lim.onTrialComplete("a", null, true);
        assertEquals(3, configIndex(lim.suggest("d")));
        // the wrapped searcher was never asked while at the limit, and heard everything else
        assertEquals(List.of("setup 10", "suggest a", "suggest b", "result a 0.5", "complete b 0.25", "suggest c",
                "complete a null error", "suggest d"), inner.calls);
        assertEquals(java.util.Set.of("c", "d"), lim.liveTrials());
        assertEquals(20, lim.plannedTrials(10));
    }

    @Test
    void ignoresUnknownTrialsAndPassesFinishedThrough() {
        Recording inner = new Recording(1);
        ConcurrencyLimiter lim = new ConcurrencyLimiter(inner, 1);
        lim.setup(SPACE, "loss", Mode.MIN, 10, 1);
        lim.onTrialComplete("stranger", result("stranger", 1), false);
        lim.onTrialResult("stranger", result("stranger", 1));
        assertEquals(0, configIndex(lim.suggest("a")));
        lim.onTrialComplete("a", result("a", 1), false);
        lim.onTrialComplete("a", result("a", 1), false); // twice: forwarded once
        assertSame(Suggestion.FINISHED, lim.suggest("b"));
        assertEquals(0, lim.liveTrials().size()); // FINISHED does not make a trial live
        assertEquals(List.of("setup 10", "suggest a", "complete a 1.0", "suggest b"), inner.calls);
    }

    @Test
    void batchModeHandsCompletionsOnWhenTheWholeBatchIsDone() {
        Recording inner = new Recording(100);
        ConcurrencyLimiter lim = new ConcurrencyLimiter(inner, 3, true);
        lim.setup(SPACE, "loss", Mode.MIN, 10, 1);
        for (String id : List.of("a", "b", "c")) lim.suggest(id);
        lim.onTrialComplete("b", result("b", 2), false);
        lim.onTrialComplete("a", result("a", 1), false);
        assertSame(Suggestion.WAIT, lim.suggest("d"));
        assertEquals(4, inner.calls.size()); // nothing handed on yet
        lim.onTrialComplete("c", result("c", 3), false);
        assertEquals(List.of("complete b 2.0", "complete a 1.0", "complete c 3.0"), inner.calls.subList(4, 7));
        assertEquals(3, configIndex(lim.suggest("d")));
    }

    @Test
    void saveAndRestoreIncludeTheWrappedStateTheLiveSetAndHeldCompletions() throws Exception {
        ObjectMapper json = new ObjectMapper();
        for (boolean batch : new boolean[] {false, true}) {
            ConcurrencyLimiter a = new ConcurrencyLimiter(new Recording(100), 2, batch);
            a.setup(SPACE, "loss", Mode.MIN, 10, 1);
            a.suggest("a");
            a.suggest("b");
            a.onTrialComplete("a", new Result("a", 3, 1.5, 99, Map.of("loss", 0.5, "tag", "x")), false);
            Object state = json.readValue(json.writeValueAsString(a.save()), Object.class);

            Recording innerB = new Recording(100);
            ConcurrencyLimiter b = new ConcurrencyLimiter(innerB, 2, batch);
            b.setup(SPACE, "loss", Mode.MIN, 10, 1);
            b.restore(state);
            innerB.calls.clear();
            if (batch) {
                assertSame(Suggestion.WAIT, b.suggest("c"));
                b.onTrialComplete("b", result("b", 0.75), false);
                assertEquals(List.of("complete a 0.5", "complete b 0.75"), innerB.calls);
                assertEquals(2, configIndex(b.suggest("c")));
                assertEquals(3, configIndex(b.suggest("d")));
                assertSame(Suggestion.WAIT, b.suggest("e"));
            } else {
                assertEquals(2, configIndex(b.suggest("c")));
                assertSame(Suggestion.WAIT, b.suggest("d"));
                assertEquals(java.util.Set.of("b", "c"), b.liveTrials());
            }
        }
        assertThrows(IllegalArgumentException.class, () -> new ConcurrencyLimiter(new Recording(1), 0));
    }

    @Test
    void limitsARealSearcherWithoutChangingItsSequence() {
        QmcSearcher plain = QmcSearcher.builder().build();
        plain.setup(SPACE, "loss", Mode.MIN, 10, 4);
        ConcurrencyLimiter lim = new ConcurrencyLimiter(QmcSearcher.builder().build(), 1);
        lim.setup(SPACE, "loss", Mode.MIN, 10, 4);
        for (int i = 0; i < 5; i++) {
            Suggestion s = lim.suggest("t" + i);
            assertEquals(plain.suggest("t" + i), s);
            assertSame(Suggestion.WAIT, lim.suggest("t" + (i + 1)));
            lim.onTrialComplete("t" + i, result("t" + i, i), false);
        }
    }
}
