package dev.gale.tune;

import dev.gale.cluster.GaleNode;
import dev.gale.tune.search.Domains;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A node that does not share the experiment's storage (forced here with
 * {@code -Dgale.checkpoint.transfer=driver}) sends its checkpoints to the driver, which unpacks them
 * into the trial directory, and gets them back when a retry resumes from one.
 */
class CheckpointTransferTest {
    static GaleNode node;

    @BeforeAll
    static void start() {
        System.setProperty("gale.checkpoint.transfer", "driver");
        node = TuneTestSupport.node(2);
    }

    @AfterAll
    static void stop() {
        node.close();
        System.clearProperty("gale.checkpoint.transfer");
    }

    @Test
    void checkpointsTravelToTheDriverAndBackForARetry(@TempDir Path tmp) throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        byte[] big = new byte[300_000]; // more than two chunks
        for (int i = 0; i < big.length; i++) big[i] = (byte) (i * 31);
        ResultGrid g = Tuner.builder(ctx -> {
                    int from = 0;
                    if (ctx.checkpoint().isPresent()) {
                        Path ck = ctx.checkpoint().get().path();
                        seen.add(ck.toString());
                        from = Integer.parseInt(Files.readString(ck.resolve("step.txt")));
                        assertTrue(java.util.Arrays.equals(big, Files.readAllBytes(ck.resolve("sub").resolve("weights.bin"))));
                    }
                    for (int i = from + 1; i <= 4; i++) {
                        if (i == 3 && ctx.attempt() == 0) throw new IllegalStateException("boom");
                        Path d = Files.createTempDirectory("ck");
                        Files.writeString(d.resolve("step.txt"), Integer.toString(i));
                        Files.createDirectories(d.resolve("sub"));
                        Files.write(d.resolve("sub").resolve("weights.bin"), big);
                        ctx.report(Map.of("step", i), new Checkpoint(d));
                    }
                })
                .paramSpace(Map.of("x", Domains.uniform(0, 1)))
                .tuneConfig(TuneConfig.builder().numSamples(1).maxFailures(1).build())
                .runConfig(TuneTestSupport.quiet("transfer", tmp)).node(node).build().fit();
        assertEquals(1, g.count(TrialStatus.TERMINATED), g.table());
        Path trialDir = tmp.resolve("transfer").resolve("trial_00001");
        for (int i = 1; i <= 4; i++) {
            Path ck = trialDir.resolve(String.format("checkpoint_%06d", i));
            assertEquals(Integer.toString(i), Files.readString(ck.resolve("step.txt")), ck.toString());
            assertEquals(big.length, Files.size(ck.resolve("sub").resolve("weights.bin")));
        }
        assertEquals(1, seen.size(), seen.toString());
        assertFalse(seen.getFirst().startsWith(tmp.toString()), "the retry read a local copy, not the driver's directory: " + seen);
        assertTrue(seen.getFirst().endsWith("restored-checkpoint_000002"), seen.getFirst());
        List<Object> steps = TuneTestSupport.readJsonl(trialDir.resolve("result.jsonl")).stream().map(m -> m.get("step")).toList();
        assertEquals(List.of(1, 2, 3, 4), steps);
    }
}
