package dev.gale.tune.study;

import dev.gale.tune.Mode;
import dev.gale.tune.ResultGrid;
import dev.gale.tune.RunConfig;
import dev.gale.tune.TrialContext;
import dev.gale.tune.TrialSummary;
import dev.gale.tune.TuneConfig;
import dev.gale.tune.Tuner;
import dev.gale.tune.search.Domains;
import dev.gale.tune.search.Searchers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Seeds seed: every registered sampler ({@link Searchers#NAMES}), run through
 * {@link Study#optimize} on a conditional define-by-run space (so the startup, relative,
 * independent and fallback paths all draw), gives one trace for one seed run twice and another
 * trace for another seed, with no float parameter drawn equal across the two seeds; the same
 * through {@link Tuner} on a declarative space. Without a seed, a seed is drawn, printed and
 * recorded, and passing it back repeats the run.
 */
class StudySeedTest {
    /** Enough trials for every sampler to leave its random start (TPE: 10) and sample from its model. */
    static final int TRIALS = 14;

    static List<String> samplers() {
        return Searchers.NAMES;
    }

    /** The parameters every trial asked, in trial order (one trial at a time). */
    static List<Map<String, Object>> studyTrace(String sampler, long seed) {
        Study study = Study.builder().name("seeds").mode(Mode.MIN).sampler(Searchers.byName(sampler)).seed(seed)
                .maxConcurrentTrials(1).quiet(true).build();
        study.optimize(StudySeedTest::conditional, TRIALS);
        List<Map<String, Object>> trace = new ArrayList<>();
        for (FrozenTrial t : study.trials()) trace.add(new LinkedHashMap<>(t.params()));
        assertEquals(TRIALS, trace.size(), sampler + ": every trial ended: " + study.trials());
        return trace;
    }

    /** A conditional space: x always, then y and k on branch a, z (log scale) on branch b. */
    static double conditional(StudyTrial t) {
        double x = t.suggestFloat("x", -5, 5);
        String branch = t.suggestCategorical("branch", List.of("a", "b"));
        if (branch.equals("a")) {
            double y = t.suggestFloat("y", 0, 1);
            int k = t.suggestInt("k", 0, 9);
            return (x - 1) * (x - 1) + (y - 0.3) * (y - 0.3) + Math.abs(k - 4) * 0.1;
        }
        double z = t.suggestFloat("z", 1e-4, 1, true);
        return (x + 2) * (x + 2) + Math.abs(Math.log10(z) + 2);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samplers")
    void everySamplerThroughStudyOptimizeFollowsTheSeed(String sampler) {
        List<Map<String, Object>> a = studyTrace(sampler, 11);
        List<Map<String, Object>> again = studyTrace(sampler, 11);
        List<Map<String, Object>> b = studyTrace(sampler, 12);
        assertEquals(a, again, sampler + ": the same seed gives the same trace");
        assertNotEquals(a, b, sampler + ": another seed gives another trace");
        List<String> repeated = new ArrayList<>();
        for (int i = 0; i < TRIALS; i++) {
            for (Map.Entry<String, Object> e : a.get(i).entrySet()) {
                if (e.getValue() instanceof Double d && d.equals(b.get(i).get(e.getKey()))) {
                    repeated.add("trial " + (i + 1) + " " + e.getKey() + "=" + d);
                }
            }
        }
        assertTrue(repeated.isEmpty(), sampler + ": float draws repeated across seeds 11 and 12 (an unseeded path): "
                + repeated + "\nseed 11: " + a + "\nseed 12: " + b);
    }

    /** The configs of a declarative search, in trial order. */
    static List<Map<String, Object>> tunerTrace(String sampler, long seed) {
        TuneConfig.Builder tc = TuneConfig.builder().metric("loss").mode(Mode.MIN).numSamples(TRIALS).maxConcurrentTrials(1)
                .searcher(Searchers.byName(sampler)).seed(seed);
        ResultGrid g = Tuner.builder((TrialContext ctx) -> {
                    double x = ctx.config().getDouble("x");
                    double lr = ctx.config().getDouble("lr");
                    ctx.report(Map.of("loss", (x - 1) * (x - 1) + Math.abs(Math.log10(lr) + 2)));
                })
                .paramSpace(Map.of("x", Domains.uniform(-5, 5), "lr", Domains.loguniform(1e-4, 1),
                        "act", Domains.choice("relu", "tanh")))
                .tuneConfig(tc.build()).inMemory(true).runConfig(new RunConfig("t", null, true, 1000)).build().fit();
        List<Map<String, Object>> trace = new ArrayList<>();
        for (TrialSummary t : g.trials()) trace.add(t.config());
        return trace;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samplers")
    void everySamplerThroughTunerFollowsTheSeed(String sampler) {
        List<Map<String, Object>> a = tunerTrace(sampler, 21);
        assertEquals(a, tunerTrace(sampler, 21), sampler + ": the same seed gives the same configs");
        assertNotEquals(a, tunerTrace(sampler, 22), sampler + ": another seed gives other configs");
    }

    private static final Pattern STUDY_SEED = Pattern.compile("\\[gale] study unseeded: seed (\\d+) \\(none given: drawn at random"
            + " and recorded in (\\S+study\\.json); pass seed\\(\\d+\\) to repeat the study\\)");

    @Test
    void aStudyWithoutSeedDrawsOnePrintsItRecordsItAndThatSeedRepeatsTheStudy(@TempDir Path tmp) throws Exception {
        List<List<Map<String, Object>>> traces = new ArrayList<>();
        List<Long> seeds = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
            Path storage = tmp.resolve("run" + i);
            Study study = Study.builder().name("unseeded").storagePath(storage).sampler(Searchers.random())
                    .maxConcurrentTrials(1).output(out).build();
            study.optimize(StudySeedTest::conditional, 6);
            String text = bytes.toString(StandardCharsets.UTF_8);
            Matcher m = STUDY_SEED.matcher(text);
            assertTrue(m.find(), "the drawn seed is printed:\n" + text);
            long seed = Long.parseLong(m.group(1));
            assertEquals(storage.resolve("unseeded").resolve("study.json").toString(), m.group(2));
            String state = Files.readString(storage.resolve("unseeded").resolve("study.json"));
            assertTrue(state.contains("\"seed\" : " + seed) || state.contains("\"seed\":" + seed), state);
            assertTrue(text.contains("[gale] study unseeded, optimize_1 | ") && text.contains(" | 6 trials | 6 COMPLETE | best value=")
                    && text.contains("(done)"), "the progress line in Optuna's words:\n" + text);
            List<Map<String, Object>> trace = new ArrayList<>();
            for (FrozenTrial t : study.trials()) trace.add(t.params());
            traces.add(trace);
            seeds.add(seed);

            // reopened without a seed: continues with the recorded one, prints nothing about seeds
            ByteArrayOutputStream again = new ByteArrayOutputStream();
            Study reopened = Study.builder().name("unseeded").storagePath(storage).sampler(Searchers.random())
                    .loadIfExists(true).output(new PrintStream(again, true, StandardCharsets.UTF_8)).quiet(true).build();
            assertEquals(6, reopened.trials().size());
            assertTrue(again.toString(StandardCharsets.UTF_8).isEmpty(), again.toString(StandardCharsets.UTF_8));
        }
        assertNotEquals(seeds.get(0), seeds.get(1), "two studies without a seed draw two seeds");
        assertNotEquals(traces.get(0), traces.get(1), "and sample differently");
        Study repeat = Study.builder().name("repeat").sampler(Searchers.random()).seed(seeds.get(0)).maxConcurrentTrials(1)
                .quiet(true).build();
        repeat.optimize(StudySeedTest::conditional, 6);
        List<Map<String, Object>> trace = new ArrayList<>();
        for (FrozenTrial t : repeat.trials()) trace.add(t.params());
        assertEquals(traces.get(0), trace, "the printed seed repeats the first study");
    }

    @Test
    void aTunerWithoutSeedDrawsOnePrintsItAndRecordsItInTheExperimentState(@TempDir Path tmp) throws Exception {
        List<Long> seeds = new ArrayList<>();
        List<List<Map<String, Object>>> traces = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            ResultGrid g = Tuner.builder((TrialContext ctx) -> ctx.report(Map.of("loss", ctx.config().getDouble("x"))))
                    .paramSpace(Map.of("x", Domains.uniform(0, 1)))
                    .tuneConfig(TuneConfig.builder().numSamples(4).maxConcurrentTrials(1).build())
                    .runConfig(new RunConfig("drawn" + i, tmp, false, 60_000))
                    .output(new PrintStream(bytes, true, StandardCharsets.UTF_8)).build().fit();
            String text = bytes.toString(StandardCharsets.UTF_8);
            Matcher m = Pattern.compile("\\[gale] seed (\\d+) \\(none given: drawn at random and recorded in the experiment state;"
                    + " give this seed to repeat the search\\)").matcher(text);
            assertTrue(m.find(), text);
            long seed = Long.parseLong(m.group(1));
            String state = Files.readString(tmp.resolve("drawn" + i).resolve("experiment_state.json"));
            assertTrue(state.matches("(?s).*\"seed\"\\s*:\\s*" + seed + "\\b.*"), "the seed is recorded: " + state);
            seeds.add(seed);
            List<Map<String, Object>> trace = new ArrayList<>();
            for (TrialSummary t : g.trials()) trace.add(t.config());
            traces.add(trace);
        }
        assertNotEquals(seeds.get(0), seeds.get(1));
        assertNotEquals(traces.get(0), traces.get(1));
        ResultGrid again = Tuner.builder((TrialContext ctx) -> ctx.report(Map.of("loss", ctx.config().getDouble("x"))))
                .paramSpace(Map.of("x", Domains.uniform(0, 1)))
                .tuneConfig(TuneConfig.builder().numSamples(4).maxConcurrentTrials(1).seed(seeds.get(0)).build())
                .runConfig(new RunConfig("given", tmp, true, 60_000)).build().fit();
        List<Map<String, Object>> trace = new ArrayList<>();
        for (TrialSummary t : again.trials()) trace.add(t.config());
        assertEquals(traces.get(0), trace, "the printed seed repeats the first search");
    }
}
