package dev.gale.tune.study;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gale.cluster.GaleNode;
import dev.gale.cluster.testkit.JvmProcess;
import dev.gale.tune.search.Searcher;
import dev.gale.tune.search.TpeSearcher;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A driver JVM running {@code study.optimize} is killed with {@code kill -9} mid-run; the study,
 * reopened in this JVM with {@code loadIfExists(true)}, lists the trials that had ended, and its
 * next {@code optimize} finishes the interrupted run without running an ended trial again, then
 * runs the new trials.
 */
class StudyCrashResumeTest {
    static final int FIRST = 6;
    static final int MORE = 2;
    static GaleNode node;

    @BeforeAll
    static void start() {
        node = GaleNode.startEmbedded();
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    @Test
    void anOptimizeKilledWithKill9IsResumedByTheReopenedStudy(@TempDir Path tmp) throws Exception {
        Path storage = tmp.resolve("studies");
        Files.createDirectories(storage);
        Path log = tmp.resolve("runs.log");
        Path exp = storage.resolve("crash").resolve("optimize_1");
        JvmProcess child = JvmProcess.builder(StudyDriverMain.class.getName()).name("study-driver")
                .args(List.of(storage.toString(), "crash", Integer.toString(FIRST), log.toString())).start();
        Set<String> endedAtKill;
        List<String> logAtKill;
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (ended(exp).size() < 2 || !Files.exists(exp.resolve("experiment_state.json"))) {
                assertTrue(System.nanoTime() < deadline && child.isAlive(), "the driver never ended 2 trials: " + child.describe());
                Thread.sleep(20);
            }
            child.kill();
            assertFalse(child.isAlive());
            endedAtKill = ended(exp);
            logAtKill = lines(log);
        } finally {
            child.close();
        }
        assertTrue(endedAtKill.size() < FIRST, "killed mid-run: " + endedAtKill);
        Map<String, String> xAtKill = new HashMap<>();
        for (String l : logAtKill) xAtKill.put(l.split(" ")[1], l.split(" ")[2]);

        int inSnapshot = 0;
        for (Object t : (List<?>) new ObjectMapper().readValue(exp.resolve("experiment_state.json").toFile(), Map.class).get("trials")) {
            if ("TERMINATED".equals(((Map<?, ?>) t).get("status"))) inSnapshot++;
        }
        System.out.println("killed with " + endedAtKill.size() + " trials ended (" + inSnapshot + " in the last snapshot), log: " + logAtKill);

        Searcher tpe = TpeSearcher.builder().nStartupTrials(3).build();
        Study study = StudyDriverMain.study(storage, "crash").sampler(tpe).node(node).loadIfExists(true).build();
        List<FrozenTrial> loaded = study.trials();
        Set<String> loadedIds = new LinkedHashSet<>();
        for (FrozenTrial t : loaded) {
            loadedIds.add(t.id());
            assertEquals(FrozenTrial.State.COMPLETE, t.state(), t.toString());
            String local = t.id().substring("optimize_1/".length());
            assertEquals(xAtKill.get(local), String.valueOf(t.params().get("x")), "the recorded parameters: " + t);
        }
        Set<String> expectedIds = new HashSet<>();
        for (String id : endedAtKill) expectedIds.add("optimize_1/" + id);
        assertEquals(expectedIds, loadedIds, "the trials that had ended are loaded");

        // the sampler learned every ended trial, also one that ended after the last snapshot (from the journal)
        StudyTrial probe = study.ask();
        probe.suggestFloat("x", 0, 1);
        study.tellFailed(probe, "probe");
        assertEquals(endedAtKill.size(), learnedX(tpe), "x observations of the reopened sampler");

        study.optimize(StudyDriverMain.objective(log), MORE);
        assertEquals(FIRST + MORE, learnedX(tpe), "each completed trial learned once");

        List<FrozenTrial> all = new ArrayList<>(study.trials());
        assertEquals("ask_1", all.remove(FIRST).id(), "the probe is listed after optimize_1, the run started before it");
        List<String> ids = all.stream().map(FrozenTrial::id).toList();
        List<String> expected = new ArrayList<>();
        for (int i = 1; i <= FIRST; i++) expected.add("optimize_1/trial_0000" + i);
        for (int i = 1; i <= MORE; i++) expected.add("optimize_2/trial_0000" + i);
        assertEquals(expected, ids, "the interrupted run finished its " + FIRST + " trials, then " + MORE + " new ones ran");
        for (FrozenTrial t : all) assertEquals(FrozenTrial.State.COMPLETE, t.state(), t.toString());
        for (FrozenTrial t : loaded) assertTrue(all.contains(t), "a trial ended before the kill is kept as it was: " + t);

        // what ran after the kill: the interrupted run's other trials once each, then the new ones
        List<String> after = lines(log).subList(logAtKill.size(), lines(log).size());
        assertEquals(FIRST - endedAtKill.size() + MORE, after.size(), "runs after the kill: " + after);
        Set<String> resumed = new HashSet<>();
        for (String l : after.subList(0, FIRST - endedAtKill.size())) {
            String id = l.split(" ")[1];
            assertFalse(endedAtKill.contains(id), id + " had ended before the kill and ran again: " + after);
            assertTrue(resumed.add(id), id + " ran twice after the kill: " + after);
        }

        // reopened once more, the study lists the same trials
        Study third = StudyDriverMain.study(storage, "crash").node(node).loadIfExists(true).build();
        assertEquals(study.trials(), third.trials());
    }

    /** How many (value, loss) rows the sampler's univariate model of "x" holds. */
    @SuppressWarnings("unchecked")
    static int learnedX(Searcher tpe) {
        Map<String, Object> st = (Map<String, Object>) tpe.save();
        Map<String, Object> dbr = (Map<String, Object>) st.getOrDefault("define_by_run", Map.of());
        return ((List<Object>) dbr.getOrDefault("x", List.of())).size();
    }

    /** Trial ids the experiment's journal records as ended. */
    static Set<String> ended(Path exp) throws IOException {
        Set<String> out = new HashSet<>();
        Path journal = exp.resolve("experiment_journal.jsonl");
        if (!Files.exists(journal)) return out;
        for (String line : Files.readAllLines(journal, StandardCharsets.UTF_8)) {
            // the journal records every transition: only endings count
            boolean ending = line.contains("\"status\":\"TERMINATED\"") || line.contains("\"status\":\"ERROR\"");
            int i = line.indexOf("\"trial_id\":\"");
            if (ending && i >= 0 && line.endsWith("}")) out.add(line.substring(i + 12, line.indexOf('"', i + 12)));
        }
        return out;
    }

    static List<String> lines(Path log) throws IOException {
        return Files.exists(log) ? Files.readAllLines(log, StandardCharsets.UTF_8) : List.of();
    }
}
