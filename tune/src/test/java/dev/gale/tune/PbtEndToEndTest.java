package dev.gale.tune;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gale.tune.schedulers.Decision;
import dev.gale.tune.schedulers.PopulationBasedTraining;
import dev.gale.tune.schedulers.TrialScheduler;
import dev.gale.tune.search.Domains;
import dev.gale.tune.search.Searchers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * PBT on a toy whose best schedule is known: each step adds quality(lr) to an accumulated score,
 * quality = 1 - |log10(lr) + 1| (best at lr = 0.1). The trial that starts at lr = 0.001 is the
 * worst at every perturbation, so it must exploit: copy the best trial's checkpoint and continue
 * with a perturbed config.
 */
class PbtEndToEndTest {
    static final List<Object> LRS = List.of(0.001, 0.01, 0.1, 1.0);

    static double quality(double lr) {
        return 1 - Math.abs(Math.log10(lr) + 1);
    }

    @Test
    void theWorstTrialExploitsTheBestCheckpoint(@TempDir Path tmp) throws Exception {
        PopulationBasedTraining pbt = PopulationBasedTraining.builder().perturbationInterval(4).quantileFraction(0.25)
                .resampleProbability(0).mutate("lr", LRS).seed(3).build();
        Lockstep lockstep = new Lockstep(4);
        ResultGrid g = Tuner.builder(ctx -> {
                    double acc = ctx.checkpoint().map(c -> ((Number) c.loadData().get("acc")).doubleValue()).orElse(0.0);
                    long step = ctx.checkpoint().map(c -> ((Number) c.loadData().get("step")).longValue()).orElse(0L);
                    double lr = ctx.config().getDouble("lr");
                    while (step < 16) {
                        step++;
                        acc += quality(lr);
                        lockstep.before(ctx.trialId(), step); // results independent of thread scheduling
                        ctx.report(Map.of("acc", acc, "lr", lr), Checkpoint.ofData(Map.of("acc", acc, "step", step)));
                        Thread.sleep(20);
                    }
                    lockstep.finished(ctx.trialId());
                })
                .paramSpace(Map.of("lr", Domains.gridSearch(LRS.toArray())))
                .tuneConfig(TuneConfig.builder().metric("acc").mode(Mode.MAX).maxConcurrentTrials(4)
                        .searcher(Searchers.grid()).scheduler(pbt).build())
                .runConfig(new RunConfig("pbt", tmp, true, 200))
                .resources(dev.gale.gpu.ResourceSpec.ofCpus(0.25)) // the whole population at once, even on 1 core
                .build().fit();
        assertEquals(4, g.size());
        assertTrue(pbt.exploits() >= 1, "at least one exploit");
        TrialSummary worst = g.trials().get(0);
        assertEquals(TrialStatus.TERMINATED, worst.status());
        assertNotEquals(0.001, ((Number) worst.config().get("lr")).doubleValue(), "the lr=0.001 trial explored away");
        // its history: negative scores at lr = 0.001, then a jump to the donor's positive accumulated score
        List<String> lines = Files.readAllLines(worst.trialDir().resolve("result.jsonl"));
        assertEquals(16, worst.iterations(), "iterations continue from the donor's checkpoint up to 16: " + lines);
        ObjectMapper json = new ObjectMapper();
        double first = ((Number) json.readValue(lines.get(0), Map.class).get("acc")).doubleValue();
        double last = ((Number) json.readValue(lines.get(lines.size() - 1), Map.class).get("acc")).doubleValue();
        assertTrue(first < 0, "started badly: " + first);
        assertTrue(last > 0, "continued from a good checkpoint: " + last);
        // params.json holds the new config
        Map<?, ?> params = json.readValue(worst.trialDir().resolve("params.json").toFile(), Map.class);
        assertEquals(worst.config().get("lr"), params.get("lr"));
    }

    @Test
    void exploresByNeighbourOrResample() {
        PopulationBasedTraining pbt = PopulationBasedTraining.builder().perturbationInterval(1).quantileFraction(0.5)
                .resampleProbability(0).mutate("lr", LRS).mutate("opt.momentum", Domains.uniform(0.5, 0.99)).seed(1).build();
        pbt.setup("acc", Mode.MAX);
        pbt.onTrialConfig("a", Map.of("lr", 0.01, "opt", Map.of("momentum", 0.9)));
        pbt.onTrialConfig("b", Map.of("lr", 0.1, "opt", Map.of("momentum", 0.6)));
        assertEquals(Decision.CONTINUE, pbt.onTrialResult("b", new Result("b", 1, 0, 0, Map.of("acc", 5.0))));
        Decision d = pbt.onTrialResult("a", new Result("a", 1, 0, 0, Map.of("acc", 1.0)));
        Decision.Exploit x = assertInstanceOf(Decision.Exploit.class, d);
        assertEquals("b", x.donorTrialId());
        double lr = ((Number) x.config().get("lr")).doubleValue();
        assertTrue(lr == 0.01 || lr == 1.0, "a neighbour of the donor's 0.1: " + lr);
        double m = ((Number) ((Map<?, ?>) x.config().get("opt")).get("momentum")).doubleValue();
        assertTrue(Math.abs(m - 0.72) < 1e-9 || Math.abs(m - 0.5) < 1e-9, "0.6 x 1.2 or 0.6 x 0.8 clipped to 0.5: " + m);
    }

    /**
     * The race of a chained exploit, forced: C exploits B while B still runs from the checkpoint it
     * borrowed from A; then B writes its own checkpoint (releasing its borrow) and A writes a newer
     * one, with one checkpoint kept per trial, before C loads. C must still find A's checkpoint: it
     * is pinned under A, the trial that wrote it (a pin under B's id left it to A's retention).
     */
    @Test
    void aChainedExploitKeepsTheCheckpointOfTheTrialThatWroteIt(@TempDir Path tmp) throws Exception {
        ScriptedExploits s = new ScriptedExploits();
        CountDownLatch bRestarted = new CountDownLatch(1), cRestarted = new CountDownLatch(1), cDone = new CountDownLatch(1);
        AtomicReference<String> cLoaded = new AtomicReference<>("nothing");
        AtomicBoolean cFoundItsCheckpoint = new AtomicBoolean();
        ResultGrid g = Tuner.builder(ctx -> {
                    String role = ctx.config().getString("role");
                    Optional<Checkpoint> from = ctx.checkpoint();
                    switch (role) {
                        case "a" -> {
                            report(ctx, "a", 1);
                            await(s.bOwnCheckpoint, "B's own checkpoint handled by the controller");
                            report(ctx, "a", 2); // with one kept, A's first goes unless a trial starting from it pins it
                            await(cDone, "C's end");
                        }
                        case "b" -> {
                            if (from.isEmpty()) {
                                await(s.aFirst, "A's first checkpoint handled by the controller");
                                report(ctx, "b", 1); // exploits A
                                awaitStop(ctx);
                            } else {
                                bRestarted.countDown();
                                await(cRestarted, "C's restart from B's latest checkpoint");
                                report(ctx, "b", 2); // B's own: releases the checkpoint it borrowed
                                await(cDone, "C's end");
                            }
                        }
                        default -> {
                            if (from.isEmpty()) {
                                await(bRestarted, "B's restart from A's checkpoint");
                                report(ctx, "c", 1); // exploits B, which has not checkpointed since its exploit
                                awaitStop(ctx);
                            } else {
                                cRestarted.countDown();
                                try {
                                    await(s.aSecond, "A's second checkpoint handled by the controller");
                                    Path p = from.get().path();
                                    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(2); // deletion is asynchronous
                                    while (Files.isDirectory(p) && System.nanoTime() < until) Thread.sleep(10);
                                    cFoundItsCheckpoint.set(Files.isDirectory(p));
                                    Map<String, Object> d = from.get().loadData();
                                    cLoaded.set(d.get("role") + "@" + d.get("step"));
                                    report(ctx, "c", 2);
                                } finally {
                                    cDone.countDown();
                                }
                            }
                        }
                    }
                })
                .paramSpace(Map.of("role", Domains.gridSearch("a", "b", "c")))
                .tuneConfig(TuneConfig.builder().metric("acc").mode(Mode.MAX).maxConcurrentTrials(3)
                        .searcher(Searchers.grid()).scheduler(s).build())
                .runConfig(TuneTestSupport.quiet("chain", tmp).withCheckpointConfig(CheckpointConfig.keepLatest(1)))
                .resources(dev.gale.gpu.ResourceSpec.ofCpus(0.25)) // all three at once, even on 1 core
                .build().fit();
        assertEquals(2, s.exploits, "B exploited A, then C exploited B");
        assertTrue(cFoundItsCheckpoint.get(), "A's first checkpoint was deleted before C, which starts from it, loaded it");
        assertEquals("a@1", cLoaded.get(), "C starts from the checkpoint B had borrowed from A");
        for (TrialSummary t : g.trials()) assertEquals(TrialStatus.TERMINATED, t.status(), t.trialId() + ": " + t.error());
    }

    private static void report(TrialContext ctx, String role, int step) throws Exception {
        ctx.report(Map.of("acc", (double) step), Checkpoint.ofData(Map.of("role", role, "step", step)));
    }

    private static void await(CountDownLatch l, String what) throws InterruptedException {
        if (!l.await(30, TimeUnit.SECONDS)) throw new AssertionError("no " + what + " within 30 s");
    }

    /** A trial told to exploit ends its run: the controller's stop reaches it within 30 s. */
    private static void awaitStop(TrialContext ctx) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!ctx.shouldStop()) {
            if (System.nanoTime() > until) throw new AssertionError(ctx.trialId() + " was not stopped to exploit within 30 s");
            Thread.sleep(5);
        }
    }

    /**
     * B exploits A at B's first result; C exploits B at C's first result. Counts down when the
     * controller has handled A's first and second and B's own checkpoint (retention has run).
     */
    private static final class ScriptedExploits implements TrialScheduler {
        final CountDownLatch aFirst = new CountDownLatch(1), aSecond = new CountDownLatch(1), bOwnCheckpoint = new CountDownLatch(1);
        final Map<String, String> roleOf = new HashMap<>(), idOf = new HashMap<>();
        int exploits;

        @Override
        public void setup(String metric, Mode mode) {
        }

        @Override
        public void onTrialConfig(String trialId, Map<String, Object> config) {
            roleOf.put(trialId, (String) config.get("role"));
            idOf.put((String) config.get("role"), trialId);
        }

        @Override
        public Decision onTrialResult(String trialId, Result result) {
            String role = roleOf.get(trialId);
            long it = result.iteration();
            if (role.equals("a")) (it == 1 ? aFirst : aSecond).countDown();
            if (role.equals("b") && it == 2) bOwnCheckpoint.countDown();
            if (it == 1 && !role.equals("a")) {
                exploits++;
                return new Decision.Exploit(idOf.get(role.equals("b") ? "a" : "b"), Map.of("role", role));
            }
            return Decision.CONTINUE;
        }
    }
}
