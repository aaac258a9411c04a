package dev.gale.tune;

import dev.gale.cluster.GaleNode;
import dev.gale.tune.search.Domains;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

import static dev.gale.tune.TuneTestSupport.read;
import static dev.gale.tune.TuneTestSupport.readJsonl;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A trial sees the same {@link TrialContext} in the node's JVM and in a child JVM, with and without
 * storage shared with the driver: iteration numbering across a retry, checkpoint copies named by
 * iteration (the reported directory may be deleted at once), resuming from the last one, a value
 * JSON cannot carry rejected at the call with the controller's message, and a stop condition ending
 * the trial TERMINATED.
 */
@DisabledOnOs(OS.WINDOWS)
class TrialContextParityTest {
    static GaleNode node;

    @BeforeAll
    static void start() {
        node = TuneTestSupport.node(2);
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    /** Attempt 0: two checkpointed reports (and a rejected one between them), then a failure; attempt 1: resumes and reports until stopped. */
    public static class ParityTrainable implements Trainable {
        @Override
        public void train(TrialContext ctx) throws IOException {
            if (ctx.attempt() == 0) {
                Checkpoint first = Checkpoint.ofData(Map.of("step", 1));
                ctx.report(Map.of("step", 1), first);
                deleteTree(first.path());
                String caught = "no error";
                try {
                    ctx.report(Map.of("step", 2, "bad", new Object()));
                } catch (IllegalArgumentException e) {
                    caught = e.getMessage();
                }
                Checkpoint second = Checkpoint.ofData(Map.of("step", 2));
                ctx.report(Map.of("step", 2, "caught", caught), second);
                deleteTree(second.path());
                throw new IllegalStateException("planned failure of attempt 0");
            }
            Checkpoint c = ctx.checkpoint().orElseThrow(() -> new IllegalStateException("attempt 1 has no checkpoint"));
            long from = ((Number) c.loadData().get("step")).longValue();
            for (long step = from + 1; ; step++) {
                ctx.report(Map.of("step", step, "resumed_from", c.path().getFileName().toString()));
            }
        }

        static void deleteTree(Path p) throws IOException {
            try (var s = Files.walk(p)) {
                for (Path f : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(f);
            }
        }
    }

    @ParameterizedTest(name = "{0}, storage {1}")
    @CsvSource({"THREAD, shared", "PROCESS, shared", "THREAD, driver", "PROCESS, driver"})
    void theTrialSeesTheSameContext(Isolation isolation, String storage, @TempDir Path tmp) {
        if (storage.equals("driver")) System.setProperty("gale.checkpoint.transfer", "driver");
        ResultGrid g;
        try {
            g = Tuner.builder(ParityTrainable.class)
                    .paramSpace(Map.of("x", Domains.uniform(0, 1)))
                    .tuneConfig(TuneConfig.builder().numSamples(1).maxFailures(1).stopper(Stopper.maxIterations(6)).build())
                    .runConfig(TuneTestSupport.quiet("parity", tmp).withIsolation(isolation))
                    .node(node)
                    .build().fit();
        } finally {
            System.clearProperty("gale.checkpoint.transfer");
        }
        TrialSummary t = g.trials().getFirst();
        assertEquals(TrialStatus.TERMINATED, t.status(), g.table());
        assertEquals(2, t.attempts());
        assertEquals(6, t.iterations());
        Path trialDir = tmp.resolve("parity").resolve("trial_00001");
        List<Map<String, Object>> rows = readJsonl(trialDir.resolve("result.jsonl"));
        assertEquals(6, rows.size(), rows.toString());
        double time = 0;
        for (int i = 0; i < rows.size(); i++) {
            Map<String, Object> r = rows.get(i);
            assertEquals(i + 1, ((Number) r.get("training_iteration")).intValue(), r.toString());
            assertEquals(i + 1, ((Number) r.get("step")).intValue(), r.toString());
            double now = ((Number) r.get("time_total_s")).doubleValue();
            assertTrue(now >= time, "time_total_s never decreases, across the retry too: " + rows);
            time = now;
        }
        assertEquals("metric 'bad' has type java.lang.Object in result 2: report numbers, strings, booleans, lists or maps"
                + " (convert tensors with getFloat())", rows.get(1).get("caught"));
        assertTrue(String.valueOf(rows.get(2).get("resumed_from")).endsWith("checkpoint_000002"), rows.get(2).toString());
        for (int step = 1; step <= 2; step++) {
            Checkpoint c = new Checkpoint(trialDir.resolve(String.format("checkpoint_%06d", step)));
            assertEquals(step, ((Number) c.loadData().get("step")).intValue());
        }
        assertTrue(read(trialDir.resolve("error.txt")).contains("planned failure of attempt 0"));
    }
}
