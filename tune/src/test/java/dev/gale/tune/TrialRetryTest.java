package dev.gale.tune;

import dev.gale.cluster.GaleNode;
import dev.gale.tune.search.Domains;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import static dev.gale.tune.TuneTestSupport.read;
import static dev.gale.tune.TuneTestSupport.readJson;
import static dev.gale.tune.TuneTestSupport.readJsonl;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Failed trials retry from their last checkpoint up to maxFailures, then end in ERROR. */
class TrialRetryTest {
    static final int STEPS = 5;
    static final int FAIL_AT = 3;
    static GaleNode node;

    @BeforeAll
    static void start() {
        node = TuneTestSupport.node(4);
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    /** What one attempt saw when it started. */
    record Seen(String trialId, int attempt, Optional<Integer> checkpointStep) {
    }

    /**
     * Counts steps from its checkpoint; reports each step with a checkpoint of it; the trial whose
     * config has {@code fail = true} throws at step FAIL_AT on attempt 0.
     */
    static Trainable failingOnce(List<Seen> seen) {
        return ctx -> {
            Optional<Integer> from = ctx.checkpoint().map(c -> ((Number) c.loadData().get("step")).intValue());
            seen.add(new Seen(ctx.trialId(), ctx.attempt(), from));
            boolean fail = ctx.config().getBoolean("fail");
            for (int i = from.orElse(0) + 1; i <= STEPS; i++) {
                if (fail && ctx.attempt() == 0 && i == FAIL_AT) {
                    throw new RuntimeException("boom at step " + i);
                }
                ctx.report(Map.of("step", i, "attempt", ctx.attempt()), Checkpoint.ofData(Map.of("step", i)));
            }
        };
    }

    static ResultGrid run(Path tmp, String name, int maxFailures, List<Seen> seen) {
        return Tuner.builder(failingOnce(seen))
                .paramSpace(Map.of("fail", Domains.gridSearch(false, true, false)))
                .tuneConfig(TuneConfig.builder().metric("step").mode(Mode.MAX).maxFailures(maxFailures).build())
                .runConfig(TuneTestSupport.quiet(name, tmp))
                .node(node)
                .build().fit();
    }

    static TrialSummary failing(ResultGrid g) {
        return g.trials().stream().filter(t -> Boolean.TRUE.equals(t.config().get("fail"))).findFirst().orElseThrow();
    }

    @Test
    void retriesFromTheLastCheckpoint(@TempDir Path tmp) {
        List<Seen> seen = new CopyOnWriteArrayList<>();
        ResultGrid g = run(tmp, "retry", 1, seen);
        assertEquals(3, g.size());
        assertEquals(3, g.count(TrialStatus.TERMINATED), g.table());
        TrialSummary t = failing(g);
        assertEquals(2, t.attempts());
        assertNull(t.error(), "a trial that recovered has no error");
        assertEquals(STEPS, t.iterations());
        assertEquals(STEPS, t.metric("step"), 0);
        assertEquals(1, t.metric("attempt"), 0);

        List<Seen> mine = seen.stream().filter(s -> s.trialId().equals(t.trialId())).toList();
        assertEquals(List.of(new Seen(t.trialId(), 0, Optional.empty()), new Seen(t.trialId(), 1, Optional.of(FAIL_AT - 1))),
                mine, "attempt 1 resumes from the checkpoint of the last step reported before the failure");

        // training_iteration continues from the checkpoint: 1..STEPS once, no gap, no repeat
        List<Map<String, Object>> rows = readJsonl(t.trialDir().resolve("result.jsonl"));
        assertEquals(STEPS, rows.size());
        for (int i = 1; i <= STEPS; i++) {
            Map<String, Object> r = rows.get(i - 1);
            assertEquals(i, ((Number) r.get("training_iteration")).intValue());
            assertEquals(i, ((Number) r.get("step")).intValue());
            assertEquals(i < FAIL_AT ? 0 : 1, ((Number) r.get("attempt")).intValue());
        }
        double tAtFailure = ((Number) rows.get(FAIL_AT - 2).get("time_total_s")).doubleValue();
        assertTrue(((Number) rows.get(FAIL_AT - 1).get("time_total_s")).doubleValue() >= tAtFailure,
                "time_total_s continues from the checkpoint");

        String err = read(t.trialDir().resolve("error.txt"));
        assertTrue(err.contains("attempt 0"), err);
        assertTrue(err.contains("java.lang.RuntimeException: boom at step " + FAIL_AT), err);
        assertTrue(err.contains("\tat "), "error.txt holds the stack trace: " + err);
        assertFalse(err.contains("attempt 1"), "attempt 1 did not fail: " + err);

        for (TrialSummary o : g.trials()) {
            if (o != t) {
                assertEquals(1, o.attempts());
                assertFalse(Files.exists(o.trialDir().resolve("error.txt")));
            }
        }

        ResultGrid loaded = ResultGrid.load(g.experimentDir());
        TrialSummary l = loaded.trial(t.trialId()).orElseThrow();
        assertEquals(TrialStatus.TERMINATED, l.status());
        assertEquals(2, l.attempts());
        assertNull(l.error());
        assertEquals(STEPS, l.iterations());
    }

    @Test
    void withoutRetriesTheTrialEndsInErrorAndTheOthersFinish(@TempDir Path tmp) {
        List<Seen> seen = new CopyOnWriteArrayList<>();
        ResultGrid g = run(tmp, "noretry", 0, seen);
        TrialSummary t = failing(g);
        assertEquals(TrialStatus.ERROR, t.status());
        assertEquals(1, t.attempts());
        assertNotNull(t.error());
        assertTrue(t.error().contains("boom at step " + FAIL_AT), t.error());
        assertEquals(FAIL_AT - 1, t.iterations(), "the results before the failure are kept");
        assertEquals(List.of(t), g.errors());
        assertEquals(2, g.count(TrialStatus.TERMINATED), g.table());
        for (TrialSummary o : g.trials()) {
            if (o != t) assertEquals(STEPS, o.iterations());
        }
        assertEquals(1, seen.stream().filter(s -> s.trialId().equals(t.trialId())).count(), "no second attempt");

        String err = read(t.trialDir().resolve("error.txt"));
        assertTrue(err.contains("java.lang.RuntimeException: boom at step " + FAIL_AT), err);
        assertTrue(err.contains("\tat "), err);
        assertEquals(FAIL_AT - 1, readJsonl(t.trialDir().resolve("result.jsonl")).size());

        Map<String, Object> state = readJson(g.experimentDir().resolve("experiment_state.json"));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> trials = (List<Map<String, Object>>) state.get("trials");
        Map<String, Object> rec = trials.stream().filter(m -> m.get("trial_id").equals(t.trialId())).findFirst().orElseThrow();
        assertEquals("ERROR", rec.get("status"));
        assertTrue(String.valueOf(rec.get("error")).contains("boom"), rec.toString());

        ResultGrid loaded = ResultGrid.load(g.experimentDir());
        TrialSummary l = loaded.trial(t.trialId()).orElseThrow();
        assertEquals(TrialStatus.ERROR, l.status());
        assertEquals(t.error(), l.error());
    }

    @Test
    void unlimitedRetriesKeepGoingUntilSuccess(@TempDir Path tmp) {
        Map<String, Integer> runs = new ConcurrentHashMap<>();
        ResultGrid g = Tuner.builder(ctx -> {
                    int n = runs.merge(ctx.trialId(), 1, Integer::sum);
                    int from = ctx.checkpoint().map(c -> ((Number) c.loadData().get("step")).intValue()).orElse(0);
                    int step = from + 1;
                    ctx.report(Map.of("step", step), Checkpoint.ofData(Map.of("step", step)));
                    if (ctx.attempt() < 3) throw new IllegalStateException("flaky " + n);
                })
                .tuneConfig(TuneConfig.builder().maxFailures(-1).build())
                .runConfig(TuneTestSupport.quiet("unlimited", tmp))
                .node(node)
                .build().fit();
        TrialSummary t = g.trials().getFirst();
        assertEquals(TrialStatus.TERMINATED, t.status(), g.table());
        assertEquals(4, t.attempts());
        assertEquals(4, runs.get(t.trialId()));
        assertEquals(4, t.iterations());
        assertEquals(4, t.metric("step"), 0);
        String err = read(t.trialDir().resolve("error.txt"));
        for (int a = 0; a < 3; a++) assertTrue(err.contains("attempt " + a) && err.contains("flaky " + (a + 1)), err);
    }
}
