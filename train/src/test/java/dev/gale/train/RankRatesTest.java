package dev.gale.train;

import dev.gale.gpu.ResourceSpec;
import dev.gale.cluster.GaleNode;
import dev.gale.train.internal.RankRates;
import dev.gale.train.loops.RateLoop;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/** Each rank's reported samples/s reach the group's results (rank 0's reports), by rank. */
class RankRatesTest {
    @Test
    void eachRanksLatestFigureIsAttachedByRank() {
        RankRates r = new RankRates();
        Map<String, Object> m = new LinkedHashMap<>(Map.of("loss", 1.0));
        assertSame(m, r.attach(m), "nothing reported: the same map");
        r.note(1, Map.of(RankRates.KEY, 50.0));
        r.note(1, Map.of(RankRates.KEY, 60.0));
        r.note(2, Map.of(RankRates.KEY, Double.NaN));
        r.note(2, Map.of("loss", 2.0));
        r.note(0, Map.of(RankRates.KEY, 70));
        Map<String, Object> out = r.attach(m);
        assertEquals(Map.of("0", 70.0, "1", 60.0), out.get(RankRates.KEY));
        assertEquals(1.0, out.get("loss"));
        assertEquals(Map.of("loss", 1.0), m, "the report itself is not changed");
        r.clear();
        assertSame(m, r.attach(m));
    }

    @Test
    void aGroupsResultsCarryEveryRanksSamplesPerSecond(@TempDir Path dir) {
        try (GaleNode node = GaleNode.startEmbedded()) {
            TrainResult r = DataParallelTrainer.builder(RateLoop.class).node(node)
                    .scaling(ScalingConfig.of(2, ResourceSpec.ofCpus(0.5)))
                    .config("reports", 20)
                    .run(new TrainRunConfig("rates", dir, Duration.ofSeconds(30), Duration.ofSeconds(90)))
                    .build().fit();
            // rank 1 reported before the barrier, rank 0's 20 acknowledged reports came after it
            assertEquals(Map.of("0", 100.0, "1", 200.0), r.metrics().get(RankRates.KEY), r.metrics().toString());
            assertEquals(20, ((Number) r.metrics().get("step")).intValue());
        }
    }
}
