package dev.gale.cli;

import dev.gale.tune.ResultGrid;
import dev.gale.tune.TrialStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GaleCliTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream oldOut;
    private PrintStream oldErr;

    @BeforeEach
    void capture() {
        oldOut = System.out;
        oldErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        System.setOut(oldOut);
        System.setErr(oldErr);
    }

    @Test
    void tuneRunsATrainableClassOverASpaceFileThenResultsReloadsIt(@TempDir Path tmp) throws IOException {
        Path space = tmp.resolve("space.yaml");
        Files.writeString(space, """
                x: {uniform: [-10, 10]}
                model:
                  layers: {grid_search: [1, 2]}
                optimizer: adam
                """);
        int code = Gale.execute("tune", "--class", QuadraticTrainable.class.getName(), "--space", space.toString(),
                "--metric", "loss", "--mode", "min", "-n", "3", "--scheduler", "asha", "--max-t", "5",
                "--grace-period", "1", "--reduction-factor", "2", "--name", "cli", "--storage-path", tmp.toString(),
                "--quiet", "--seed", "7");
        assertEquals(0, code, err.toString());
        String text = out.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("best trial_"), text);
        Path dir = tmp.resolve("cli");
        ResultGrid g = ResultGrid.load(dir);
        assertEquals(6, g.size(), "grid of 2 x 3 samples");
        assertEquals(6, g.count(TrialStatus.TERMINATED));
        assertEquals("adam", g.trials().get(0).config().get("optimizer"));

        out.reset();
        assertEquals(0, Gale.execute("results", dir.toString()));
        String table = out.toString(StandardCharsets.UTF_8);
        assertTrue(table.contains("trial_00006") && table.contains("6 trials: 6 terminated, 0 error"), table);
        assertTrue(table.contains("best " + g.best().trialId()), table);
    }

    @Test
    void resumeContinuesAnInterruptedExperimentWithItsRecordedArguments(@TempDir Path tmp) throws IOException {
        Path space = tmp.resolve("space.json");
        Files.writeString(space, "{\"x\": {\"uniform\": [-10, 10]}, \"model\": {\"layers\": 2}}");
        int code = Gale.execute("tune", "--class", QuadraticTrainable.class.getName(), "--metric", "loss", "--mode", "min",
                "--space", space.toString(), "-n", "2", "--name", "first", "--storage-path", tmp.toString(), "--quiet", "--seed", "3");
        assertEquals(0, code, err.toString());
        Path dir = tmp.resolve("first");
        // the driver "died" while trial 2 ran: its ending is not recorded
        Path state = dir.resolve("experiment_state.json");
        Files.writeString(state, Files.readString(state).replace("\"TERMINATED\"", "\"RUNNING\""));
        Files.writeString(dir.resolve("experiment_journal.jsonl"),
                Files.readAllLines(dir.resolve("experiment_journal.jsonl")).getFirst() + "\n");
        out.reset();
        code = Gale.execute("tune", "--resume", dir.toString(), "--quiet");
        assertEquals(0, code, err.toString() + out);
        ResultGrid g = ResultGrid.load(dir);
        assertEquals(2, g.count(TrialStatus.TERMINATED), g.table());
        assertEquals(2, g.size());

        Files.createDirectories(tmp.resolve("other"));
        code = Gale.execute("tune", "--resume", tmp.resolve("other").toString());
        assertEquals(2, code);
        assertTrue(err.toString().contains("experiment_state.json"), err.toString());
    }

    @Test
    void isolationProcessRunsEachTrialInAChildJvm(@TempDir Path tmp) throws IOException {
        Path space = tmp.resolve("space.json");
        Files.writeString(space, "{\"x\": 1.0, \"model\": {\"layers\": 2}}");
        int code = Gale.execute("tune", "--class", QuadraticTrainable.class.getName(), "--space", space.toString(),
                "--metric", "loss", "--mode", "min", "--isolation", "process", "--name", "iso",
                "--storage-path", tmp.toString(), "--quiet");
        assertEquals(0, code, err.toString());
        assertTrue(Files.exists(tmp.resolve("iso").resolve("trial_00001").resolve("stdout.log")),
                "the child JVM's output is kept in the trial directory");
        code = Gale.execute("tune", "--class", QuadraticTrainable.class.getName(), "--isolation", "container",
                "--storage-path", tmp.toString(), "--quiet");
        assertEquals(2, code);
        assertTrue(err.toString().contains("--isolation 'container': use thread or process"), err.toString());
    }

    @Test
    void badInputNamesTheProblem(@TempDir Path tmp) throws IOException {
        Path space = tmp.resolve("space.json");
        Files.writeString(space, "{\"lr\": {\"loguniform\": [0, 1]}}");
        int code = Gale.execute("tune", "--class", QuadraticTrainable.class.getName(), "--space", space.toString(),
                "--storage-path", tmp.toString(), "--quiet");
        assertEquals(2, code);
        assertTrue(err.toString().contains("lr"), err.toString());
        assertTrue(Files.notExists(tmp.resolve("cli")), "nothing ran");

        err.reset();
        assertEquals(2, Gale.execute("results", tmp.resolve("nope").toString()));
        assertTrue(err.toString().contains("nope"), err.toString());

        err.reset();
        assertEquals(2, Gale.execute("tune", "--class", QuadraticTrainable.class.getName(), "--metric", "loss",
                "--storage-path", tmp.toString(), "--quiet"));
        assertTrue(err.toString().contains("mode"), err.toString());
    }
}
