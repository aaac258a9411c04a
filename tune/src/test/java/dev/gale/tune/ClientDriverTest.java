package dev.gale.tune;

import dev.gale.cluster.GaleNode;
import dev.gale.tune.multinode.StepTrainable;
import dev.gale.tune.search.Domains;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A driver that joins an existing cluster as a client ({@code Tuner.address} or
 * {@code .node(GaleNode.connect(...))}): trials run on the cluster's nodes by class name, a
 * lambda is refused before anything runs, and a bad address names the field.
 */
class ClientDriverTest {
    static GaleNode node;

    @BeforeAll
    static void start() {
        node = TuneTestSupport.node(2);
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    static Map<String, Object> space() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("x", Domains.uniform(0, 1));
        s.put("steps", 2);
        s.put("sleep_ms", 10);
        return s;
    }

    @Test
    void trialsOfAClientDriverRunOnTheClustersNodes(@TempDir Path tmp) {
        ResultGrid g = Tuner.builder(StepTrainable.class).paramSpace(space())
                .tuneConfig(TuneConfig.builder().metric("loss").mode(Mode.MIN).numSamples(3).build())
                .runConfig(TuneTestSupport.quiet("via-address", tmp)).address(node.address()).build().fit();
        assertEquals(3, g.count(TrialStatus.TERMINATED), g.table());

        try (GaleNode client = GaleNode.connect(node.address())) {
            assertTrue(client.isClient());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tuner.builder(ctx -> { })
                    .paramSpace(space()).runConfig(TuneTestSupport.quiet("lambda", tmp)).node(client).build().fit());
            assertTrue(e.getMessage().contains("lambda") && e.getMessage().contains("Tuner.builder(MyTrainable.class)"),
                    e.getMessage());
            // an instance of a public class with a public no-arg constructor travels by its class name
            ResultGrid h = Tuner.builder(new StepTrainable()).paramSpace(space())
                    .runConfig(TuneTestSupport.quiet("instance", tmp)).node(client).build().fit();
            assertEquals(1, h.count(TrialStatus.TERMINATED), h.table());
        }
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> Tuner.builder(StepTrainable.class).address("no-port").build());
        assertTrue(bad.getMessage().contains("address"), bad.getMessage());
    }
}
