package dev.gale.tune;

import dev.gale.cluster.GaleNode;
import dev.gale.tune.search.Domains;
import dev.gale.tune.search.Searchers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static dev.gale.tune.TuneTestSupport.normalize;
import static dev.gale.tune.TuneTestSupport.readJson;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Same seed, random search, FIFO, one trial at a time: the same sequence of configs, run after run. */
class DeterminismTest {
    static GaleNode node;

    @BeforeAll
    static void start() {
        node = TuneTestSupport.node(2);
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    static final Map<String, Object> SPACE = Map.of(
            "lr", Domains.loguniform(1e-4, 1e-1),
            "dropout", Domains.uniform(0, 0.5),
            "opt", Domains.choice("adam", "sgd", "rmsprop"),
            "layers", Domains.randint(1, 8),
            "model", Map.of("width", Domains.qrandint(16, 256, 16), "act", "relu"));

    /** Runs the experiment; returns the configs in the order the trials ran. */
    static List<Object> run(Path tmp, String name, long seed, List<Map<String, Object>> seenInOrder) {
        ResultGrid g = Tuner.builder(ctx -> {
                    seenInOrder.add(ctx.config().asMap());
                    ctx.report(Map.of("loss", ctx.config().getDouble("lr") * ctx.config().getInt("layers")));
                })
                .paramSpace(SPACE)
                .tuneConfig(TuneConfig.builder().metric("loss").mode(Mode.MIN).numSamples(8).maxConcurrentTrials(1)
                        .seed(seed).searcher(Searchers.random()).build())
                .runConfig(TuneTestSupport.quiet(name, tmp))
                .node(node)
                .build().fit();
        assertEquals(8, g.count(TrialStatus.TERMINATED), g.table());
        List<Object> configs = new ArrayList<>();
        for (TrialSummary t : g.trials()) {
            configs.add(normalize(t.config()));
            assertEquals(normalize(t.config()), normalize(readJson(t.trialDir().resolve("params.json"))));
        }
        return configs;
    }

    @Test
    void sameSeedSameConfigsInTheSameOrder(@TempDir Path tmp) {
        List<Map<String, Object>> ran1 = new CopyOnWriteArrayList<>();
        List<Map<String, Object>> ran2 = new CopyOnWriteArrayList<>();
        List<Object> a = run(tmp, "a", 42, ran1);
        List<Object> b = run(tmp, "b", 42, ran2);
        assertEquals(a, b);
        assertEquals(ran1.stream().map(TuneTestSupport::normalize).toList(), ran2.stream().map(TuneTestSupport::normalize).toList(),
                "the trainable saw the same configs in the same order");
        assertEquals(a, ran1.stream().map(TuneTestSupport::normalize).toList(), "trials ran in creation order");
        assertTrue(new HashSet<>(a).size() > 1, "configs vary within a run");

        List<Object> c = run(tmp, "c", 43, new CopyOnWriteArrayList<>());
        assertNotEquals(a, c, "another seed gives other configs");
    }

    @Test
    void gridSearchEnumeratesEveryPointNumSamplesTimes(@TempDir Path tmp) {
        ResultGrid g = Tuner.builder(ctx -> ctx.report(Map.of("score", ctx.config().getInt("a") * 10 + ctx.config().getInt("b"))))
                .paramSpace(Map.of("a", Domains.gridSearch(1, 2, 3), "b", Domains.gridSearch(0, 1), "x", Domains.uniform(0, 1)))
                .tuneConfig(TuneConfig.builder().metric("score").mode(Mode.MAX).numSamples(2).maxConcurrentTrials(1).seed(1).build())
                .runConfig(TuneTestSupport.quiet("grid", tmp))
                .node(node)
                .build().fit();
        assertEquals(12, g.size());
        Map<List<Integer>, Integer> counts = new java.util.HashMap<>();
        for (TrialSummary t : g.trials()) {
            counts.merge(List.of(t.configView().getInt("a"), t.configView().getInt("b")), 1, Integer::sum);
        }
        assertEquals(6, counts.size());
        for (int n : counts.values()) assertEquals(2, n);
        assertEquals(31, g.best().metric("score"), 0);
    }
}
