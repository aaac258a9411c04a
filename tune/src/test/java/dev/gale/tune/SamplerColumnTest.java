package dev.gale.tune;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gale.cluster.GaleNode;
import dev.gale.tune.search.AutoSchedule;
import dev.gale.tune.search.AutoSearcher;
import dev.gale.tune.search.Domains;
import dev.gale.tune.search.SearchSpace;
import dev.gale.tune.search.Searcher;
import dev.gale.tune.study.Study;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Searcher#trialAttributes}: the controller writes a searcher's attributes of a trial into
 * every result row of that trial (result.jsonl, and so {@link ResultGrid#load}); the auto searcher
 * names the sampler that proposed each trial, through {@code Tuner} and through {@code Study}.
 */
class SamplerColumnTest {
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

    static AutoSearcher shortAuto() {
        return AutoSearcher.builder().numeric(AutoSchedule.parse("random:3,gp:6,cmaes")).build();
    }

    /** Every row of every trial's result.jsonl, by trial directory name (sorted). */
    static Map<String, List<Map<?, ?>>> rows(Path expDir) throws Exception {
        Map<String, List<Map<?, ?>>> out = new LinkedHashMap<>();
        try (var dirs = Files.list(expDir)) {
            for (Path d : dirs.filter(p -> Files.exists(p.resolve("result.jsonl"))).sorted(Comparator.comparing(Path::toString)).toList()) {
                List<Map<?, ?>> rs = new ArrayList<>();
                for (String line : Files.readAllLines(d.resolve("result.jsonl"))) if (!line.isBlank()) rs.add(JSON.readValue(line, Map.class));
                out.put(d.getFileName().toString(), rs);
            }
        }
        return out;
    }

    @Test
    void tunerRowsNameTheSamplerOfTheirTrial(@TempDir Path tmp) throws Exception {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("x", Domains.uniform(-5, 5));
        s.put("y", Domains.uniform(-5, 5));
        ResultGrid g = Tuner.builder(ctx -> {
                    double x = ctx.config().getDouble("x"), y = ctx.config().getDouble("y");
                    ctx.report(Map.of("loss", x * x + y * y + 1));
                    ctx.report(Map.of("loss", x * x + y * y));
                })
                .paramSpace(SearchSpace.of(s))
                .tuneConfig(TuneConfig.builder().metric("loss").mode(Mode.MIN).numSamples(10).maxConcurrentTrials(1)
                        .searcher(shortAuto()).seed(4).build())
                .runConfig(new RunConfig("column", tmp, true, 200))
                .node(node)
                .build().fit();
        assertEquals(10, g.count(TrialStatus.TERMINATED));
        Map<String, List<Map<?, ?>>> rows = rows(g.experimentDir());
        assertEquals(10, rows.size());
        List<String> expected = List.of("random", "random", "random", "gp", "gp", "gp", "cmaes", "cmaes", "cmaes", "cmaes");
        int i = 0;
        for (Map.Entry<String, List<Map<?, ?>>> e : rows.entrySet()) {
            assertEquals(2, e.getValue().size(), e.getKey());
            for (Map<?, ?> r : e.getValue()) assertEquals(expected.get(i), r.get("sampler"), e.getKey() + " row " + r);
            i++;
        }
        ResultGrid loaded = ResultGrid.load(g.experimentDir());
        for (TrialSummary t : loaded.trials()) {
            assertTrue(List.of("random", "gp", "cmaes").contains(t.lastResult().get("sampler")), t.trialId() + " " + t.lastResult());
            // the grid fit() returned shows the same column
            assertEquals(t.lastResult().get("sampler"), g.trial(t.trialId()).orElseThrow().lastResult().get("sampler"), t.trialId());
            assertEquals(t.lastResult().get("sampler"), g.trial(t.trialId()).orElseThrow().bestResult().get("sampler"), t.trialId());
        }
    }

    @Test
    void aResultsOwnKeyIsNotOverwritten(@TempDir Path tmp) throws Exception {
        Searcher random = dev.gale.tune.search.Searchers.random();
        Searcher tagging = new Searcher() {
            @Override
            public void setup(SearchSpace space, String metric, Mode mode, int numSamples, long seed) {
                random.setup(space, metric, mode, numSamples, seed);
            }

            @Override
            public dev.gale.tune.search.Suggestion suggest(String trialId) {
                return random.suggest(trialId);
            }

            @Override
            public Object save() {
                return random.save();
            }

            @Override
            public void restore(Object state) {
                random.restore(state);
            }

            @Override
            public Map<String, Object> trialAttributes(String trialId) {
                return Map.of("sampler", "mine", "origin", "tagged:" + trialId);
            }
        };
        ResultGrid g = Tuner.builder(ctx -> ctx.report(Map.of("loss", 1.0, "sampler", "reported")))
                .paramSpace(SearchSpace.of(Map.of("x", Domains.uniform(0, 1))))
                .tuneConfig(TuneConfig.builder().metric("loss").mode(Mode.MIN).numSamples(2).searcher(tagging).build())
                .runConfig(new RunConfig("own", tmp, true, 200))
                .node(node)
                .build().fit();
        for (Map.Entry<String, List<Map<?, ?>>> e : rows(g.experimentDir()).entrySet()) {
            Map<?, ?> r = e.getValue().getFirst();
            assertEquals("reported", r.get("sampler"));
            assertEquals("tagged:" + e.getKey(), r.get("origin"));
        }
    }

    @Test
    void studyRowsNameTheSamplerOfTheirTrial(@TempDir Path tmp) throws Exception {
        Study study = Study.builder().name("col").storagePath(tmp).node(node).quiet(true).maxConcurrentTrials(1)
                .sampler(new AutoSearcher()).seed(3).build();
        ResultGrid g = study.optimize(t -> {
            double x = t.suggestFloat("x", -5, 5);
            return (x - 1) * (x - 1);
        }, 13);
        List<Object> used = new ArrayList<>();
        for (List<Map<?, ?>> rs : rows(g.experimentDir()).values()) used.add(rs.getLast().get("sampler"));
        assertEquals(13, used.size());
        for (int i = 0; i < 13; i++) {
            // a numeric space: the first trial tells the names, then CMA-ES and (from 10 trials learned) the GP
            if (i == 0) assertEquals("random", used.get(i), "trial " + (i + 1) + " of " + used);
            else if (i < 10) assertEquals("cmaes", used.get(i), "trial " + (i + 1) + " of " + used);
            else assertTrue(List.of("cmaes", "gp").contains(used.get(i)), "trial " + (i + 1) + " of " + used);
        }
    }
}
