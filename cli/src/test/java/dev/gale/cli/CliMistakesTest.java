package dev.gale.cli;

import dev.gale.cli.testkit.GaleProcess;
import dev.gale.tune.schedulers.Schedulers;
import dev.gale.tune.search.Searchers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Mistakes a new user makes are caught by {@code gale} (the launcher, in child processes) before
 * anything starts: exit 2, one message naming the parameter or class and the CLI option that fixes
 * it (never a Java call), and nothing created on disk.
 */
@DisabledOnOs(OS.WINDOWS)
class CliMistakesTest {
    static final Duration RUN = Duration.ofSeconds(120);

    /** Runs {@code gale args} in {@code tmp} with its own home and returns its standard error; asserts exit 2. */
    private static String refused(Path tmp, String... args) {
        try (GaleProcess gale = GaleProcess.builder(args).workingDirectory(tmp).home(tmp.resolve("home")).start()) {
            assertEquals(2, gale.waitFor(RUN), gale.describe());
            String err = gale.stderr().strip();
            assertTrue(err.startsWith("gale: "), gale.describe());
            assertEquals(1, err.lines().count(), "one line, no stack trace: " + gale.describe());
            for (String java : List.of("RunConfig", "TuneConfig", "Mode.", "mode(", "builder()", "numSamples", "Scheduler needs")) {
                assertFalse(err.contains(java), "names a Java call (" + java + "), not an option: " + err);
            }
            return err;
        }
    }

    /** Nothing written: no results directory, no experiment, and the home holds no gale_results. */
    private static void nothingOnDisk(Path tmp) throws IOException {
        assertFalse(Files.exists(tmp.resolve("results")), "no results directory");
        Path home = tmp.resolve("home");
        if (Files.exists(home)) {
            try (Stream<Path> s = Files.walk(home)) {
                List<Path> made = s.filter(p -> p.toString().contains("gale_results")).toList();
                assertTrue(made.isEmpty(), "nothing under the home's gale_results: " + made);
            }
        }
    }

    @Test
    void anUnknownOrMisspelledDomainListsTheKnownOnesAndAConstantMapStaysPossible(@TempDir Path tmp) throws IOException {
        Files.writeString(tmp.resolve("normal.yaml"), "x: {normal: [0, 1]}\n");
        Files.writeString(tmp.resolve("typo.json"), "{\"model\": {\"lr\": {\"unifrom\": [0.001, 0.1]}}, \"x\": 1.0}");
        String err = refused(tmp, "tune", "--class", QuadraticTrainable.class.getName(), "--space", "normal.yaml",
                "--storage-path", "results");
        assertTrue(err.contains("'x'") && err.contains("unknown domain 'normal'") && err.contains("uniform, loguniform")
                && err.contains("grid_search") && err.contains("{const: {normal: ...}}"), err);
        err = refused(tmp, "tune", "--class", QuadraticTrainable.class.getName(), "--space", "typo.json", "--storage-path", "results");
        assertTrue(err.contains("'model.lr'") && err.contains("unknown domain 'unifrom' (did you mean 'uniform'?)"), err);
        nothingOnDisk(tmp);

        // a nested constant written with const: taken verbatim
        Files.writeString(tmp.resolve("const.yaml"), """
                x: 3.0
                model: {const: {layers: 2}}
                shape: {const: {sizes: [64, 64]}}
                """);
        try (GaleProcess gale = GaleProcess.builder("tune", "--class", QuadraticTrainable.class.getName(), "--space", "const.yaml",
                "--storage-path", "results", "--name", "c", "-q", "--seed", "1").workingDirectory(tmp).home(tmp.resolve("home")).start()) {
            assertEquals(0, gale.waitFor(RUN), gale.describe());
        }
        String params = Files.readString(tmp.resolve("results").resolve("c").resolve("trial_00001").resolve("params.json"));
        assertTrue(params.replaceAll("\\s", "").contains("\"model\":{\"layers\":2}")
                && params.replaceAll("\\s", "").contains("\"shape\":{\"sizes\":[64,64]}"), params);
    }

    @Test
    void aTrainableThatIsMissingOrNotATrainableFailsBeforeTheClusterStartsNamingClasspath(@TempDir Path tmp) throws IOException {
        String err = refused(tmp, "tune", "--class", "com.example.NoSuchTrainable", "--storage-path", "results");
        assertTrue(err.contains("--class com.example.NoSuchTrainable: no such class on the classpath")
                && err.contains("--classpath PATH") && err.contains("GALE_CLASSPATH"), err);
        err = refused(tmp, "tune", "--class", "java.lang.String", "--storage-path", "results");
        assertTrue(err.contains("--class java.lang.String is not a Trainable") && err.contains("dev.gale.tune.Trainable"), err);
        err = refused(tmp, "tune", "--class", "com.example.NoSuchTrainable", "--classpath", "missing.jar");
        assertTrue(err.contains("--classpath missing.jar: no such file or directory"), err);
        nothingOnDisk(tmp);
    }

    @Test
    void messagesNameCliOptionsNotJavaCalls(@TempDir Path tmp) throws IOException {
        String cls = QuadraticTrainable.class.getName();
        String err = refused(tmp, "tune", "--class", cls, "--metric", "loss", "--storage-path", "results");
        assertTrue(err.contains("pass --mode min or --mode max"), err);
        err = refused(tmp, "tune", "--class", cls, "--scheduler", "asha", "--storage-path", "results");
        assertTrue(err.contains("--scheduler asha needs a metric: pass --metric"), err);
        err = refused(tmp, "tune", "--class", cls, "-n", "0", "--storage-path", "results");
        assertTrue(err.contains("--num-samples 0"), err);
        err = refused(tmp, "tune", "--class", cls, "--mode", "lowest", "--storage-path", "results");
        assertTrue(err.contains("--mode 'lowest'"), err);
        nothingOnDisk(tmp);

        Files.writeString(tmp.resolve("afile"), "not a directory");
        err = refused(tmp, "tune", "--class", cls, "--storage-path", "afile", "--name", "n");
        assertTrue(err.contains("pass --storage-path with a writable directory"), err);

        Path taken = Files.createDirectories(tmp.resolve("results").resolve("taken"));
        Files.writeString(taken.resolve("something.txt"), "x");
        err = refused(tmp, "tune", "--class", cls, "--storage-path", "results", "--name", "taken");
        assertTrue(err.contains("already exists and is not empty: choose another --name, or delete it"), err);

        err = refused(tmp, "cluster", "secret", "--out", "cluster.p12");
        if (System.getenv("GALE_CLUSTER_SECRET") == null) {
            assertTrue(err.contains("--password-file FILE") && !err.contains("--tls-password-file"), err);
        }
        assertFalse(Files.exists(tmp.resolve("cluster.p12")));
    }

    @Test
    void helpListsEverySchedulerAndSearcherThatTheOptionsAccept(@TempDir Path tmp) {
        try (GaleProcess gale = GaleProcess.builder("tune", "--help").workingDirectory(tmp).start()) {
            assertEquals(0, gale.waitFor(RUN), gale.describe());
            String help = gale.stdout().replaceAll("\\s+", " ");
            for (String s : Schedulers.NAMES) assertTrue(help.contains(s + ","), "--scheduler help lists " + s + ": " + help);
            for (String s : Searchers.NAMES) assertTrue(help.contains(s + ","), "--searcher help lists " + s + ": " + help);
            assertTrue(help.contains("--classpath") && help.contains("--tls-keystore"), help);
        }
        String err = refused(tmp, "tune", "--class", QuadraticTrainable.class.getName(), "--scheduler", "nope");
        for (String s : Schedulers.NAMES) assertTrue(err.contains(s), "the error lists " + s + ": " + err);
    }
}
