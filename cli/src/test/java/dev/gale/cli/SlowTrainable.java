package dev.gale.cli;

import dev.gale.tune.Trainable;
import dev.gale.tune.TrialContext;

import java.util.Map;

/** A trainable the launcher tests run by class name: reports {@code step} every 100 ms, {@code steps} times. */
public class SlowTrainable implements Trainable {
    @Override
    public void train(TrialContext ctx) throws InterruptedException {
        int steps = ctx.config().getInt("steps");
        for (int step = 1; step <= steps; step++) {
            ctx.report(Map.of("step", step));
            Thread.sleep(100);
        }
    }
}
