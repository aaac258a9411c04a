package dev.gale.tune.internal;

import dev.gale.gpu.Allocation;
import dev.gale.tune.Trainable;
import dev.gale.tune.TrialContext;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.util.Map;

/**
 * The main class of a trial's child JVM ({@code Isolation.PROCESS}); started by
 * {@link IsolatedTrial}, not by users. Arguments: the loopback port the node listens on; the
 * environment variable {@value ChildChannel#TOKEN_ENV} holds the secret to present.
 *
 * <p>Connects, receives the payload (local paths, time offset counted from the attempt's start on
 * the node) and the allocation (GPUs renumbered from 0, as {@code CUDA_VISIBLE_DEVICES} makes CUDA
 * number them), runs the trainable class on its main thread with an {@link AttemptContext} over a
 * {@link ChannelTransport} (the same {@link TrialContext} behaviour as in the node's JVM), reports
 * how it ended, and exits. When the node goes away (the channel closes before the end) it exits at
 * once with status {@value #EXIT_ORPHANED}, so an orphaned trial never holds a GPU.
 */
public final class TrialChildMain {
    /** Exit status when the node's end of the channel closed first. */
    static final int EXIT_ORPHANED = 3;

    private TrialChildMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: TrialChildMain <port> (started by a Gale node for an isolated trial)");
            System.exit(2);
        }
        int port = Integer.parseInt(args[0]);
        ChildChannel ch = new ChildChannel(new Socket(InetAddress.getLoopbackAddress(), port));
        ch.send(ChildChannel.msg("hello", "token", System.getenv(ChildChannel.TOKEN_ENV), "pid", ProcessHandle.current().pid()));
        Map<String, Object> start = ch.read();
        if (start == null || !"start".equals(start.get("t"))) {
            System.err.println("gale trial child: no start message from the node");
            System.exit(EXIT_ORPHANED);
        }
        TrialPayload p = ChildChannel.JSON.convertValue(start.get("payload"), TrialPayload.class);
        Allocation alloc = ChildChannel.JSON.convertValue(start.get("allocation"), Allocation.class);
        ChannelTransport transport = new ChannelTransport(p.trialId(), ch, Thread.currentThread(), TrialChildMain::orphaned);
        AttemptContext ctx = new AttemptContext(p, alloc, transport);
        Thread reader = Thread.ofPlatform().daemon().name("gale-trial-channel").start(transport::readLoop);

        TrialOutcome outcome;
        try {
            Trainable t = LocalTrainables.resolve(p.trainable());
            t.train(ctx);
            outcome = TrialOutcome.ok();
        } catch (Throwable e) {
            outcome = TrialRunner.outcome(e, ctx.shouldStop());
        }
        transport.ending();
        try {
            ch.send(ChildChannel.msg("end", "stopped", outcome.stopped(), "error", outcome.error(), "stack", outcome.stack()));
        } catch (IOException e) {
            System.err.println("gale trial child: cannot report the end to the node: " + e);
        }
        System.out.flush();
        System.err.flush();
        reader.interrupt();
        System.exit(0);
    }

    /** The node closed the channel before the trial ended: exit at once. */
    private static void orphaned() {
        System.err.println("gale trial child: the node closed the channel; exiting");
        System.err.flush();
        Runtime.getRuntime().halt(EXIT_ORPHANED);
    }
}
