package dev.gale.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code gale train}: mistakes are refused before anything starts, naming the option and the fix. */
class TrainCommandTest {
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream oldErr;

    @BeforeEach
    void capture() {
        oldErr = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        System.setErr(oldErr);
    }

    @Test
    void unknownTaskZeroWorkersAndAnUnknownModelAreUsageErrors() {
        assertEquals(2, Gale.execute("train", "imagenet"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("the built-in task is fashion-mnist"), err.toString());
        err.reset();
        assertEquals(2, Gale.execute("train", "fashion-mnist", "--workers", "0"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--workers 0: must be >= 1"), err.toString());
        err.reset();
        assertEquals(2, Gale.execute("train", "fashion-mnist", "--model", "resnet"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--model resnet: use mlp or cnn"), err.toString());
    }
}
