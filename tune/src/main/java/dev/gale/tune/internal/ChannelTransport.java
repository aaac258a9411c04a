package dev.gale.tune.internal;

import dev.gale.tune.TrialStoppedException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.SynchronousQueue;

/**
 * A child JVM's link to its node ({@code Isolation.PROCESS}): every call is a request over the
 * {@link ChildChannel}, answered by the node's {@link IsolatedTrial} from its
 * {@link ControllerTransport}; so batching, flow control, checkpoint storage and GPU telemetry are
 * those of a trial in the node's JVM.
 *
 * <p>Promises: one request at a time, each waiting for its reply; a {@code stop} from the node is
 * seen at once by {@link #stopRequested()} (and with {@code interrupt} interrupts the trial's main
 * thread); a {@code stopped} reply throws {@link TrialStoppedException}, an {@code error} reply an
 * {@link IllegalArgumentException} (the node's argument errors) or {@link IllegalStateException}
 * with the node's message. When the channel closes before {@link #ending()}, {@code onOrphaned}
 * runs (the child exits), so a request never waits for a node that is gone.
 */
final class ChannelTransport implements TrialTransport {
    private final String trialId;
    private final ChildChannel ch;
    private final Thread main;
    private final Runnable onOrphaned;
    private final SynchronousQueue<Map<String, Object>> replies = new SynchronousQueue<>();
    private final Object requestLock = new Object();
    private volatile boolean stopped;
    private volatile boolean ending;
    private volatile boolean closed;

    /**
     * @param main       the thread a {@code stop} with {@code interrupt} interrupts
     * @param onOrphaned what to do when the node closes the channel first (exit the JVM)
     */
    ChannelTransport(String trialId, ChildChannel ch, Thread main, Runnable onOrphaned) {
        this.trialId = trialId;
        this.ch = ch;
        this.main = main;
        this.onOrphaned = onOrphaned;
    }

    /** Reads the node's messages until the channel closes: stop requests (any time) and replies (to the waiting request). */
    void readLoop() {
        try {
            while (true) {
                Map<String, Object> m = ch.read();
                if (m == null) break;
                if ("stop".equals(m.get("t"))) {
                    stopped = true;
                    if (Boolean.TRUE.equals(m.get("interrupt"))) main.interrupt();
                } else {
                    replies.put(m);
                }
            }
        } catch (IOException | InterruptedException e) {
            // the channel is gone, or this JVM is ending
        }
        closed = true;
        if (!ending) onOrphaned.run();
    }

    /** The trial has ended: a closing channel is expected from now on. */
    void ending() {
        ending = true;
    }

    @Override
    public void send(ReportedResult result, Path checkpointFrom) {
        call(ChildChannel.msg("result", "result", result,
                "from", checkpointFrom == null ? null : checkpointFrom.toAbsolutePath().toString()));
    }

    @Override
    public boolean stopRequested() {
        return stopped;
    }

    @Override
    public void awaitAcknowledged() {
        call(ChildChannel.msg("await"));
    }

    @Override
    public Object parameter(String name, ParamMessages.ParamSpec spec) {
        return call(ChildChannel.msg("param", "name", name, "spec", spec)).get("value");
    }

    /** The node gave this JVM local paths: the recorded checkpoint is already here. */
    @Override
    public Path localCheckpoint(String recorded) {
        return Path.of(recorded);
    }

    /** Sends a request and waits for its reply. */
    private Map<String, Object> call(Map<String, Object> request) {
        synchronized (requestLock) {
            if (closed) throw new TrialStoppedException(trialId);
            try {
                ch.send(request);
            } catch (IOException e) {
                throw new IllegalStateException("lost the channel to the node: " + e, e);
            }
            // a cancel interrupts this thread: keep waiting for the reply (the node answers promptly,
            // and a dead node ends this JVM), then let the trainable see the interrupt
            Map<String, Object> r;
            boolean interrupted = false;
            while (true) {
                try {
                    r = replies.take();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                    stopped = true;
                }
            }
            if (interrupted) Thread.currentThread().interrupt();
            String t = String.valueOf(r.get("t"));
            switch (t) {
                case "stopped" -> {
                    stopped = true;
                    throw new TrialStoppedException(trialId);
                }
                case "error" -> {
                    String error = String.valueOf(r.get("error"));
                    if (Boolean.FALSE.equals(r.get("argument"))) throw new IllegalStateException(error);
                    throw new IllegalArgumentException(error);
                }
                default -> {
                    if (Boolean.TRUE.equals(r.get("stop"))) stopped = true;
                    return r;
                }
            }
        }
    }
}
