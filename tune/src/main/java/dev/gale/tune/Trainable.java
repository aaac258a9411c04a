package dev.gale.tune;

/**
 * The user's training function: trains with {@code ctx.config()}, calls {@code ctx.report(...)}
 * after each epoch or step, and returns when done.
 *
 * <p>A trainable that is run on another node (or by class name from the CLI) must be a public
 * class with a public no-argument constructor. A lambda works in the embedded one-node cluster.
 * Throwing ends the trial in ERROR (retried from its last checkpoint up to
 * {@code TuneConfig.maxFailures}); the experiment goes on.
 */
@FunctionalInterface
public interface Trainable {
    /** Trains one trial. */
    void train(TrialContext ctx) throws Exception;
}
