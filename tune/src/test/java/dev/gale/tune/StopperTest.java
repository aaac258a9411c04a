package dev.gale.tune;

import dev.gale.cluster.GaleNode;
import dev.gale.tune.search.Domains;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.gale.tune.TuneTestSupport.readJson;
import static dev.gale.tune.TuneTestSupport.readJsonl;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Stop conditions end trials TERMINATED (not ERROR) and no result past the stop is recorded. */
class StopperTest {
    static GaleNode node;
    static final int CAP = 1_000_000;

    @BeforeAll
    static void start() {
        node = TuneTestSupport.node(4);
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    /**
     * Reports score = i for i = 1..CAP, without pause; records how far each trial got. Reports past
     * the stop may be buffered (at most a bounded window), so the trial must end long before CAP.
     */
    static Trainable counting(Map<String, Integer> reached, Map<String, Boolean> stopSeen) {
        return ctx -> {
            try {
                for (int i = 1; i <= CAP; i++) {
                    ctx.report(Map.of("score", i));
                    reached.put(ctx.trialId(), i);
                }
            } catch (TrialStoppedException e) {
                stopSeen.put(ctx.trialId(), true);
                throw e;
            }
        };
    }

    static void assertStoppedAt(ResultGrid g, int n, Map<String, Integer> reached) {
        assertEquals(2, g.size());
        for (TrialSummary t : g.trials()) {
            assertEquals(TrialStatus.TERMINATED, t.status(), g.table());
            assertNull(t.error());
            assertEquals(n, t.iterations(), g.table());
            assertEquals(n, t.metric("score"), 0);
            assertEquals(n, readJsonl(t.trialDir().resolve("result.jsonl")).size(), "result lines of " + t.trialId());
            assertTrue(reached.get(t.trialId()) < CAP, "the trial was stopped before it ran out: " + reached);
            assertTrue(reached.get(t.trialId()) >= n);
        }
    }

    @Test
    void maxIterationsStopsEachTrialAfterThatManyReports(@TempDir Path tmp) {
        Map<String, Integer> reached = new ConcurrentHashMap<>();
        Map<String, Boolean> stopSeen = new ConcurrentHashMap<>();
        ResultGrid g = Tuner.builder(counting(reached, stopSeen))
                .tuneConfig(TuneConfig.builder().numSamples(2).maxIterations(3).build())
                .runConfig(TuneTestSupport.quiet("maxiter", tmp))
                .node(node)
                .build().fit();
        assertStoppedAt(g, 3, reached);
        assertEquals(2, stopSeen.size(), "each trial saw TrialStoppedException from report");
    }

    @Test
    void stopMapStopsWhenTheMetricReachesTheThreshold(@TempDir Path tmp) {
        Map<String, Integer> reached = new ConcurrentHashMap<>();
        ResultGrid g = Tuner.builder(counting(reached, new ConcurrentHashMap<>()))
                .tuneConfig(TuneConfig.builder().metric("score").mode(Mode.MAX).numSamples(2).stop(Map.of("score", 5)).build())
                .runConfig(TuneTestSupport.quiet("stopmap", tmp))
                .node(node)
                .build().fit();
        assertStoppedAt(g, 5, reached);
    }

    @Test
    void customStopperAndShouldStop(@TempDir Path tmp) {
        Map<String, Integer> polled = new ConcurrentHashMap<>();
        ResultGrid g = Tuner.builder(ctx -> {
                    // a trainable that polls shouldStop() instead of letting report throw
                    int i = 0;
                    try {
                        while (!ctx.shouldStop() && i < 10_000) {
                            i++;
                            ctx.report(Map.of("loss", 1.0 / i));
                            Thread.sleep(1);
                        }
                    } finally {
                        polled.put(ctx.trialId(), i);
                    }
                })
                .tuneConfig(TuneConfig.builder().stopper(Stopper.atMost("loss", 0.25)).build())
                .runConfig(TuneTestSupport.quiet("custom", tmp))
                .node(node)
                .build().fit();
        TrialSummary t = g.trials().getFirst();
        assertEquals(TrialStatus.TERMINATED, t.status());
        assertEquals(4, t.iterations(), "stopped on the result with loss 0.25");
        assertTrue(polled.get(t.trialId()) < 10_000);
    }

    @Test
    void timeBudgetEndsAnExperimentOfEndlessTrials(@TempDir Path tmp) {
        AtomicInteger started = new AtomicInteger();
        AtomicInteger ended = new AtomicInteger();
        ResultGrid g = Tuner.builder(ctx -> {
                    started.incrementAndGet();
                    try {
                        for (long i = 1; ; i++) {
                            ctx.report(Map.of("score", (double) i));
                            Thread.sleep(10);
                        }
                    } finally {
                        ended.incrementAndGet();
                    }
                })
                .paramSpace(Map.of("x", Domains.uniform(0, 1)))
                .tuneConfig(TuneConfig.builder().metric("score").mode(Mode.MAX).numSamples(2)
                        .timeBudget(Duration.ofMillis(800)).build())
                .runConfig(TuneTestSupport.quiet("budget", tmp))
                .node(node)
                .build().fit();
        assertEquals(2, g.size());
        assertEquals(2, started.get(), "both trials ran (4 CPUs for 2 one-CPU trials)");
        assertEquals(2, ended.get(), "every trainable thread was ended");
        for (TrialSummary t : g.trials()) {
            assertEquals(TrialStatus.TERMINATED, t.status(), g.table());
            assertNull(t.error());
            assertTrue(t.iterations() >= 1, g.table());
            assertEquals(t.iterations(), readJsonl(t.trialDir().resolve("result.jsonl")).size());
        }
        Map<String, Object> state = readJson(g.experimentDir().resolve("experiment_state.json"));
        assertEquals(Boolean.TRUE, state.get("finished"));
        assertFalse(state.containsKey("aborted"));
    }

    @Test
    void timeBudgetDoesNotStartTrialsAfterItRanOut(@TempDir Path tmp) {
        AtomicInteger started = new AtomicInteger();
        ResultGrid g = Tuner.builder(ctx -> {
                    started.incrementAndGet();
                    while (true) {
                        ctx.report(Map.of("score", 1.0));
                        Thread.sleep(10);
                    }
                })
                .tuneConfig(TuneConfig.builder().numSamples(5).maxConcurrentTrials(1)
                        .timeBudget(Duration.ofMillis(600)).build())
                .runConfig(TuneTestSupport.quiet("budget1", tmp))
                .node(node)
                .build().fit();
        assertEquals(1, started.get(), "an endless first trial used up the budget");
        assertEquals(1, g.count(TrialStatus.TERMINATED), g.table());
        for (TrialSummary t : g.trials()) assertTrue(t.status().isFinished(), g.table());
        assertEquals(0, g.count(TrialStatus.ERROR), g.table());
    }
}
