package dev.gale.tune;

import dev.gale.tune.schedulers.Decision;
import dev.gale.tune.schedulers.Schedulers;
import dev.gale.tune.schedulers.TrialScheduler;
import dev.gale.tune.search.SearchSpace;
import dev.gale.tune.search.Searcher;
import dev.gale.tune.search.Searchers;
import dev.gale.tune.search.Suggestion;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** User searchers and schedulers are found by name through ServiceLoader (see test META-INF/services). */
class PluginTest {
    /** Suggests x = 0, 1, 2, ... */
    public static final class CountingSearcher implements Searcher {
        private int next;

        @Override
        public void setup(SearchSpace space, String metric, Mode mode, int numSamples, long seed) {
        }

        @Override
        public Suggestion suggest(String trialId) {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("x", next++);
            return new Suggestion.Config(c);
        }

        @Override
        public Object save() {
            return Map.of("next", next);
        }

        @Override
        public void restore(Object state) {
            next = ((Number) ((Map<?, ?>) state).get("next")).intValue();
        }

        @Override
        public String name() {
            return "counting";
        }
    }

    /** Never stops anything. */
    public static final class NeverStop implements TrialScheduler {
        @Override
        public void setup(String metric, Mode mode) {
        }

        @Override
        public Decision onTrialResult(String trialId, Result result) {
            return Decision.CONTINUE;
        }

        @Override
        public String name() {
            return "never";
        }
    }

    @Test
    void findsPluginsByNameSimpleNameOrClassName() {
        assertInstanceOf(CountingSearcher.class, Searchers.byName("counting"));
        assertInstanceOf(CountingSearcher.class, Searchers.byName("CountingSearcher"));
        assertInstanceOf(CountingSearcher.class, Searchers.byName(CountingSearcher.class.getName()));
        assertInstanceOf(NeverStop.class, Schedulers.byName("never"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Searchers.byName("tpe-ish"));
        assertTrue(e.getMessage().contains("random") && e.getMessage().contains("counting"), e.getMessage());
    }

    @Test
    void aPluginSearcherDrivesATuner(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) {
        ResultGrid g = Tuner.builder(ctx -> ctx.report(Map.of("y", ctx.config().getInt("x") * 2)))
                .tuneConfig(TuneConfig.builder().metric("y").mode(Mode.MAX).numSamples(4).maxConcurrentTrials(1)
                        .searcher(Searchers.byName("counting")).scheduler(Schedulers.byName("never")).build())
                .runConfig(new RunConfig("plugins", tmp, true, 200))
                .build().fit();
        assertEquals(4, g.size());
        assertEquals(3, ((Number) g.best().config().get("x")).intValue());
        assertEquals(6.0, g.best().metric("y"));
    }
}
