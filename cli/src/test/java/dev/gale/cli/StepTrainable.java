package dev.gale.cli;

import dev.gale.tune.Checkpoint;
import dev.gale.tune.Trainable;
import dev.gale.tune.TrialContext;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/**
 * A trainable the recovery tests run by class name: {@code steps} steps of {@code sleep_ms}, a
 * checkpoint with every report, and a line {@code start <trial> <attempt> <from-step> <pid>} appended to
 * the file {@code log} at each start. With {@code deaf_ms} it ignores the first interruption of a
 * sleep for that long (a trial slow to stop).
 */
public class StepTrainable implements Trainable {
    @Override
    public void train(TrialContext ctx) throws Exception {
        int from = ctx.checkpoint().map(c -> ((Number) c.loadData().get("step")).intValue()).orElse(0);
        Path log = Path.of(ctx.config().getString("log"));
        synchronized (StepTrainable.class) {
            Files.writeString(log, "start " + ctx.trialId() + " " + ctx.attempt() + " " + from + " " + ProcessHandle.current().pid()
                    + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
        int steps = ctx.config().getInt("steps");
        long sleep = ctx.config().getInt("sleep_ms");
        long deaf = ctx.config().has("deaf_ms") ? ctx.config().getInt("deaf_ms") : 0;
        for (int step = from + 1; step <= steps; step++) {
            ctx.report(Map.of("loss", ctx.config().getDouble("x") + 1.0 / step, "step", step),
                    Checkpoint.ofData(Map.of("step", step)));
            try {
                Thread.sleep(sleep);
            } catch (InterruptedException e) {
                if (deaf == 0) throw e;
                Thread.sleep(deaf); // slow to stop; a second interruption ends it
                throw e;
            }
        }
    }

    /** Writes a space file for this trainable. */
    static Path space(Path dir, int steps, int sleepMs, Path log, int deafMs) throws IOException {
        Path f = dir.resolve("space.yaml");
        Files.writeString(f, "x: {uniform: [0, 1]}\nsteps: " + steps + "\nsleep_ms: " + sleepMs + "\nlog: \"" + log + "\"\n"
                + (deafMs > 0 ? "deaf_ms: " + deafMs + "\n" : ""));
        return f;
    }
}
