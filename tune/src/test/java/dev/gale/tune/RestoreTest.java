package dev.gale.tune;

import dev.gale.cluster.GaleNode;
import dev.gale.tune.search.Domains;
import dev.gale.tune.search.Searchers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import static dev.gale.tune.TuneTestSupport.readJson;
import static dev.gale.tune.TuneTestSupport.readJsonl;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code Tuner.restore}: an experiment interrupted with one trial still running continues —
 * finished trials are not run again, the running one restarts from its last checkpoint without
 * recording an iteration twice, and the searcher continues its sequence from its saved state.
 * (The multi-JVM test kills a real driver; this one fakes the interruption by editing the files.)
 */
class RestoreTest {
    static final int STEPS = 4;
    static GaleNode node;

    @BeforeAll
    static void start() {
        node = TuneTestSupport.node(2);
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    record Run(String trialId, int attempt, Optional<Integer> fromStep) {
    }

    static Trainable counting(List<Run> runs) {
        return ctx -> {
            Optional<Integer> from = ctx.checkpoint().map(c -> ((Number) c.loadData().get("step")).intValue());
            runs.add(new Run(ctx.trialId(), ctx.attempt(), from));
            for (int i = from.orElse(0) + 1; i <= STEPS; i++) {
                ctx.report(Map.of("loss", ctx.config().getDouble("x") + 1.0 / i), Checkpoint.ofData(Map.of("step", i)));
            }
        };
    }

    static Tuner.Builder builder(Trainable t, int samples, String searcher) {
        return Tuner.builder(t).paramSpace(Map.of("x", Domains.uniform(0, 1)))
                .tuneConfig(TuneConfig.builder().metric("loss").mode(Mode.MIN).numSamples(samples).maxConcurrentTrials(1)
                        .searcher(Searchers.byName(searcher)).seed(7).build())
                .node(node);
    }

    @Test
    @SuppressWarnings("unchecked")
    void anInterruptedExperimentContinuesWhereItStopped(@TempDir Path tmp) throws Exception {
        List<Run> first = new CopyOnWriteArrayList<>();
        ResultGrid a = builder(counting(first), 3, "random").runConfig(TuneTestSupport.quiet("exp", tmp)).build().fit();
        assertEquals(3, a.count(TrialStatus.TERMINATED));
        Path dir = tmp.resolve("exp");

        // make it look as if the driver died while trial 3 ran, after its checkpoint at step 2
        Path stateFile = dir.resolve("experiment_state.json");
        Map<String, Object> st = readJson(stateFile);
        st.put("finished", false);
        for (Map<String, Object> t : (List<Map<String, Object>>) st.get("trials")) {
            if (t.get("trial_id").equals("trial_00003")) {
                t.put("status", "RUNNING");
                t.put("checkpoint", "checkpoint_000002");
                Map<String, Object> ck = new LinkedHashMap<>((Map<String, Object>) t.get("last_result"));
                ck.put("training_iteration", 2);
                t.put("checkpoint_result", ck);
            }
        }
        Files.write(stateFile, TuneTestSupport.JSON.writeValueAsBytes(st));
        Path journal = dir.resolve("experiment_journal.jsonl");
        List<String> kept = new ArrayList<>();
        for (String l : Files.readAllLines(journal)) if (!l.contains("trial_00003")) kept.add(l);
        Files.write(journal, kept, StandardCharsets.UTF_8);

        List<Run> second = new CopyOnWriteArrayList<>();
        ResultGrid b = builder(counting(second), 5, "random").restore(dir).output(System.out)
                .runConfig(TuneTestSupport.quiet("ignored", tmp)).build().fit();

        assertEquals(5, b.trials().size());
        assertEquals(5, b.count(TrialStatus.TERMINATED));
        assertTrue(second.stream().noneMatch(r -> r.trialId().equals("trial_00001") || r.trialId().equals("trial_00002")),
                "finished trials ran again: " + second);
        List<Run> third = second.stream().filter(r -> r.trialId().equals("trial_00003")).toList();
        assertEquals(1, third.size(), second.toString());
        assertEquals(Optional.of(2), third.getFirst().fromStep(), "trial 3 resumes from its checkpoint");
        List<Object> iterations = readJsonl(dir.resolve("trial_00003").resolve("result.jsonl")).stream()
                .map(m -> (Object) ((Number) m.get("training_iteration")).intValue()).toList();
        assertEquals(List.of(1, 2, 3, 4), iterations, "no iteration recorded twice");

        // the searcher continued its sequence: trials 4 and 5 got the configs an uninterrupted run gives them
        List<Run> whole = new CopyOnWriteArrayList<>();
        ResultGrid c = builder(counting(whole), 5, "random").runConfig(TuneTestSupport.quiet("whole", tmp)).build().fit();
        for (String id : List.of("trial_00004", "trial_00005")) {
            assertEquals(c.trial(id).orElseThrow().config(), b.trial(id).orElseThrow().config(), id);
        }
        assertEquals(Tuner.launchInfo(dir), Map.of());
    }

    @Test
    void restoringWithAnotherSearcherKindIsRefused(@TempDir Path tmp) {
        builder(counting(new ArrayList<>()), 1, "random").runConfig(TuneTestSupport.quiet("exp", tmp)).build().fit();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> builder(counting(new ArrayList<>()), 2, "tpe").restore(tmp.resolve("exp")).build().fit());
        assertTrue(e.getMessage().contains("searcher 'random'"), e.getMessage());
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
                () -> builder(counting(new ArrayList<>()), 2, "random").restore(tmp.resolve("nothing-here")).build().fit());
        assertTrue(none.getMessage().contains("experiment_state.json"), none.getMessage());
    }
}
