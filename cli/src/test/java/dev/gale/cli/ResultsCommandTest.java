package dev.gale.cli;

import dev.gale.tune.Mode;
import dev.gale.tune.TrialStatus;
import dev.gale.tune.storage.ComponentState;
import dev.gale.tune.storage.ExperimentSnapshot;
import dev.gale.tune.storage.ResultRow;
import dev.gale.tune.storage.TrialSnapshot;
import dev.gale.tune.storage.internal.FileExperimentStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code gale results} of an experiment that did not finish: the counts by status and how to resume it. */
class ResultsCommandTest {
    @TempDir
    Path tmp;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private PrintStream oldOut;

    @BeforeEach
    void capture() {
        oldOut = System.out;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        System.setOut(oldOut);
    }

    private static Path experiment(Path dir, boolean finished, Map<String, Object> launch) {
        try (FileExperimentStore s = new FileExperimentStore(dir)) {
            TrialStatus[] st = finished ? new TrialStatus[] {TrialStatus.TERMINATED, TrialStatus.TERMINATED}
                    : new TrialStatus[] {TrialStatus.TERMINATED, TrialStatus.INTERRUPTED, TrialStatus.INTERRUPTED, TrialStatus.PENDING};
            double[] loss = {0.5, 0.01, 0.02, 0.9};
            java.util.List<TrialSnapshot> trials = new java.util.ArrayList<>();
            for (int i = 0; i < st.length; i++) {
                String id = String.format("trial_%05d", i + 1);
                s.trialConfig(id, Map.of("x", i));
                s.result(id, new ResultRow(id, 1, 1, 1, Map.of("loss", loss[i]), null));
                Map<String, Object> last = new LinkedHashMap<>();
                last.put("loss", loss[i]);
                last.put("training_iteration", 1);
                trials.add(new TrialSnapshot(id, st[i], Map.of("x", i), 1, 0, last, last, null, null, null));
            }
            s.snapshotNow(new ExperimentSnapshot(ExperimentSnapshot.VERSION, "exp", "loss", Mode.MIN, st.length, 1, finished, 1,
                    null, launch, new ComponentState("random", null), new ComponentState("fifo", null), 0, trials));
        }
        return dir;
    }

    @Test
    void anExperimentStartedByGaleTuneThatDidNotFinishNamesTheResumeCommand() {
        Path dir = experiment(tmp.resolve("cli"), false, Map.of(TuneCommand.ARGS_KEY, List.of("--class", "X")));
        assertEquals(0, Gale.execute("results", dir.toString()));
        String text = out.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("4 trials: 1 terminated, 0 error, 2 interrupted, 1 running/pending"), text);
        assertTrue(text.contains("best trial_00001 (min)"), "interrupted trials are not the best: " + text);
        assertTrue(text.contains("INTERRUPTED") && !text.contains("trial_00002 | TERMINATED"), text);
        assertTrue(text.contains("resume with: gale tune --resume " + dir), text);
    }

    @Test
    void aJavaRunNamesTunerRestoreAndAFinishedOneNothing() {
        Path java = experiment(tmp.resolve("java"), false, Map.of());
        assertEquals(0, Gale.execute("results", java.toString()));
        String text = out.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("resume with: Tuner.builder(...).restore(Path.of(\"" + java + "\")).build().fit()"), text);

        out.reset();
        Path done = experiment(tmp.resolve("done"), true, Map.of(TuneCommand.ARGS_KEY, List.of("--class", "X")));
        assertEquals(0, Gale.execute("results", done.toString()));
        text = out.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("2 trials: 2 terminated, 0 error, 0 interrupted, 0 running/pending"), text);
        assertFalse(text.contains("resume with"), text);
    }
}
