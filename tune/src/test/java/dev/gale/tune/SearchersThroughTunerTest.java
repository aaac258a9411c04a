package dev.gale.tune;

import dev.gale.cluster.GaleNode;
import dev.gale.tune.search.Domains;
import dev.gale.tune.search.SearchSpace;
import dev.gale.tune.search.Searchers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every named searcher drives the Tuner over a mixed space, and every config it produces respects the space. */
class SearchersThroughTunerTest {
    static GaleNode node;

    @BeforeAll
    static void start() {
        node = GaleNode.startEmbedded();
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    static Stream<String> names() {
        return Searchers.NAMES.stream();
    }

    @ParameterizedTest
    @MethodSource("names")
    void runsThroughTheTuner(String name, @TempDir Path tmp) {
        SearchSpace space = SearchSpace.of(Map.of(
                "x", Domains.uniform(-5, 5),
                "lr", Domains.loguniform(1e-4, 1e-1),
                "n", Domains.randint(1, 11),
                "c", Domains.choice("a", "b", "c"),
                "model", Map.of("width", Domains.qrandint(16, 128, 16))));
        ResultGrid g = Tuner.builder(ctx -> {
                    double x = ctx.config().getDouble("x");
                    int n = ctx.config().getInt("n");
                    ctx.report(Map.of("loss", (x - 1) * (x - 1) + (n - 3) * (n - 3)));
                })
                .paramSpace(space)
                .tuneConfig(TuneConfig.builder().metric("loss").mode(Mode.MIN).numSamples(24).maxConcurrentTrials(2)
                        .searcher(Searchers.byName(name)).seed(5).build())
                .runConfig(new RunConfig(name, tmp, true, 200))
                .node(node)
                .build().fit();
        assertEquals(24, g.count(TrialStatus.TERMINATED), name);
        for (TrialSummary t : g.trials()) {
            Config c = t.configView();
            assertTrue(c.getDouble("x") >= -5 && c.getDouble("x") < 5, name + " x " + c);
            assertTrue(c.getDouble("lr") >= 1e-4 && c.getDouble("lr") <= 1e-1, name + " lr " + c);
            assertTrue(c.getInt("n") >= 1 && c.getInt("n") <= 10, name + " n " + c);
            assertTrue(java.util.List.of("a", "b", "c").contains(c.getString("c")), name + " c " + c);
            int w = c.getInt("model.width");
            assertTrue(w >= 16 && w <= 128 && w % 16 == 0, name + " width " + c);
        }
    }
}
