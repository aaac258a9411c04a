package dev.gale.cli;

import dev.gale.cli.testkit.GaleProcess;
import dev.gale.tune.ResultGrid;
import dev.gale.tune.TrialStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.MatchResult;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code gale} launcher script as a user runs it, in child processes ({@link GaleProcess}): a
 * tuning run, a bad option, and the test kit's own waits, signals and cleanup.
 */
@DisabledOnOs(OS.WINDOWS)
class GaleLauncherTest {
    static final Duration RUN = Duration.ofSeconds(180);

    @Test
    void tuneThroughTheLauncherPrintsTheTableAndWritesTheExperiment(@TempDir Path tmp) throws IOException {
        Files.writeString(tmp.resolve("space.yaml"), """
                x: {grid_search: [1.0, 3.0]}
                model:
                  layers: 2
                """);
        // relative paths: resolved against the directory gale runs in, not the repository
        try (GaleProcess gale = GaleProcess.builder("tune", "--class", QuadraticTrainable.class.getName(),
                        "--space", "space.yaml", "--metric", "loss", "--mode", "min", "--name", "launched",
                        "--storage-path", "results")
                .workingDirectory(tmp).home(tmp.resolve("home")).start()) {
            assertEquals(0, gale.waitFor(RUN), gale.describe());
            String out = gale.stdout();
            assertTrue(out.contains("trial_00001") && out.contains("trial_00002") && out.contains("TERMINATED"),
                    "the results table: " + gale.describe());
            Path dir = tmp.resolve("results").resolve("launched");
            assertTrue(out.contains("experiment directory: " + Path.of("results", "launched")), gale.describe());
            MatchResult best = gale.awaitLine("best (trial_\\d+): loss = ([0-9.]+)", Duration.ofSeconds(1));
            assertEquals("0.4", best.group(2), "x = 3: (3 - 3)^2 + 2 / 5: " + gale.describe());
            assertTrue(Files.isRegularFile(dir.resolve("experiment_state.json")), gale.describe());
            ResultGrid g = ResultGrid.load(dir);
            assertEquals(2, g.count(TrialStatus.TERMINATED), g.table());
            assertEquals(best.group(1), g.best().trialId());
            assertEquals(5, g.best().iterations());
        }
    }

    @Test
    void aBadOptionExitsWith2NamingTheOption(@TempDir Path tmp) {
        try (GaleProcess gale = GaleProcess.builder("tune", "--class", QuadraticTrainable.class.getName(), "--no-such-option")
                .workingDirectory(tmp).start()) {
            assertEquals(2, gale.waitFor(RUN), gale.describe());
            assertTrue(gale.stderr().contains("--no-such-option"), gale.describe());
        }
        try (GaleProcess gale = GaleProcess.builder("tune", "--class", QuadraticTrainable.class.getName(),
                "--isolation", "container").workingDirectory(tmp).start()) {
            assertEquals(2, gale.waitFor(RUN), gale.describe());
            assertTrue(gale.stderr().contains("--isolation 'container': use thread or process"), gale.describe());
        }
    }

    @Test
    void theKitWaitsWithDeadlinesSignalsAndCleansUp(@TempDir Path tmp) throws IOException {
        Files.writeString(tmp.resolve("space.json"), "{\"steps\": 3000}");
        GaleProcess gale = GaleProcess.builder("tune", "--class", SlowTrainable.class.getName(), "--space", "space.json",
                "--metric", "step", "--mode", "max", "--name", "slow", "--storage-path", tmp.toString(), "--isolation", "process")
                .workingDirectory(tmp).home(tmp.resolve("home")).name("slow").start();
        try {
            MatchResult running = gale.awaitLine("\\[gale\\] .*\\| (\\d+) RUNNING \\| best step=([0-9.]+)", RUN);
            assertEquals("1", running.group(1), gale.describe());
            assertTrue(gale.name().startsWith("slow-"));
            assertTrue(gale.stdoutFile().startsWith(Path.of("target", "gale-processes").toAbsolutePath()), gale.stdoutFile().toString());
            AssertionError notYet = assertThrows(AssertionError.class, () -> gale.waitFor(Duration.ofMillis(300)));
            assertTrue(notYet.getMessage().contains("still runs after 0.3 s") && notYet.getMessage().contains("running"),
                    notYet.getMessage());
            AssertionError noLine = assertThrows(AssertionError.class, () -> gale.awaitLine("never printed", Duration.ofMillis(200)));
            assertTrue(noLine.getMessage().contains("no line matching /never printed/ within 0.2 s"), noLine.getMessage());
            assertThrows(IllegalArgumentException.class, () -> gale.signal("STOP"));
            Path status = Path.of("/proc", Long.toString(gale.pid()), "status");
            if (Files.isReadable(status)) {
                String ignored = Files.readAllLines(status).stream().filter(l -> l.startsWith("SigIgn:")).findFirst().orElseThrow();
                long mask = Long.parseUnsignedLong(ignored.substring("SigIgn:".length()).strip(), 16);
                assertEquals(0, mask & (1L << (2 - 1) | 1L << (15 - 1)), "SIGINT and SIGTERM are not ignored: " + ignored);
            }
            long trialJvms = gale.process().descendants().count();
            assertTrue(trialJvms >= 1, "the isolated trial runs in a child JVM of the launcher");
        } finally {
            gale.close();
        }
        assertFalse(gale.isAlive());
        assertEquals(0, gale.process().descendants().filter(ProcessHandle::isAlive).count());
        gale.close(); // idempotent
    }

    @Test
    void killEndsTheLauncherWithTheSignalsStatus(@TempDir Path tmp) throws IOException {
        Files.writeString(tmp.resolve("space.json"), "{\"steps\": 3000}");
        try (GaleProcess gale = GaleProcess.builder("tune", "--class", SlowTrainable.class.getName(), "--space", "space.json",
                "--name", "killed", "--storage-path", tmp.toString()).workingDirectory(tmp).start()) {
            gale.awaitLine("\\| 1 RUNNING", RUN);
            gale.signal("KILL");
            assertEquals(128 + 9, gale.waitFor(Duration.ofSeconds(30)), gale.describe());
            AssertionError gone = assertThrows(AssertionError.class, () -> gale.signal("TERM"));
            assertTrue(gone.getMessage().contains("already exited"), gone.getMessage());
            AssertionError exited = assertThrows(AssertionError.class, () -> gale.awaitLine("never printed", RUN));
            assertTrue(exited.getMessage().contains("before " + gale.name() + " exited") && exited.getMessage().contains("exited with 137"),
                    exited.getMessage());
        }
    }
}
