package dev.gale.tune;

import dev.gale.cluster.GaleNode;
import dev.gale.tune.search.Domains;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Two experiments at once on one node: their trials share names (trial_00001...) but never a work id. */
class TwoExperimentsOneNodeTest {
    static GaleNode node;

    @BeforeAll
    static void start() {
        node = TuneTestSupport.node(2);
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    static ResultGrid run(String name, Path tmp) {
        return Tuner.builder(ctx -> {
                    for (int i = 1; i <= 5; i++) {
                        ctx.report(Map.of("score", ctx.config().getDouble("x") + i));
                        Thread.sleep(20);
                    }
                })
                .paramSpace(Map.of("x", Domains.uniform(0, 1)))
                .tuneConfig(TuneConfig.builder().metric("score").mode(Mode.MAX).numSamples(3).build())
                .runConfig(TuneTestSupport.quiet(name, tmp))
                .node(node)
                .build().fit();
    }

    @Test
    void bothComplete(@TempDir Path tmp) throws Exception {
        CompletableFuture<ResultGrid> a = CompletableFuture.supplyAsync(() -> run("a", tmp));
        CompletableFuture<ResultGrid> b = CompletableFuture.supplyAsync(() -> run("b", tmp));
        assertEquals(3, a.get(120, TimeUnit.SECONDS).count(TrialStatus.TERMINATED));
        assertEquals(3, b.get(120, TimeUnit.SECONDS).count(TrialStatus.TERMINATED));
    }
}
