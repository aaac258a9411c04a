package dev.gale.cli;

import dev.gale.tune.Trainable;
import dev.gale.tune.TrialContext;

import java.util.Map;

/** A trainable the CLI test runs by class name: loss = (x - 3)^2 + layers / step. */
public class QuadraticTrainable implements Trainable {
    @Override
    public void train(TrialContext ctx) {
        double x = ctx.config().getDouble("x");
        int layers = ctx.config().getInt("model.layers");
        for (int step = 1; step <= 5; step++) {
            ctx.report(Map.of("loss", (x - 3) * (x - 3) + layers / (double) step));
        }
    }
}
