package dev.gale.tune;

import dev.gale.cluster.GaleNode;
import dev.gale.tune.search.Domains;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.gale.tune.TuneTestSupport.lines;
import static dev.gale.tune.TuneTestSupport.normalize;
import static dev.gale.tune.TuneTestSupport.normalizeMap;
import static dev.gale.tune.TuneTestSupport.readJson;
import static dev.gale.tune.TuneTestSupport.readJsonl;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a finished experiment leaves on disk, and that {@link ResultGrid#load} reads it back as fit returned it. */
class ExperimentDirectoryTest {
    static final int REPORTS = 4;
    static GaleNode node;

    @BeforeAll
    static void start() {
        node = TuneTestSupport.node(4);
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    /** Reports REPORTS times; a checkpoint with the step at even steps. */
    static ResultGrid run(Path tmp, String name) {
        return Tuner.builder(ctx -> {
                    double x = ctx.config().getDouble("x");
                    for (int i = 1; i <= REPORTS; i++) {
                        Map<String, Object> m = Map.of("score", x * i, "i", i, "tag", "t" + i);
                        if (i % 2 == 0) ctx.report(m, Checkpoint.ofData(Map.of("step", i)));
                        else ctx.report(m);
                    }
                })
                .paramSpace(Map.of("x", Domains.uniform(0, 1), "opt", Domains.choice("adam", "sgd"),
                        "model", Map.of("depth", Domains.randint(1, 5), "act", "relu")))
                .tuneConfig(TuneConfig.builder().metric("score").mode(Mode.MAX).numSamples(3).seed(7).build())
                .runConfig(TuneTestSupport.quiet(name, tmp))
                .node(node)
                .build().fit();
    }

    @Test
    void layoutOfAFinishedExperiment(@TempDir Path tmp) throws IOException {
        ResultGrid grid = run(tmp, "layout");
        Path dir = tmp.resolve("layout");
        assertEquals(dir, grid.experimentDir());
        assertEquals(3, grid.size());
        assertEquals(3, grid.count(TrialStatus.TERMINATED));

        Map<String, Object> state = readJson(dir.resolve("experiment_state.json"));
        assertEquals(Boolean.TRUE, state.get("finished"));
        assertEquals("score", state.get("metric"));
        assertEquals("MAX", state.get("mode"));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> trials = (List<Map<String, Object>>) state.get("trials");
        assertEquals(3, trials.size());
        for (int k = 0; k < trials.size(); k++) {
            Map<String, Object> t = trials.get(k);
            TrialSummary s = grid.trials().get(k);
            assertEquals(s.trialId(), t.get("trial_id"));
            assertEquals("TERMINATED", t.get("status"));
            assertEquals(normalizeMap(s.config()), normalize(t.get("config")), "config of " + s.trialId());
        }
        assertFalse(Files.exists(dir.resolve("experiment_state.json.tmp")), "no temp file left behind");

        for (TrialSummary s : grid.trials()) {
            Path td = dir.resolve(s.trialId());
            assertEquals(td, s.trialDir());
            assertEquals(normalizeMap(s.config()), normalize(readJson(td.resolve("params.json"))), "params.json of " + s.trialId());
            assertTrue(s.config().get("model") instanceof Map, "nested config stays nested");
            double x = ((Number) s.config().get("x")).doubleValue();

            List<Map<String, Object>> rows = readJsonl(td.resolve("result.jsonl"));
            assertEquals(REPORTS, rows.size(), "one line per report");
            double lastTime = 0;
            long lastStamp = 0;
            for (int i = 1; i <= REPORTS; i++) {
                Map<String, Object> r = rows.get(i - 1);
                assertEquals(i, ((Number) r.get("training_iteration")).intValue());
                assertEquals(s.trialId(), r.get("trial_id"));
                assertEquals(x * i, ((Number) r.get("score")).doubleValue(), 1e-12);
                assertEquals(i, ((Number) r.get("i")).intValue());
                assertEquals("t" + i, r.get("tag"));
                double time = ((Number) r.get("time_total_s")).doubleValue();
                assertTrue(time >= lastTime, "time_total_s never decreases");
                lastTime = time;
                long stamp = ((Number) r.get("timestamp")).longValue();
                assertTrue(stamp >= lastStamp && stamp > 1_600_000_000_000L, "timestamp is epoch millis");
                lastStamp = stamp;
                if (i % 2 == 0) assertEquals(String.format("checkpoint_%06d", i), r.get("checkpoint"));
                else assertNull(r.get("checkpoint"));
            }

            List<String> csv = lines(td.resolve("progress.csv"));
            assertEquals(REPORTS + 1, csv.size(), "header + one row per report");
            List<String> header = Arrays.asList(csv.get(0).split(","));
            for (String col : List.of("score", "i", "tag", "training_iteration", "time_total_s", "timestamp", "trial_id")) {
                assertTrue(header.contains(col), "progress.csv has column " + col + ": " + header);
            }
            for (int i = 1; i <= REPORTS; i++) {
                String[] cells = csv.get(i).split(",", -1);
                assertEquals(header.size(), cells.length);
                assertEquals(Integer.toString(i), cells[header.indexOf("training_iteration")]);
                assertEquals(s.trialId(), cells[header.indexOf("trial_id")]);
            }

            for (int i = 1; i <= REPORTS; i++) {
                Path ck = td.resolve(String.format("checkpoint_%06d", i));
                if (i % 2 == 0) {
                    assertTrue(Files.isDirectory(ck), ck + " exists");
                    assertEquals(i, ((Number) new Checkpoint(ck).loadData().get("step")).intValue());
                } else {
                    assertFalse(Files.exists(ck));
                }
            }
            assertEquals(td.resolve(String.format("checkpoint_%06d", REPORTS)), s.checkpoint());
            assertEquals(REPORTS, ((Number) s.lastCheckpoint().orElseThrow().loadData().get("step")).intValue());
            assertFalse(Files.exists(td.resolve("error.txt")));
            try (var list = Files.list(td)) {
                assertTrue(list.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")), "no temp checkpoint left");
            }

            assertEquals(REPORTS, s.iterations());
            assertEquals(x * REPORTS, s.metric("score"), 1e-12);
            assertEquals(x * REPORTS, s.bestMetric("score"), 1e-12, "best result by score (MAX) is the last");
            assertNull(s.error());
            assertEquals(1, s.attempts());
        }

        TrialSummary best = grid.best();
        for (TrialSummary s : grid.trials()) assertTrue(best.metric("score") >= s.metric("score"));
    }

    @Test
    void loadGivesTheGridFitReturned(@TempDir Path tmp) {
        ResultGrid fitted = run(tmp, "reload");
        ResultGrid loaded = ResultGrid.load(tmp.resolve("reload"));
        assertEquals(fitted.metric(), loaded.metric());
        assertEquals(fitted.mode(), loaded.mode());
        assertEquals(fitted.size(), loaded.size());
        for (int k = 0; k < fitted.size(); k++) {
            TrialSummary a = fitted.trials().get(k);
            TrialSummary b = loaded.trials().get(k);
            assertEquals(a.trialId(), b.trialId());
            assertEquals(a.status(), b.status());
            assertEquals(normalizeMap(a.config()), normalizeMap(b.config()));
            assertEquals(normalizeMap(a.lastResult()), normalizeMap(b.lastResult()), "last result of " + a.trialId());
            assertEquals(normalizeMap(a.bestResult()), normalizeMap(b.bestResult()), "best result of " + a.trialId());
            assertEquals(a.iterations(), b.iterations());
            assertEquals(a.checkpoint(), b.checkpoint());
            assertEquals(a.attempts(), b.attempts());
            assertEquals(a.error(), b.error());
        }
        assertEquals(fitted.best().trialId(), loaded.best().trialId());
        assertEquals(fitted.best("i", Mode.MIN).trialId(), loaded.best("i", Mode.MIN).trialId());
    }

    @Test
    void loadWithoutStateFileReadsTrialDirectories(@TempDir Path tmp) throws IOException {
        ResultGrid fitted = run(tmp, "nostate");
        Path dir = tmp.resolve("nostate");
        Files.delete(dir.resolve("experiment_state.json"));
        ResultGrid loaded = ResultGrid.load(dir);
        assertEquals(fitted.size(), loaded.size());
        Map<String, TrialSummary> byId = new HashMap<>();
        for (TrialSummary t : loaded.trials()) byId.put(t.trialId(), t);
        for (TrialSummary a : fitted.trials()) {
            TrialSummary b = byId.get(a.trialId());
            assertNotNull(b, a.trialId());
            assertEquals(TrialStatus.TERMINATED, b.status());
            assertEquals(normalizeMap(a.config()), normalizeMap(b.config()));
            assertEquals(normalizeMap(a.lastResult()), normalizeMap(b.lastResult()));
        }
    }

    @Test
    void loadOfSomethingElseIsRejected(@TempDir Path tmp) throws IOException {
        Path empty = Files.createDirectory(tmp.resolve("empty"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ResultGrid.load(empty));
        assertTrue(e.getMessage().contains(empty.toString()), e.getMessage());

        Path other = Files.createDirectory(tmp.resolve("other"));
        Files.writeString(other.resolve("notes.txt"), "hello");
        Files.createDirectory(other.resolve("sub"));
        assertThrows(IllegalArgumentException.class, () -> ResultGrid.load(other));

        Path missing = tmp.resolve("missing");
        assertThrows(IllegalArgumentException.class, () -> ResultGrid.load(missing));

        Path file = Files.writeString(tmp.resolve("file.json"), "{}");
        assertInstanceOf(IllegalArgumentException.class, assertThrows(RuntimeException.class, () -> ResultGrid.load(file)));
    }
    @Test
    void trialsThatReportNothing(@TempDir Path tmp) {
        ResultGrid g = Tuner.builder(ctx -> { })
                .tuneConfig(TuneConfig.builder().metric("score").mode(Mode.MAX).numSamples(2).build())
                .runConfig(TuneTestSupport.quiet("silent", tmp))
                .node(node)
                .build().fit();
        assertEquals(2, g.count(TrialStatus.TERMINATED));
        for (TrialSummary t : g.trials()) {
            assertEquals(0, t.iterations());
            assertEquals(Map.of(), t.lastResult());
            assertFalse(Files.exists(t.trialDir().resolve("result.jsonl")));
            assertTrue(Files.exists(t.trialDir().resolve("params.json")));
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, g::best);
        assertTrue(e.getMessage().contains("score"), e.getMessage());
        ResultGrid loaded = ResultGrid.load(tmp.resolve("silent"));
        assertEquals(2, loaded.count(TrialStatus.TERMINATED));
        assertEquals(0, loaded.trials().getFirst().iterations());
    }

    @Test
    void checkpointDirectoriesAreCopiedBeforeReportReturns(@TempDir Path tmp) {
        ResultGrid g = Tuner.builder(ctx -> {
                    for (int i = 1; i <= 2; i++) {
                        Path src = Files.createTempDirectory("ck");
                        Files.createDirectories(src.resolve("sub/deeper"));
                        Files.writeString(src.resolve("model.bin"), "weights " + i);
                        Files.writeString(src.resolve("sub/deeper/opt.txt"), "opt " + i);
                        ctx.report(Map.of("score", i), Checkpoint.fromDirectory(src));
                        // the caller may delete its directory as soon as report returns
                        try (var w = Files.walk(src)) {
                            for (Path p : w.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(p);
                        }
                    }
                })
                .runConfig(TuneTestSupport.quiet("ckdir", tmp))
                .node(node)
                .build().fit();
        TrialSummary t = g.trials().getFirst();
        assertEquals(TrialStatus.TERMINATED, t.status(), g.table());
        for (int i = 1; i <= 2; i++) {
            Path ck = t.trialDir().resolve(String.format("checkpoint_%06d", i));
            assertEquals("weights " + i, TuneTestSupport.read(ck.resolve("model.bin")));
            assertEquals("opt " + i, TuneTestSupport.read(ck.resolve("sub/deeper/opt.txt")));
        }
        assertEquals(t.trialDir().resolve("checkpoint_000002"), t.checkpoint());
    }

    @Test
    void reportOfNullEndsTheTrialInError(@TempDir Path tmp) {
        ResultGrid g = Tuner.builder(ctx -> ctx.report(null))
                .runConfig(TuneTestSupport.quiet("nullreport", tmp))
                .node(node)
                .build().fit();
        TrialSummary t = g.trials().getFirst();
        assertEquals(TrialStatus.ERROR, t.status());
        assertTrue(t.error().contains("report(null)"), t.error());
    }
}
