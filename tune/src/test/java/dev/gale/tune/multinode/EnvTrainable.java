package dev.gale.tune.multinode;

import dev.gale.tune.Trainable;
import dev.gale.tune.TrialContext;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reports where it runs: the JVM's {@code gale.node.name}, its {@code CUDA_VISIBLE_DEVICES} and
 * the lease's GPUs as the trial sees them; then sleeps {@code sleep_ms} so that trials overlap.
 */
public final class EnvTrainable implements Trainable {
    /** Created by class name. */
    public EnvTrainable() {
    }

    @Override
    public void train(TrialContext ctx) throws Exception {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("node", System.getProperty("gale.node.name", "?"));
        String cuda = System.getenv("CUDA_VISIBLE_DEVICES");
        m.put("cuda_visible_devices", cuda == null ? "(unset)" : cuda);
        m.put("lease_gpus", ctx.resources().gpus().toString());
        m.put("pid", ProcessHandle.current().pid());
        Thread.sleep(ctx.config().getLong("sleep_ms"));
        ctx.report(m);
    }
}
