package dev.gale.tune;

/**
 * Where a trial's code runs on its node ({@link RunConfig#withIsolation}).
 *
 * <p>Promises: with either value the trial sees the same {@link TrialContext} behaviour (reports
 * are batched and never dropped, checkpoints are copied before {@code report} returns, stop
 * requests end it TERMINATED); they differ in what a crash takes down and what the trial sees of
 * its GPUs. See docs/tune.md, "Process isolation".
 */
public enum Isolation {
    /**
     * In the node's JVM, on a platform thread of its own (the default): cheapest to start; a native
     * crash (a segfault in CUDA or PyTorch) takes the node and its other trials down. The trial sees
     * the node's GPU indexes ({@code resources()}, {@code device()}).
     */
    THREAD,
    /**
     * In a child JVM per trial attempt, started by the node: a crash or {@code halt} of the child fails
     * only that attempt (retried per {@code maxFailures}); the child gets {@code CUDA_VISIBLE_DEVICES}
     * and {@code OMP_NUM_THREADS} from the lease and sees its GPUs renumbered from 0, as CUDA does.
     * The trainable must be a class (a lambda or instance cannot cross into another JVM); costs a JVM
     * start (about a second) per attempt.
     */
    PROCESS
}
