package dev.gale.cli;

import dev.gale.tune.Trainable;
import dev.gale.tune.TrialContext;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A trainable that runs until the test lets it end: it creates {@code started-<trial>} in the
 * directory {@code dir} of its config, waits (at most 120 s) until {@code go-<trial>} exists there,
 * then reports {@code waited_ms} once and ends.
 */
public class GateTrainable implements Trainable {
    @Override
    public void train(TrialContext ctx) throws Exception {
        Path dir = Path.of(ctx.config().getString("dir"));
        Files.writeString(dir.resolve("started-" + ctx.trialId()), Long.toString(ProcessHandle.current().pid()));
        long start = System.nanoTime();
        long deadline = start + 120_000_000_000L;
        while (!Files.exists(dir.resolve("go-" + ctx.trialId()))) {
            if (System.nanoTime() > deadline) throw new IllegalStateException("no go-" + ctx.trialId() + " in " + dir + " within 120 s");
            Thread.sleep(50);
        }
        ctx.report(Map.of("waited_ms", (System.nanoTime() - start) / 1_000_000));
    }
}
