package dev.gale.tune.multinode;

import dev.gale.tune.Checkpoint;
import dev.gale.tune.Trainable;
import dev.gale.tune.TrialContext;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The trainable of the multi-JVM tests: counts {@code steps} steps of {@code sleep_ms} from its
 * checkpoint, reports each step with a checkpoint, and says where it ran: metric {@code node} is
 * the JVM's {@code gale.node.name} property, {@code gpus} its lease's GPU indices, plus the
 * lease's GPU memory and the wall-clock span of the run. When config {@code log} names a file,
 * each run appends {@code start <trial> <attempt> <fromStep> <node>} to it.
 */
public final class StepTrainable implements Trainable {
    /** Created by class name on the node that runs it. */
    public StepTrainable() {
    }

    @Override
    public void train(TrialContext ctx) throws Exception {
        int steps = ctx.config().getInt("steps");
        long sleep = ctx.config().getLong("sleep_ms");
        Optional<Integer> from = ctx.checkpoint().map(c -> ((Number) c.loadData().get("step")).intValue());
        String node = System.getProperty("gale.node.name", "driver");
        if (ctx.config().has("log")) {
            append(Path.of(ctx.config().getString("log")), "start " + ctx.trialId() + " " + ctx.attempt() + " "
                    + from.orElse(0) + " " + node);
        }
        long start = System.currentTimeMillis();
        for (int i = from.orElse(0) + 1; i <= steps; i++) {
            Thread.sleep(sleep);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("loss", ctx.config().getDouble("x") + 1.0 / i);
            m.put("node", node);
            m.put("gpus", ctx.resources().cudaVisibleDevices());
            m.put("gpu_mem", ctx.resources().gpus().isEmpty() ? 0L : ctx.resources().gpus().getFirst().memoryBytes());
            m.put("start_ms", start);
            m.put("now_ms", System.currentTimeMillis());
            m.put("attempt", ctx.attempt());
            ctx.report(m, Checkpoint.ofData(Map.of("step", i)));
        }
    }

    static synchronized void append(Path file, String line) throws IOException {
        Files.writeString(file, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }
}
