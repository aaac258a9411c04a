package dev.gale.bench.quality;

import dev.gale.cluster.GaleNode;
import dev.gale.tune.search.Searchers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The harness's two drivers make the same calls: a run through Study.optimize and a direct run give the same trials. */
class GaleRunnerTest {

    @Test
    void studyAndDirectDriversGiveTheSameTrials(@TempDir Path tmp) {
        try (GaleNode node = GaleNode.startEmbedded()) {
            for (String fn : new String[]{"camel2", "cond-branch", "hartmann3-noisy"}) {
                BenchObjective f = BenchObjectives.byName(fn);
                GaleRunner.Run viaStudy = GaleRunner.study(f, "auto", 3, 24, node, tmp);
                GaleRunner.Run direct = GaleRunner.direct(f, Searchers.byName("auto"), 3, 24);
                assertArrayEquals(direct.truth(), viaStudy.truth(), fn);
                assertArrayEquals(direct.observed(), viaStudy.observed(), fn);
                assertEquals(Arrays.asList(direct.samplers()), Arrays.asList(viaStudy.samplers()), fn);
                assertEquals("random", viaStudy.samplers()[0]);
                assertFalse(Arrays.asList(viaStudy.samplers()).contains(null), Arrays.toString(viaStudy.samplers()));
            }
            try (var left = Files.list(tmp)) {
                assertEquals(0, left.count(), "the study directories are deleted");
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void regretIsTheTrueValueOfTheBestObservedTrial() {
        BenchObjective f = BenchObjectives.byName("hartmann3-noisy");
        GaleRunner.Run r = new GaleRunner.Run(new double[]{-1, -3, -2}, new double[]{-1.1, -2.5, -2.9}, new String[3], 0);
        assertEquals(f.regret(-1), r.regretAt(1, f), 0);
        assertEquals(f.regret(-3), r.regretAt(2, f), 0);
        assertEquals(f.regret(-2), r.regretAt(3, f), 0, "the third trial looked best, though its true value is worse");
        assertTrue(r.regretAt(3, f) > r.regretAt(2, f));
    }
}
