package dev.gale.tune.internal;

import dev.gale.tune.Mode;
import dev.gale.tune.TrialStatus;
import dev.gale.tune.TrialSummary;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProgressReporterTest {
    private static TrialSummary trial(String id, TrialStatus st, double acc) {
        return new TrialSummary(id, st, Map.of("lr", 0.1), Map.of("acc", acc, "training_iteration", 3L), Map.of(),
                null, Path.of(id), null, 1);
    }

    private final List<TrialSummary> trials = List.of(trial("trial_00001", TrialStatus.RUNNING, 0.7),
            trial("trial_00002", TrialStatus.TERMINATED, 0.9), trial("trial_00003", TrialStatus.ERROR, 0.1));

    @Test
    void quietPrintsNothing() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        ProgressReporter r = new ProgressReporter(new PrintStream(buf), true, false, "acc", Mode.MAX, 0);
        r.update(trials, 1.0);
        r.done(trials, 2.0);
        assertEquals(0, buf.size());
    }

    @Test
    void plainLinesNameCountsAndBest() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        ProgressReporter r = new ProgressReporter(new PrintStream(buf, true, StandardCharsets.UTF_8), false, false, "acc", Mode.MAX, 0);
        r.update(trials, 1.0);
        r.done(trials, 2.0);
        String out = buf.toString(StandardCharsets.UTF_8);
        String[] lines = out.split("\n");
        assertEquals(2, lines.length, out);
        assertTrue(lines[0].contains("3 trials") && lines[0].contains("1 RUNNING") && lines[0].contains("1 TERMINATED")
                && lines[0].contains("1 ERROR"), lines[0]);
        assertTrue(lines[0].contains("best acc=0.90000 (trial_00002)"), lines[0]);
        assertTrue(lines[1].endsWith("(done)"), lines[1]);
        assertFalse(out.contains("\033["), "no ANSI codes when not a terminal");
    }

    @Test
    void liveTableRedrawsInPlace() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        ProgressReporter r = new ProgressReporter(new PrintStream(buf, true, StandardCharsets.UTF_8), false, true, "acc", Mode.MAX, 0);
        r.update(trials, 1.0);
        String first = buf.toString(StandardCharsets.UTF_8);
        assertTrue(first.contains("trial_00001") && first.contains("RUNNING"), first);
        assertFalse(first.contains("\033["), "nothing to erase on the first draw");
        r.update(trials, 2.0);
        String second = buf.toString(StandardCharsets.UTF_8).substring(first.length());
        assertTrue(second.startsWith("\033["), "second draw moves the cursor back up over the first");
    }
}
