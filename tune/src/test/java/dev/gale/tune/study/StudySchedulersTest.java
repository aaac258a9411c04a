package dev.gale.tune.study;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gale.cluster.GaleNode;
import dev.gale.gpu.ResourceSpec;
import dev.gale.tune.Mode;
import dev.gale.tune.Result;
import dev.gale.tune.schedulers.AshaScheduler;
import dev.gale.tune.schedulers.Decision;
import dev.gale.tune.schedulers.HyperBandScheduler;
import dev.gale.tune.schedulers.PopulationBasedTraining;
import dev.gale.tune.schedulers.TrialScheduler;
import dev.gale.tune.search.Domain;
import dev.gale.tune.search.SearchSpace;
import dev.gale.tune.search.Searcher;
import dev.gale.tune.search.Searchers;
import dev.gale.tune.search.Suggestion;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 3's schedulers through the define-by-run API: synchronous Hyperband (pause at rungs,
 * resume with the same parameters from the trial's checkpoint), BOHB (per-budget TPE models fed by
 * define-by-run trials), population-based training (exploit = the donor's checkpoint and a new
 * configuration the objective sees when it asks again).
 */
class StudySchedulersTest {
    static GaleNode node;
    static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void start() {
        node = GaleNode.startEmbedded();
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    private static <T> List<T> list(Map<String, List<T>> m, String key) {
        return m.computeIfAbsent(key, k -> Collections.synchronizedList(new ArrayList<>()));
    }

    private static String bare(String studyTrialId) {
        return studyTrialId.substring(studyTrialId.indexOf('/') + 1);
    }

    private static List<Long> iterations(Path trialDir) throws Exception {
        List<Long> out = new ArrayList<>();
        for (String line : Files.readAllLines(trialDir.resolve("result.jsonl"))) {
            out.add(((Number) JSON.readValue(line, Map.class).get(Result.TRAINING_ITERATION)).longValue());
        }
        return out;
    }

    // ------------------------------------------------------------------ Hyperband

    /**
     * R = 9, eta = 3: the first bracket (s = 2) takes 9 trials with rungs 1, 3, 9. All 9 pause at
     * step 1; the best 3 (largest q) resume from their checkpoints to step 3 and pause; the best
     * one resumes to 9 and completes with its value. Every run of a trial asks q again and gets
     * the same value, and steps continue where the checkpoint left off.
     */
    @Test
    void hyperbandPausesAtRungsAndResumesWithTheSameParametersFromTheCheckpoint(@TempDir Path tmp) throws Exception {
        Map<String, List<Double>> askedPerRun = new ConcurrentHashMap<>();
        Map<String, List<Long>> steps = new ConcurrentHashMap<>();
        Study study = Study.builder().name("hb").storagePath(tmp).node(node).quiet(true).maxConcurrentTrials(3).seed(5)
                .pruner(HyperBandScheduler.builder().maxT(9).reductionFactor(3).build()).build();
        study.optimize(trial -> {
            double q = trial.suggestFloat("q", 0, 1);
            list(askedPerRun, trial.id()).add(q);
            long start = trial.lastCheckpoint().map(c -> ((Number) c.get("step")).longValue()).orElse(0L);
            double v = Double.NaN;
            for (long step = start + 1; step <= 9; step++) {
                v = (1 - q) + 1.0 / step;
                list(steps, trial.id()).add(step);
                trial.report(step, v, Map.of("step", step));
                if (trial.shouldPrune()) trial.prune();
                Thread.sleep(2);
            }
            return v;
        }, 9);

        List<FrozenTrial> trials = new ArrayList<>(study.trials());
        assertEquals(9, trials.size());
        trials.sort(Comparator.comparingDouble((FrozenTrial t) -> ((Number) t.params().get("q")).doubleValue()).reversed());
        for (int i = 0; i < trials.size(); i++) {
            FrozenTrial t = trials.get(i);
            String id = bare(t.id());
            double q = ((Number) t.params().get("q")).doubleValue();
            int runs = i == 0 ? 3 : i < 3 ? 2 : 1;
            List<Long> expectedSteps = new ArrayList<>();
            for (long s = 1; s <= (i == 0 ? 9 : i < 3 ? 3 : 1); s++) expectedSteps.add(s);
            assertEquals(expectedSteps, steps.get(id), "rank " + i + ": steps continue from the checkpoint, no step twice");
            assertEquals(Collections.nCopies(runs, q), askedPerRun.get(id), "rank " + i + ": every run gets the same q");
            assertEquals(i == 0 ? FrozenTrial.State.COMPLETE : FrozenTrial.State.PRUNED, t.state(), "rank " + i);
            // training_iteration continues too: 1..9 and the returned value as the 10th result
            List<Long> its = iterations(tmp.resolve("hb").resolve("optimize_1").resolve(id));
            List<Long> expectedIts = new ArrayList<>(expectedSteps);
            if (i == 0) expectedIts.add(10L);
            assertEquals(expectedIts, its, "rank " + i);
        }
        FrozenTrial best = trials.get(0);
        assertEquals(best, study.bestTrial(), "the trial that ran to max_t is the only completed one");
        assertEquals(1 - ((Number) best.params().get("q")).doubleValue() + 1.0 / 9, study.bestValue(), 1e-12);
    }

    /** Without a checkpoint a resumed objective starts again from its first step, with the same parameters. */
    @Test
    void hyperbandWithoutACheckpointRunsTheObjectiveAgainFromItsFirstStep(@TempDir Path tmp) throws Exception {
        // R = 3, eta = 3: bracket s = 1 takes 3 trials with rungs 1 and 3; the best one goes on
        Map<String, List<Double>> askedPerRun = new ConcurrentHashMap<>();
        Map<String, List<Long>> steps = new ConcurrentHashMap<>();
        Study study = Study.builder().name("hb0").storagePath(tmp).node(node).quiet(true).maxConcurrentTrials(3).seed(1)
                .pruner(HyperBandScheduler.builder().maxT(3).reductionFactor(3).build()).build();
        study.optimize(trial -> {
            double q = trial.suggestFloat("q", 0, 1);
            list(askedPerRun, trial.id()).add(q);
            assertTrue(trial.lastCheckpoint().isEmpty() && trial.checkpoint().isEmpty(), "nothing was checkpointed");
            double v = Double.NaN;
            for (long step = 1; step <= 3; step++) {
                v = (1 - q) + 1.0 / step;
                list(steps, trial.id()).add(step);
                trial.report(step, v);
                if (trial.shouldPrune()) trial.prune();
            }
            return v;
        }, 3);
        List<FrozenTrial> trials = new ArrayList<>(study.trials());
        trials.sort(Comparator.comparingDouble((FrozenTrial t) -> ((Number) t.params().get("q")).doubleValue()).reversed());
        FrozenTrial best = trials.get(0);
        double q = ((Number) best.params().get("q")).doubleValue();
        assertEquals(FrozenTrial.State.COMPLETE, best.state());
        assertEquals(List.of(1L, 1L, 2L, 3L), steps.get(bare(best.id())), "paused at 1, then run again from step 1 to 3");
        assertEquals(List.of(q, q), askedPerRun.get(bare(best.id())));
        assertEquals(List.of(1L, 1L, 2L, 3L, 4L), iterations(tmp.resolve("hb0").resolve("optimize_1").resolve(bare(best.id()))));
        for (FrozenTrial t : trials.subList(1, 3)) {
            assertEquals(FrozenTrial.State.PRUNED, t.state());
            assertEquals(List.of(1L), steps.get(bare(t.id())));
        }
    }

    // ------------------------------------------------------------------ BOHB

    /**
     * BOHB through optimize, one trial at a time (so the run is deterministic): 20 trials fill
     * brackets s = 2 (9 trials), s = 1 (5), s = 0 (3) and 3 trials of the next s = 2. The sampler's
     * per-budget models of "x" hold every result at each budget reached; the first 10 trials are
     * the sampler's random draws, and once budget 1 has 10 results (trial 10's first report) every
     * later trial is proposed by a model and lands near the optimum.
     */
    @Test
    void bohbModelsEachBudgetFromDefineByRunTrials(@TempDir Path tmp) throws Exception {
        Map<String, Long> lastStep = new ConcurrentHashMap<>();
        Study study = Study.builder().name("bohb").storagePath(tmp).node(node).quiet(true).maxConcurrentTrials(1).seed(11)
                .sampler(Searchers.bohb(9, 3)).pruner(Searchers.bohbScheduler(9, 3)).build();
        study.optimize(trial -> {
            double x = trial.suggestFloat("x", 0, 1);
            long start = trial.lastCheckpoint().map(c -> ((Number) c.get("step")).longValue()).orElse(0L);
            double v = Double.NaN;
            for (long step = start + 1; step <= 9; step++) {
                v = (x - 0.2) * (x - 0.2) + 1.0 / step;
                lastStep.put(trial.id(), step);
                trial.report(step, v, Map.of("step", step));
                if (trial.shouldPrune()) trial.prune();
            }
            return v;
        }, 20);
        List<FrozenTrial> trials = study.trials();
        assertEquals(20, trials.size());
        // brackets: 8 trials end at 1, 6 at 3, 6 run to 9 (1 + 1 + 3 + 1)
        Map<Long, Integer> endedAt = new java.util.TreeMap<>();
        for (FrozenTrial t : trials) endedAt.merge(lastStep.get(bare(t.id())), 1, Integer::sum);
        assertEquals(Map.of(1L, 8, 3L, 6, 9L, 6), endedAt);
        assertEquals(6, trials.stream().filter(t -> t.state() == FrozenTrial.State.COMPLETE).count());

        // the sampler's define-by-run models per budget: every trial reached 1, 12 reached 3, 6 reached 9
        Map<?, ?> state = JSON.readValue(tmp.resolve("bohb").resolve("study.json").toFile(), Map.class);
        Map<?, ?> sampler = (Map<?, ?>) state.get("sampler");
        assertEquals("bohb", sampler.get("name"));
        List<?> perBudget = (List<?>) ((Map<?, ?>) ((Map<?, ?>) sampler.get("state")).get("define_by_run_budgets")).get("x");
        assertEquals(List.of(20, 12, 6), perBudget.stream().map(b -> ((List<?>) b).size()).toList());

        // random draws for the first 10 trials, model proposals after
        Searcher fresh = Searchers.bohb(9, 3);
        fresh.setup(SearchSpace.of(Map.of()), Study.VALUE, Mode.MIN, Integer.MAX_VALUE, 11);
        Domain d = new Domain.Uniform(0, 1);
        double randomDist = 0; // of the random draws the later trials would have had
        double modelDist = 0;
        for (int i = 0; i < 20; i++) {
            FrozenTrial t = trials.get(i);
            double x = ((Number) t.params().get("x")).doubleValue();
            double r = ((Number) fresh.suggestParameter(t.id(), "x", d)).doubleValue();
            if (i < 10) {
                assertEquals(r, x, "trial " + (i + 1) + " is a random draw");
            } else {
                assertNotEquals(r, x, "trial " + (i + 1) + " comes from a budget model");
                modelDist += Math.abs(x - 0.2) / 10;
                randomDist += Math.abs(r - 0.2) / 10;
            }
        }
        System.out.printf("BOHB define-by-run, trials 11-20: mean |x - 0.2| %.3f from the models, %.3f for random draws%n",
                modelDist, randomDist);
        assertTrue(modelDist < randomDist, "model proposals nearer x = 0.2: " + modelDist + " vs random " + randomDist);
    }

    // ------------------------------------------------------------------ PBT

    static final List<Double> LRS = List.of(0.001, 0.01, 0.1, 1.0);

    static double quality(double lr) {
        return 1 - Math.abs(Math.log10(lr) + 1);
    }

    /** Gives trial n the learning rate LRS[(n - 1) mod 4], so the population is known. */
    static final class LrByTrial implements Searcher {
        @Override
        public void setup(SearchSpace space, String metric, Mode mode, int numSamples, long seed) {
        }

        @Override
        public Suggestion suggest(String trialId) {
            return new Suggestion.Config(new LinkedHashMap<>());
        }

        @Override
        public Object suggestParameter(String trialId, String name, Domain domain) {
            int n = Integer.parseInt(trialId.substring(trialId.lastIndexOf('_') + 1));
            return LRS.get((n - 1) % LRS.size());
        }

        @Override
        public Object save() {
            return Map.of();
        }

        @Override
        public void restore(Object state) {
        }
    }

    /** PBT, recording the exploits it decides. */
    static final class Recording implements TrialScheduler {
        final PopulationBasedTraining pbt;
        final Map<String, List<Decision.Exploit>> decided = new ConcurrentHashMap<>();

        Recording(PopulationBasedTraining pbt) {
            this.pbt = pbt;
        }

        @Override
        public void setup(String metric, Mode mode) {
            pbt.setup(metric, mode);
        }

        @Override
        public void onTrialConfig(String trialId, Map<String, Object> config) {
            pbt.onTrialConfig(trialId, config);
        }

        @Override
        public Decision onTrialResult(String trialId, Result result) {
            Decision d = pbt.onTrialResult(trialId, result);
            if (d instanceof Decision.Exploit x && !Boolean.TRUE.equals(result.metrics().get("final"))) {
                list(decided, bare(trialId)).add(x);
            }
            return d;
        }

        @Override
        public void onTrialComplete(String trialId, Result last) {
            pbt.onTrialComplete(trialId, last);
        }

        @Override
        public void onTrialError(String trialId) {
            pbt.onTrialError(trialId);
        }
    }

    record Run(double lr, String owner, long step, double acc) {
    }

    /**
     * The toy of PbtEndToEndTest: each step adds quality(lr) to an accumulated score (best at
     * lr = 0.1). Bottom-quantile trials exploit: their objective is run again, gets the donor's
     * checkpoint from lastCheckpoint() and, asking "lr" again, the new configuration's value.
     */
    @Test
    void pbtExploitGivesTheObjectiveTheDonorsCheckpointAndTheNewParameters(@TempDir Path tmp) {
        Recording pruner = new Recording(PopulationBasedTraining.builder().perturbationInterval(4).quantileFraction(0.25)
                .resampleProbability(0).mutate("lr", LRS).seed(3).build());
        Map<String, List<Run>> runs = new ConcurrentHashMap<>();
        Map<String, Double> reported = new ConcurrentHashMap<>(); // "owner@step" -> acc
        dev.gale.tune.Lockstep lockstep = new dev.gale.tune.Lockstep(4);
        Study study = Study.builder().name("pbt").storagePath(tmp).node(node).quiet(true).mode(Mode.MAX)
                .maxConcurrentTrials(4).resources(ResourceSpec.ofCpus(0.25)) // the whole population at once
                .sampler(new LrByTrial()).pruner(pruner).build();
        study.optimize(trial -> {
            double lr = trial.suggestCategorical("lr", LRS);
            Map<String, Object> ck = trial.lastCheckpoint().orElse(Map.of());
            double acc = ck.isEmpty() ? 0 : ((Number) ck.get("acc")).doubleValue();
            long step = ck.isEmpty() ? 0 : ((Number) ck.get("step")).longValue();
            list(runs, trial.id()).add(new Run(lr, (String) ck.get("owner"), step, acc));
            while (step < 16) {
                step++;
                acc += quality(lr);
                reported.put(trial.id() + "@" + step, acc);
                lockstep.before(trial.id(), step); // results independent of thread scheduling
                trial.report(step, acc, Map.of("acc", acc, "step", step, "owner", trial.id()));
                if (trial.shouldPrune()) trial.prune();
                Thread.sleep(20);
            }
            lockstep.finished(trial.id());
            return acc;
        }, 4);

        assertTrue(pruner.pbt.exploits() >= 1, "at least one exploit");
        assertEquals(4, study.trials().size());
        for (FrozenTrial t : study.trials()) {
            String id = bare(t.id());
            assertEquals(FrozenTrial.State.COMPLETE, t.state(), id + " ends with its returned value");
            List<Run> rs = runs.get(id);
            List<Decision.Exploit> xs = pruner.decided.getOrDefault(id, List.of());
            assertEquals(1 + xs.size(), rs.size(), id + ": one run more per exploit");
            assertEquals(LRS.get(Integer.parseInt(id.substring(id.lastIndexOf('_') + 1)) - 1), rs.get(0).lr());
            assertEquals(null, rs.get(0).owner(), "the first run starts without a checkpoint");
            for (int k = 0; k < xs.size(); k++) {
                Decision.Exploit x = xs.get(k);
                Run r = rs.get(k + 1);
                assertEquals(((Number) x.config().get("lr")).doubleValue(), r.lr(), id + " run " + (k + 2) + " asks lr and gets the new value");
                // the donor's latest checkpoint: one it wrote, or, when its own results since its last
                // exploit had not reached the controller yet, the one it inherited then (seen in a CI run)
                String donor = bare(x.donorTrialId());
                boolean inherited = runs.get(donor).stream().anyMatch(d -> r.owner().equals(d.owner()) && d.step() == r.step());
                assertTrue(donor.equals(r.owner()) || inherited, id + " run " + (k + 2) + " starts from the donor's checkpoint: donor "
                        + donor + ", got " + r.owner() + "@" + r.step() + ", the donor's runs " + runs.get(donor));
                assertNotEquals(id, donor, "a trial never exploits itself");
                assertEquals(reported.get(r.owner() + "@" + r.step()), r.acc(), "the donor's state at step " + r.step());
            }
            assertEquals(((Number) t.params().get("lr")).doubleValue(), rs.get(rs.size() - 1).lr(), "params are the last config");
        }
        assertTrue(pruner.decided.containsKey("trial_00001"), "the lr = 0.001 trial is the worst and exploits");
        assertFalse(pruner.decided.containsKey("trial_00003"), "the lr = 0.1 trial is always the best");
        // the lr = 0.1 trial runs its schedule unchanged and is the best (a trial that copied its
        // checkpoint at step 16 may tie with it)
        FrozenTrial third = study.trials().get(2);
        assertEquals(0.1, ((Number) third.params().get("lr")).doubleValue());
        assertEquals(16.0, third.value(), 1e-9);
        assertEquals(third.value(), study.bestValue());
    }

    // ------------------------------------------------------------------ ask and tell

    @Test
    void askAndTellRefusesAPauseWithAClearError(@TempDir Path tmp) {
        Study study = Study.builder().name("at-hb").storagePath(tmp)
                .pruner(HyperBandScheduler.builder().maxT(9).reductionFactor(3).build()).build();
        StudyTrial t = study.ask();
        double q = t.suggestFloat("q", 0, 1);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> t.report(1, q));
        assertTrue(e.getMessage().contains("pause") && e.getMessage().contains("optimize"), e.getMessage());
    }

    @Test
    void askAndTellRefusesAnExploitWithAClearError(@TempDir Path tmp) {
        TrialScheduler exploitAlways = new TrialScheduler() {
            @Override
            public void setup(String metric, Mode mode) {
            }

            @Override
            public Decision onTrialResult(String trialId, Result result) {
                return new Decision.Exploit("ask_0", Map.of("q", 0.5));
            }
        };
        Study study = Study.builder().name("at-pbt").storagePath(tmp).pruner(exploitAlways).build();
        StudyTrial t = study.ask();
        double q = t.suggestFloat("q", 0, 1);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> t.report(1, q));
        assertTrue(e.getMessage().contains("restart from another trial's checkpoint") && e.getMessage().contains("optimize"),
                e.getMessage());
    }

    /** A trial that reaches the pruner's maxT is not pruned: it completes with its value (Optuna's max_resource). */
    @Test
    void aTrialReachingMaxTIsNotPruned(@TempDir Path tmp) {
        Study study = Study.builder().name("at-asha").storagePath(tmp)
                .pruner(AshaScheduler.builder().maxT(4).gracePeriod(1).reductionFactor(2).build()).build();
        StudyTrial t = study.ask();
        double q = t.suggestFloat("q", 0, 1);
        for (int step = 1; step <= 4; step++) {
            t.report(step, q + step);
            assertFalse(t.shouldPrune(), "step " + step);
        }
        study.tell(t, q + 4);
        assertEquals(FrozenTrial.State.COMPLETE, study.trials().get(0).state());
    }

    /** BOHB's sampler in ask/tell (with an asynchronous pruner or none): random until a budget has 10 results, then its model. */
    @Test
    void bohbSamplerInAskAndTell(@TempDir Path tmp) {
        Study study = Study.builder().name("at-bohb").storagePath(tmp).seed(4).sampler(Searchers.bohb(9, 3)).build();
        Searcher fresh = Searchers.bohb(9, 3);
        fresh.setup(SearchSpace.of(Map.of()), Study.VALUE, Mode.MIN, Integer.MAX_VALUE, 4);
        Domain d = new Domain.Uniform(0, 1);
        double late = 0;
        double lateRandom = 0;
        for (int i = 0; i < 20; i++) {
            StudyTrial t = study.ask();
            double x = t.suggestFloat("x", 0, 1);
            double r = ((Number) fresh.suggestParameter(t.id(), "x", d)).doubleValue();
            if (i < 10) assertEquals(r, x, "trial " + i + " is random");
            else assertNotEquals(r, x, "trial " + i + " comes from the budget-1 model");
            if (i >= 10) {
                late += Math.abs(x - 0.2) / 10;
                lateRandom += Math.abs(r - 0.2) / 10;
            }
            int steps = i % 3 == 0 ? 9 : 1; // most trials stop after budget 1, as a pruner would
            double v = Double.NaN;
            for (int s = 1; s <= steps; s++) {
                v = (x - 0.2) * (x - 0.2) + 1.0 / s;
                t.report(s, v);
            }
            study.tell(t, v);
        }
        System.out.printf("BOHB ask/tell, trials 11-20: mean |x - 0.2| %.3f from the model, %.3f for random draws%n", late, lateRandom);
        assertTrue(late < lateRandom, "model proposals nearer 0.2: " + late + " vs random " + lateRandom);
    }
}
