package dev.gale.tune;

import dev.gale.cluster.GaleNode;
import dev.gale.tune.search.Domains;
import dev.gale.tune.search.SearchSpace;
import dev.gale.tune.search.Searcher;
import dev.gale.tune.search.Suggestion;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.gale.tune.TuneTestSupport.read;
import static dev.gale.tune.TuneTestSupport.readJson;
import static dev.gale.tune.TuneTestSupport.readJsonl;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad input from a trial (a missing, non-finite or non-plain metric, a throwing trainable, a
 * config JSON cannot carry, a trainable class that cannot be loaded) ends that trial in ERROR,
 * with the cause in error.txt and TrialSummary.error(), while the rest of the experiment finishes.
 */
class BadTrialInputTest {
    static GaleNode node;
    @TempDir
    static Path tmp;
    /** One experiment whose trials each misbehave in their own way (by config "kind"). */
    static ResultGrid grid;

    static final List<String> KINDS = List.of("ok", "missing", "nan", "inf", "neginf", "floatnan", "object",
            "nestedobject", "throws", "ok2");

    @BeforeAll
    static void start() {
        node = TuneTestSupport.node(4);
        grid = Tuner.builder(BadTrialInputTest::misbehave)
                .paramSpace(Map.of("kind", Domains.gridSearch(KINDS.toArray())))
                .tuneConfig(TuneConfig.builder().metric("score").mode(Mode.MIN).build())
                .runConfig(TuneTestSupport.quiet("bad", tmp))
                .node(node)
                .build().fit();
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    static void misbehave(TrialContext ctx) throws Exception {
        String kind = ctx.config().getString("kind");
        for (int i = 1; i <= 3; i++) {
            Map<String, Object> m = new HashMap<>();
            m.put("score", (double) i);
            if (i == 2) {
                switch (kind) {
                    case "missing" -> {
                        m.remove("score");
                        m.put("loss", 1.0);
                        m.put("acc", 0.5);
                    }
                    case "nan" -> m.put("score", Double.NaN);
                    case "inf" -> m.put("score", Double.POSITIVE_INFINITY);
                    case "neginf" -> m.put("other", Double.NEGATIVE_INFINITY);
                    case "floatnan" -> m.put("other", Float.NaN);
                    case "object" -> m.put("weird", new Object());
                    case "nestedobject" -> m.put("nested", Map.of("inner", new Object()));
                    case "throws" -> throw new java.io.IOException("disk on fire in trial " + ctx.trialId());
                    default -> { }
                }
            }
            ctx.report(m);
        }
    }

    static TrialSummary trial(String kind) {
        return grid.trials().stream().filter(t -> kind.equals(t.config().get("kind"))).findFirst().orElseThrow();
    }

    static void assertErrored(String kind, String... fragments) {
        TrialSummary t = trial(kind);
        assertEquals(TrialStatus.ERROR, t.status(), kind + ": " + grid.table());
        assertNotNull(t.error(), kind);
        String err = read(t.trialDir().resolve("error.txt"));
        for (String f : fragments) {
            assertTrue(t.error().contains(f), kind + ": error() should contain '" + f + "': " + t.error());
            assertTrue(err.contains(f), kind + ": error.txt should contain '" + f + "': " + err);
        }
        // the bad result is not recorded; the good one before it is
        List<Map<String, Object>> rows = readJsonl(t.trialDir().resolve("result.jsonl"));
        assertEquals(1, rows.size(), kind + ": " + rows);
        assertEquals(1, t.iterations(), kind);
    }

    @Test
    void goodTrialsOfTheSameExperimentFinish() {
        assertEquals(KINDS.size(), grid.size());
        for (String ok : List.of("ok", "ok2")) {
            TrialSummary t = trial(ok);
            assertEquals(TrialStatus.TERMINATED, t.status(), grid.table());
            assertEquals(3, t.iterations());
            assertEquals(3, readJsonl(t.trialDir().resolve("result.jsonl")).size());
        }
        assertEquals(KINDS.size() - 2, grid.errors().size(), grid.table());
        Map<String, Object> state = readJson(tmp.resolve("bad").resolve("experiment_state.json"));
        assertEquals(Boolean.TRUE, state.get("finished"));
        assertEquals(null, state.get("aborted"));
    }

    @Test
    void missingMetricNamesTheMetricAndTheReportedKeys() {
        assertErrored("missing", "'score'", "loss", "acc");
    }

    @Test
    void nanMetric() {
        assertErrored("nan", "'score'", "NaN");
    }

    @Test
    void infiniteMetric() {
        assertErrored("inf", "'score'", "Infinity");
        assertErrored("neginf", "'other'", "-Infinity");
        assertErrored("floatnan", "'other'", "NaN");
    }

    @Test
    void nonSerializableMetricValue() {
        assertErrored("object", "'weird'", "java.lang.Object");
    }

    @Test
    void nonSerializableValueNestedInAMetricMap() {
        assertErrored("nestedobject", "nested", "java.lang.Object");
    }

    @Test
    void throwingTrainable() {
        assertErrored("throws", "java.io.IOException", "disk on fire");
        assertTrue(read(trial("throws").trialDir().resolve("error.txt")).contains("\tat "), "stack trace in error.txt");
    }

    @Test
    void loadSeesTheSameErrors() {
        ResultGrid loaded = ResultGrid.load(grid.experimentDir());
        for (TrialSummary t : grid.trials()) {
            TrialSummary l = loaded.trial(t.trialId()).orElseThrow();
            assertEquals(t.status(), l.status(), t.trialId());
            assertEquals(t.error(), l.error(), t.trialId());
        }
    }

    // ------------------------------------------------------------------ configs JSON cannot carry

    /** A class Jackson cannot serialize: no properties, and a self-reference. */
    static final class Unserializable {
        private final Unserializable self = this;
    }

    /** Suggests plain configs, except a config holding an object JSON cannot carry for trial 2. */
    static final class BadConfigSearcher implements Searcher {
        int n;

        @Override
        public void setup(SearchSpace space, String metric, Mode mode, int numSamples, long seed) {
        }

        @Override
        public Suggestion suggest(String trialId) {
            n++;
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("n", n);
            if (n == 2) c.put("thing", new Unserializable());
            return new Suggestion.Config(c);
        }

        @Override
        public Object save() {
            return Map.of("n", n);
        }

        @Override
        public void restore(Object state) {
        }
    }

    @Test
    void configThatCannotBeSerializedEndsThatTrialOnly(@TempDir Path dir) {
        ResultGrid g = Tuner.builder(ctx -> ctx.report(Map.of("score", ctx.config().getDouble("n"))))
                .tuneConfig(TuneConfig.builder().metric("score").mode(Mode.MAX).numSamples(3)
                        .searcher(new BadConfigSearcher()).build())
                .runConfig(TuneTestSupport.quiet("badconfig", dir))
                .node(node)
                .build().fit();
        assertEquals(3, g.size(), g.table());
        TrialSummary bad = g.trials().get(1);
        assertEquals(TrialStatus.ERROR, bad.status(), g.table());
        assertTrue(bad.error().contains("cannot be serialized"), bad.error());
        assertTrue(read(bad.trialDir().resolve("error.txt")).contains("cannot be serialized"));
        assertEquals(0, bad.iterations());
        assertEquals(TrialStatus.TERMINATED, g.trials().get(0).status());
        assertEquals(TrialStatus.TERMINATED, g.trials().get(2).status());
        assertEquals(3.0, g.best().metric("score"));
        Map<String, Object> state = readJson(dir.resolve("badconfig").resolve("experiment_state.json"));
        assertEquals(Boolean.TRUE, state.get("finished"));
        assertEquals(3, ((List<?>) state.get("trials")).size());
        ResultGrid loaded = ResultGrid.load(dir.resolve("badconfig"));
        assertEquals(TrialStatus.ERROR, loaded.trials().get(1).status());
    }

    @Test
    void sampleFromReturningANonPlainValueFailsTheExperimentNamingTheParameter(@TempDir Path dir) {
        // SearchSpace.sample rejects the value, so the searcher fails on every suggestion: the
        // experiment is aborted (not left running trials with a broken config).
        Tuner tuner = Tuner.builder(ctx -> ctx.report(Map.of("score", 1.0)))
                .paramSpace(Map.of("x", Domains.uniform(0, 1), "obj", Domains.sampleFrom(c -> new Object())))
                .tuneConfig(TuneConfig.builder().metric("score").mode(Mode.MAX).numSamples(2).build())
                .runConfig(TuneTestSupport.quiet("samplefrom", dir))
                .node(node)
                .build();
        IllegalStateException e = assertThrows(IllegalStateException.class, tuner::fit);
        assertTrue(e.getMessage().contains("obj"), e.getMessage());
        assertTrue(e.getMessage().contains("java.lang.Object"), e.getMessage());
        Map<String, Object> state = readJson(dir.resolve("samplefrom").resolve("experiment_state.json"));
        assertNotNull(state.get("aborted"));
        assertEquals(List.of(), state.get("trials"));
    }

    /** A searcher whose saved state JSON cannot carry: the experiment state cannot be written. */
    static final class UnsavableSearcher implements Searcher {
        boolean given;

        @Override
        public void setup(SearchSpace space, String metric, Mode mode, int numSamples, long seed) {
        }

        @Override
        public Suggestion suggest(String trialId) {
            if (given) return Suggestion.FINISHED;
            given = true;
            return new Suggestion.Config(Map.of("a", 1));
        }

        /** Unsavable once it has given its trial (the run's first snapshot, before any trial, is fine). */
        @Override
        public Object save() {
            return given ? Map.of("handle", new Unserializable()) : Map.of();
        }

        @Override
        public void restore(Object state) {
        }
    }

    @Test
    void anExperimentDirectoryThatCannotBeWrittenFailsFit(@TempDir Path dir) {
        Tuner tuner = Tuner.builder(ctx -> ctx.report(Map.of("score", 1.0)))
                .tuneConfig(TuneConfig.builder().searcher(new UnsavableSearcher()).build())
                .runConfig(TuneTestSupport.quiet("unsavable", dir))
                .node(node)
                .build();
        IllegalStateException e = assertThrows(IllegalStateException.class, tuner::fit);
        assertTrue(e.getMessage().contains("cannot write the experiment directory"), e.getMessage());
        assertTrue(Files.exists(dir.resolve("unsavable").resolve("trial_00001").resolve("params.json")), "what was written stays");
    }

    // ------------------------------------------------------------------ trainable classes by name

    /** A well-formed trainable run by class name. */
    public static final class GoodTrainable implements Trainable {
        public GoodTrainable() {
        }

        @Override
        public void train(TrialContext ctx) {
            ctx.report(Map.of("score", 1.0));
        }
    }

    /** Has no no-argument constructor. */
    public static final class NoDefaultConstructor implements Trainable {
        public NoDefaultConstructor(int x) {
        }

        @Override
        public void train(TrialContext ctx) {
        }
    }

    static ResultGrid runByName(String className, Path dir, String name) {
        return Tuner.builder(className)
                .tuneConfig(TuneConfig.builder().numSamples(2).build())
                .runConfig(TuneTestSupport.quiet(name, dir))
                .node(node)
                .build().fit();
    }

    @Test
    void trainableByClassNameRuns(@TempDir Path dir) {
        ResultGrid g = runByName(GoodTrainable.class.getName(), dir, "byname");
        assertEquals(2, g.count(TrialStatus.TERMINATED), g.table());
        assertEquals(1.0, g.trials().getFirst().metric("score"));
    }

    @Test
    void unknownTrainableClassEndsTrialsInErrorNamingTheClass(@TempDir Path dir) throws IOException {
        String missing = "com.example.DoesNotExistTrainable";
        ResultGrid g = runByName(missing, dir, "missingclass");
        assertEquals(2, g.size());
        for (TrialSummary t : g.trials()) {
            assertEquals(TrialStatus.ERROR, t.status());
            assertTrue(t.error().contains(missing), t.error());
            assertTrue(read(t.trialDir().resolve("error.txt")).contains(missing));
            assertTrue(!Files.exists(t.trialDir().resolve("result.jsonl")) || Files.size(t.trialDir().resolve("result.jsonl")) == 0);
        }
    }

    @Test
    void classThatIsNotATrainableOrLacksAConstructorEndsTrialsInError(@TempDir Path dir) {
        ResultGrid g = runByName("java.lang.String", dir, "notatrainable");
        for (TrialSummary t : g.trials()) {
            assertEquals(TrialStatus.ERROR, t.status());
            assertTrue(t.error().contains("java.lang.String") && t.error().contains("Trainable"), t.error());
        }
        ResultGrid g2 = runByName(NoDefaultConstructor.class.getName(), dir, "noctor");
        for (TrialSummary t : g2.trials()) {
            assertEquals(TrialStatus.ERROR, t.status());
            assertTrue(t.error().contains(NoDefaultConstructor.class.getName()) && t.error().contains("constructor"), t.error());
        }
    }
}
