package dev.gale.tune.internal;

import java.nio.file.Path;

/**
 * Where an {@link AttemptContext} sends what its trial reports and asks: the part of a trial's
 * context that depends on where the trial runs. {@link ControllerTransport} is the node's link to
 * the experiment's controller (actor messages, batched with a bounded window);
 * {@link ChannelTransport} is a child JVM's link to its node ({@code Isolation.PROCESS}), which
 * relays to the node's {@link ControllerTransport}.
 *
 * <p>Promises every implementation keeps: {@link #send} returns once the result is handed over
 * and its checkpoint stored (it may block for flow control, never drops a result); a stop, once
 * {@link #stopRequested()} says so, stays requested; a blocking call whose thread is interrupted, or
 * that learns the trial was stopped, throws {@link dev.gale.tune.TrialStoppedException}. The
 * {@link AttemptContext} validates arguments before calling, so implementations need not.
 */
public interface TrialTransport {
    /**
     * Hands one result over. When {@code checkpointFrom} is not null, the directory is first stored
     * as checkpoint {@code result.checkpoint()} of the trial (copied into the trial directory, or
     * shipped to the driver when this node does not share the experiment's storage); the caller may
     * delete it once this returns. May add fields to {@code result.metrics()} (GPU telemetry).
     */
    void send(ReportedResult result, Path checkpointFrom);

    /** True once the trial must stop (scheduler, stop condition, budget, cancel, a failure). */
    boolean stopRequested();

    /** Waits until every result sent so far has been answered, so {@link #stopRequested()} is current. */
    void awaitAcknowledged();

    /**
     * The value of define-by-run parameter {@code name} in {@code spec}'s domain, asked of the
     * experiment's searcher; blocks until it answers.
     *
     * @throws IllegalArgumentException when the searcher refuses (the message says why)
     */
    Object parameter(String name, ParamMessages.ParamSpec spec);

    /**
     * The local directory of the checkpoint recorded as {@code recorded} (a path in the experiment
     * directory): the same path where the storage is shared, else a copy fetched from the driver
     * (once per attempt).
     */
    Path localCheckpoint(String recorded);
}
