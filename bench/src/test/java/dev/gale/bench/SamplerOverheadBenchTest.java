package dev.gale.bench;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Table shape only: speed is never asserted. */
class SamplerOverheadBenchTest {

    @Test
    void randomFor200TrialsPrintsTheTable() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        SamplerOverheadBench.run(List.of("--samplers", "random,no-such-sampler", "--trials", "200"),
                new PrintStream(buf, true, StandardCharsets.UTF_8));
        String out = buf.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("not available: no-such-sampler"), out);
        List<String> rows = out.lines().filter(l -> l.startsWith("random ")).toList();
        assertEquals(1, rows.size(), out);
        String[] cells = rows.get(0).split("\\|");
        assertEquals("1-100", cells[1].trim());
        double ms = Double.parseDouble(cells[2].trim());
        assertTrue(Double.isFinite(ms) && ms >= 0, rows.get(0));
    }

    @Test
    void windowsFitTheTrialCount() {
        assertEquals("[1-100, 901-1000, 4901-5000]", SamplerOverheadBench.windows("tpe", 5000).toString());
        assertEquals("[1-100, 901-1000]", SamplerOverheadBench.windows("cmaes", 1000).toString());
        assertEquals("[1-100, 401-500]", SamplerOverheadBench.windows("gp", 500).toString());
        assertEquals("[1-50]", SamplerOverheadBench.windows("random", 50).toString());
    }

    @Test
    void timesEveryTrial() {
        long[] t = SamplerOverheadBench.timeTrials("random", 30, 1);
        assertEquals(30, t.length);
        for (long x : t) assertTrue(x >= 0);
    }

    @Test
    void theCategoricalSpaceRunsAutoOnTpe() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        SamplerOverheadBench.run(List.of("--samplers", "auto", "--trials", "120", "--warmup", "0", "--repeats", "1", "--space", "categorical"),
                new PrintStream(buf, true, StandardCharsets.UTF_8));
        String out = buf.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("5 choices of 4 values"), out);
        assertEquals(1, out.lines().filter(l -> l.startsWith("auto ") && l.split("\\|")[1].trim().equals("1-100")).count(), out);
        assertTrue(out.contains("not checked (ran 120 trials)"), out);
        // the space is one where auto's schedule is the categorical one (random, then TPE)
        dev.gale.tune.search.AutoSearcher a = new dev.gale.tune.search.AutoSearcher();
        a.setup(SamplerOverheadBench.Space.CATEGORICAL.space(), "value", dev.gale.tune.Mode.MIN, 5000, 1);
        assertEquals(dev.gale.tune.search.AutoSearcher.DEFAULT_CATEGORICAL, a.schedule().toString());
        assertThrows(IllegalArgumentException.class, () -> SamplerOverheadBench.run(List.of("--space", "mixed"), System.out));
    }

    @Test
    void theRuggedSpaceEngagesAutosTpeArm() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        SamplerOverheadBench.run(List.of("--samplers", "auto", "--trials", "200", "--warmup", "0", "--repeats", "1", "--space", "rugged"),
                new PrintStream(buf, true, StandardCharsets.UTF_8));
        String out = buf.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("Schwefel's function"), out);
        assertEquals(1, out.lines().filter(l -> l.startsWith("auto ") && l.split("\\|")[1].trim().equals("1-100")).count(), out);
        // the space is one where auto's TPE arm proposes trials
        dev.gale.tune.search.AutoSearcher a = new dev.gale.tune.search.AutoSearcher();
        a.setup(SamplerOverheadBench.Space.RUGGED.space(), "value", dev.gale.tune.Mode.MIN, 5000, 1);
        int tpe = 0;
        for (int i = 0; i < 200; i++) {
            String id = "t" + i;
            var c = ((dev.gale.tune.search.Suggestion.Config) a.suggest(id)).config();
            if ("tpe".equals(a.trialAttributes(id).get("sampler"))) tpe++;
            var r = new dev.gale.tune.Result(id, 1, 0, 0, java.util.Map.of("value", SamplerOverheadBench.Space.RUGGED.evaluate(c)));
            a.onTrialComplete(id, r, false);
        }
        assertTrue(tpe > 20, "auto's TPE arm proposed " + tpe + " of 200 trials in the rugged space");
    }

    @Test
    void defineByRunAsksEachParameter() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        SamplerOverheadBench.run(List.of("--samplers", "auto", "--define-by-run", "--trials", "100", "--warmup", "0", "--repeats", "1", "--space", "categorical"),
                new PrintStream(buf, true, StandardCharsets.UTF_8));
        String out = buf.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("define-by-run, 5 choices"), out);
        assertEquals(1, out.lines().filter(l -> l.startsWith("auto ") && l.split("\\|")[1].trim().equals("1-100")).count(), out);
        long[] t = SamplerOverheadBench.timeTrials("auto", SamplerOverheadBench.Space.CATEGORICAL, true, 30, 1);
        assertEquals(30, t.length);
    }

    @Test
    void rejectsUnknownOptions() {
        assertThrows(IllegalArgumentException.class, () -> SamplerOverheadBench.run(List.of("--fast", "1"), System.out));
    }
}
