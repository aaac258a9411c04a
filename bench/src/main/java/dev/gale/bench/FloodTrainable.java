package dev.gale.bench;

import dev.gale.tune.Trainable;
import dev.gale.tune.TrialContext;

import java.util.Map;

/**
 * Reports config {@code results} results as fast as it can (one metric each): the load of the
 * result-throughput benchmarks. Public with a no-argument constructor so remote nodes create it
 * by name.
 */
public final class FloodTrainable implements Trainable {
    /** Created by class name. */
    public FloodTrainable() {
    }

    @Override
    public void train(TrialContext ctx) {
        long n = ctx.config().getLong("results");
        double x = ctx.config().getDouble("x");
        for (long i = 0; i < n; i++) ctx.report(Map.of("score", x + i));
    }
}
