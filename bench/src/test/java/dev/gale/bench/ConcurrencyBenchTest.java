package dev.gale.bench;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Option handling only: the benchmark itself prints figures and is not a test. */
class ConcurrencyBenchTest {

    @Test
    void defaults() {
        ConcurrencyBench.Options o = ConcurrencyBench.parse(List.of());
        assertFalse(o.threadsDefault());
        assertEquals(2, o.concurrent());
        assertEquals(1, o.cpus());
        assertEquals(0.4, o.target());
        assertEquals(2, o.rounds());
    }

    @Test
    void parsesEveryOption() {
        ConcurrencyBench.Options o = ConcurrencyBench.parse(List.of("--threads-default", "--epochs", "5", "--warmup-epochs", "1",
                "--rounds", "3", "--train-subset", "1000", "--hidden", "64", "--batch-size", "32", "--concurrent", "3",
                "--cpus", "0.5", "--target", "0.5", "--storage", "/tmp/x"));
        assertTrue(o.threadsDefault());
        assertEquals(5, o.epochs());
        assertEquals(1, o.warmupEpochs());
        assertEquals(3, o.rounds());
        assertEquals(1000, o.trainSubset());
        assertEquals(64, o.hidden());
        assertEquals(32, o.batchSize());
        assertEquals(3, o.concurrent());
        assertEquals(0.5, o.cpus());
        assertEquals(0.5, o.target());
        assertEquals(Path.of("/tmp/x"), o.storage());
        assertEquals(64, ConcurrencyBench.config(o).get("hidden"));
    }

    @Test
    void rejectsUnknownAndOutOfRangeOptions() {
        assertThrows(IllegalArgumentException.class, () -> ConcurrencyBench.parse(List.of("--fast")));
        assertThrows(IllegalArgumentException.class, () -> ConcurrencyBench.parse(List.of("--epochs")));
        assertThrows(IllegalArgumentException.class, () -> ConcurrencyBench.parse(List.of("--concurrent", "1")));
        assertThrows(IllegalArgumentException.class, () -> ConcurrencyBench.parse(List.of("--target", "0")));
    }

    @Test
    void badOptionsAndHelpReturnWithoutRunning() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8);
        assertEquals(2, ConcurrencyBench.run(List.of("--nope"), out));
        assertTrue(buf.toString(StandardCharsets.UTF_8).contains("unknown option '--nope'"));
        buf.reset();
        assertEquals(0, ConcurrencyBench.run(List.of("--help"), out));
        assertTrue(buf.toString(StandardCharsets.UTF_8).contains("usage: gale bench concurrency"));
    }
}
