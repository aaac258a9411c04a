package dev.gale.tune.search;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gale.tune.Mode;
import dev.gale.tune.Result;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RepeaterTest {

    /** Records the completions the wrapped searcher hears. */
    static final class Inner implements Searcher {
        final List<Object[]> completes = new ArrayList<>();
        final ConcurrencyLimiterTest.Recording rec;

        Inner(int limit) {
            rec = new ConcurrencyLimiterTest.Recording(limit);
        }

        @Override
        public void setup(SearchSpace space, String metric, Mode mode, int numSamples, long seed) {
            rec.setup(space, metric, mode, numSamples, seed);
        }

        @Override
        public Suggestion suggest(String trialId) {
            return rec.suggest(trialId);
        }

        @Override
        public void onTrialResult(String trialId, Result result) {
            rec.onTrialResult(trialId, result);
        }

        @Override
        public void onTrialComplete(String trialId, Result last, boolean error) {
            completes.add(new Object[] {trialId, last, error});
            rec.onTrialComplete(trialId, last, error);
        }

        @Override
        public long plannedTrials(int numSamples) {
            return numSamples;
        }

        @Override
        public Object save() {
            return rec.save();
        }

        @Override
        public void restore(Object state) {
            rec.restore(state);
        }
    }

    static Result loss(String id, double v) {
        return new Result(id, 1, 0, 0, Map.of("loss", v));
    }

    static Map<String, Object> config(Searcher s, String id) {
        return assertInstanceOf(Suggestion.Config.class, s.suggest(id)).config();
    }

    static final SearchSpace SPACE = ConcurrencyLimiterTest.SPACE;

    @Test
    void repeatsEachConfigAndReportsTheMeanOncePerGroup() {
        Inner inner = new Inner(100);
        Repeater r = new Repeater(inner, 3);
        r.setup(SPACE, "loss", Mode.MIN, 9, 1);
        assertEquals(3, inner.rec.numSamples); // numSamples counts trials
        assertEquals(9, r.plannedTrials(9));
        assertEquals(12, r.plannedTrials(10)); // every group complete
        for (int i = 0; i < 6; i++) {
            Map<String, Object> c = config(r, "t" + i);
            assertEquals(i / 3, c.get("i"));
            assertEquals(i % 3, c.get(Repeater.TRIAL_INDEX));
        }
        assertEquals(2, inner.rec.counter); // the wrapped searcher was asked once per group
        r.onTrialResult("t0", loss("t0", 100)); // not forwarded
        r.onTrialComplete("t0", loss("t0", 1), false);
        r.onTrialComplete("t4", loss("t4", 10), false);
        r.onTrialComplete("t1", loss("t1", 2), false);
        assertTrue(inner.completes.isEmpty());
        r.onTrialComplete("t2", new Result("t2", 7, 3.5, 1234, Map.of("loss", 6.0)), false);
        assertEquals(1, inner.completes.size());
        Object[] c = inner.completes.get(0);
        assertEquals("t0", c[0]);
        Result mean = (Result) c[1];
        assertEquals(3.0, mean.metric("loss"), 0.0);
        assertEquals("t0", mean.trialId());
        assertEquals(7, mean.iteration());
        assertEquals(1234, mean.timestamp());
        assertEquals(List.of("t0", "t1", "t2"), mean.metrics().get("trial_ids"));
        assertEquals(false, c[2]);
        r.onTrialComplete("t2", loss("t2", 100), false); // repeated: ignored
        r.onTrialComplete("nobody", loss("nobody", 100), false);
        assertEquals(1, inner.completes.size());
        assertFalse(inner.rec.calls.stream().anyMatch(s -> s.startsWith("result")));
    }

    @Test
    void meanLeavesOutMissingValuesAndAllErrorsGiveAnError() {
        Inner inner = new Inner(100);
        Repeater r = new Repeater(inner, 2, false);
        r.setup(SPACE, "loss", Mode.MIN, 4, 1);
        for (int i = 0; i < 4; i++) assertFalse(config(r, "t" + i).containsKey(Repeater.TRIAL_INDEX));
        r.onTrialComplete("t0", null, true);
        r.onTrialComplete("t1", loss("t1", 4), false);
        r.onTrialComplete("t2", null, true);
        r.onTrialComplete("t3", new Result("t3", 1, 0, 0, Map.of("other", 1)), true);
        assertEquals(2, inner.completes.size());
        assertEquals(4.0, ((Result) inner.completes.get(0)[1]).metric("loss"), 0.0);
        assertEquals(false, inner.completes.get(0)[2]);
        Result none = (Result) inner.completes.get(1)[1];
        assertFalse(none.has("loss"));
        assertEquals(true, inner.completes.get(1)[2]);
    }

    @Test
    void waitAndFinishedOpenNoGroup() {
        Inner inner = new Inner(1);
        Repeater r = new Repeater(inner, 2);
        r.setup(SPACE, "loss", Mode.MIN, 4, 1);
        config(r, "a");
        config(r, "b");
        assertSame(Suggestion.FINISHED, r.suggest("c"));
        assertSame(Suggestion.FINISHED, r.suggest("d"));
        Repeater limited = new Repeater(new ConcurrencyLimiter(new Inner(10), 1), 2);
        limited.setup(SPACE, "loss", Mode.MIN, 4, 1);
        config(limited, "a");
        config(limited, "b"); // same group: the limiter is not asked
        assertSame(Suggestion.WAIT, limited.suggest("c"));
        limited.onTrialComplete("a", loss("a", 1), false);
        limited.onTrialComplete("b", loss("b", 3), false);
        assertEquals(1, config(limited, "c").get("i"));
        assertThrows(IllegalArgumentException.class, () -> new Repeater(new Inner(1), 0).setup(SPACE, "loss", Mode.MIN, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new Repeater(new Inner(1), 2).setup(SPACE, null, Mode.MIN, 1, 1));
    }

    @Test
    void saveAndRestoreContinueExactly() throws Exception {
        ObjectMapper json = new ObjectMapper();
        Inner innerA = new Inner(100);
        Repeater a = new Repeater(innerA, 3);
        a.setup(SPACE, "loss", Mode.MIN, 12, 1);
        for (int i = 0; i < 5; i++) config(a, "t" + i);
        a.onTrialComplete("t0", loss("t0", 1), false);
        a.onTrialComplete("t3", null, true);
        a.onTrialComplete("t1", loss("t1", 2), false);
        Object state = json.readValue(json.writeValueAsString(a.save()), Object.class);

        Inner innerB = new Inner(100);
        Repeater b = new Repeater(innerB, 3);
        b.setup(SPACE, "loss", Mode.MIN, 12, 1);
        b.restore(state);
        for (Repeater x : List.of(a, b)) {
            assertEquals(Map.of("i", 1, Repeater.TRIAL_INDEX, 2), config(x, "t5"));
            assertEquals(Map.of("i", 2, Repeater.TRIAL_INDEX, 0), config(x, "t6"));
            x.onTrialComplete("t2", loss("t2", 6), false);
            x.onTrialComplete("t4", loss("t4", 5), false);
            x.onTrialComplete("t5", loss("t5", 7), false);
        }
        for (Inner in : List.of(innerA, innerB)) {
            assertEquals(2, in.completes.size());
            assertEquals("t0", in.completes.get(0)[0]);
            assertEquals(3.0, ((Result) in.completes.get(0)[1]).metric("loss"), 0.0);
            assertEquals("t3", in.completes.get(1)[0]);
            assertEquals(6.0, ((Result) in.completes.get(1)[1]).metric("loss"), 0.0);
        }
    }
}
