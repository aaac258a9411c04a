package dev.gale.bench;

import dev.gale.bench.quality.BenchObjectives;
import dev.gale.bench.quality.GaleRunner;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The side-by-side harness's options, table and verdicts (Gale's side only, direct driver: no cluster, no Python). */
class VsOptunaBenchTest {

    @Test
    void optionsExpandGroupsAndCheckValues() {
        VsOptunaBench.Options o = VsOptunaBench.parse(List.of());
        List<String> issueFunctions = new java.util.ArrayList<>(BenchObjectives.all());
        issueFunctions.removeAll(BenchObjectives.DEVELOPMENT);
        assertEquals(issueFunctions, o.functions(), "the default run is the issue's functions, without the development ones");
        assertEquals(BenchObjectives.DEVELOPMENT, VsOptunaBench.parse(List.of("--functions", "development")).functions());
        assertEquals(VsOptunaBench.GALE_SAMPLERS, o.gale());
        assertEquals(20, o.seeds());
        assertEquals(List.of(50, 200), o.at());
        assertEquals(GaleRunner.Driver.STUDY, o.driver());
        assertFalse(o.parallelSides());
        VsOptunaBench.Options p = VsOptunaBench.parse(List.of("--functions", "held-out,branin", "--optuna", "none", "--driver", "direct",
                "--sides", "parallel", "--trials", "30"));
        assertEquals(BenchObjectives.HELD_OUT.size() + 1, p.functions().size());
        assertTrue(p.optuna().isEmpty());
        assertEquals(List.of(30), p.at());
        assertTrue(p.parallelSides());
        assertThrows(IllegalArgumentException.class, () -> VsOptunaBench.parse(List.of("--functions", "nosuch")));
        assertThrows(IllegalArgumentException.class, () -> VsOptunaBench.parse(List.of("--bogus", "1")));
        assertThrows(IllegalArgumentException.class, () -> VsOptunaBench.parse(List.of("--sides", "both")));
        assertThrows(IllegalArgumentException.class, () -> VsOptunaBench.parse(List.of("--seeds")));
    }

    @Test
    void printsTheTableAndTheVerdictsOfGalesSide() throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int rc = QualityBench.run(List.of("--vs-optuna", "--functions", "camel2,mixed", "--gale", "auto,random,nosuch", "--optuna", "none",
                "--driver", "direct", "--seeds", "2", "--trials", "30", "--at", "10,30"), new PrintStream(buf, true, StandardCharsets.UTF_8));
        String out = buf.toString(StandardCharsets.UTF_8);
        assertEquals(1, rc, "without Optuna a target cannot be checked: " + out);
        assertTrue(out.contains("not available: gale:nosuch"), out);
        assertTrue(out.contains("regret@10 mean ± s.e.") && out.contains("median@30"), out);
        for (String f : List.of("camel2", "mixed")) {
            assertTrue(out.lines().anyMatch(l -> l.startsWith(f + " ") && l.contains("gale:auto") && l.contains("random=")), out);
            assertTrue(out.lines().anyMatch(l -> l.startsWith(f + " (") && l.contains("Gale's best")), out);
        }
        assertTrue(out.contains("default vs Optuna: NOT checked (Optuna did not run)"), out);
    }

    @Test
    void aDevelopmentFunctionIsReportedButNotCountedInTheTargets() throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        QualityBench.run(List.of("--vs-optuna", "--functions", "camel2,schwefel2", "--gale", "auto,random", "--optuna", "none",
                "--driver", "direct", "--seeds", "2", "--trials", "20", "--at", "20"), new PrintStream(buf, true, StandardCharsets.UTF_8));
        String out = buf.toString(StandardCharsets.UTF_8);
        assertTrue(out.lines().anyMatch(l -> l.startsWith("schwefel2 ") && l.contains("development") && l.contains("gale:auto")), out);
        assertTrue(out.lines().anyMatch(l -> l.startsWith("schwefel2 (development)") && l.contains("(development: no target)")), out);
        assertTrue(out.lines().anyMatch(l -> l.startsWith("camel2 (tuning)") && l.contains("Gale's best") && !l.contains("development")), out);
        assertTrue(out.contains("default within 1.5x of Gale's best sampler on") && out.contains("of 1:"), "only camel2 counts: " + out);
    }

    @Test
    void ratiosTieAtZeroAndMediansAreMedians() {
        assertEquals(1.0, VsOptunaBench.ratio(0, 0), 0);
        assertEquals(2.0, VsOptunaBench.ratio(2, 1), 1e-9);
        assertEquals(2.0, VsOptunaBench.median(new double[]{5, 1, 2}), 0);
        assertEquals(1.5, VsOptunaBench.median(new double[]{2, 1}), 0);
    }
}
