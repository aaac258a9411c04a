package dev.gale.tune.internal;

import ai.djl.Device;
import dev.gale.gpu.Allocation;
import dev.gale.gpu.DjlRuntime;
import dev.gale.tune.Checkpoint;
import dev.gale.tune.Config;
import dev.gale.tune.Trainable;
import dev.gale.tune.TrialContext;
import dev.gale.tune.TrialStoppedException;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.SynchronousQueue;

/**
 * The main class of a trial's child JVM ({@code Isolation.PROCESS}); started by
 * {@link IsolatedTrial}, not by users. Arguments: the loopback port the node listens on; the
 * environment variable {@value ChildChannel#TOKEN_ENV} holds the secret to present.
 *
 * <p>Connects, receives the payload and the allocation (GPUs renumbered from 0, as
 * {@code CUDA_VISIBLE_DEVICES} makes CUDA number them), runs the trainable class on its main
 * thread with a {@link TrialContext} whose calls go to the node, reports how it ended, and exits.
 * When the node goes away (the channel closes before the end) it exits at once with status 3, so
 * an orphaned trial never holds a GPU.
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
        ChildContext ctx = new ChildContext(p, alloc, ch, Thread.currentThread());
        Thread reader = Thread.ofPlatform().daemon().name("gale-trial-channel").start(ctx::readLoop);

        TrialOutcome outcome;
        try {
            Trainable t = LocalTrainables.resolve(p.trainable());
            t.train(ctx);
            outcome = TrialOutcome.ok();
        } catch (Throwable e) {
            outcome = TrialRunner.outcome(e, ctx.shouldStop());
        }
        ctx.ending = true;
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

    /** The TrialContext of the child: every call goes over the channel. */
    static final class ChildContext implements TrialContext, DefineByRun {
        private final TrialPayload p;
        private final Allocation alloc;
        private final ChildChannel ch;
        private final Thread main;
        private final Config config;
        private final SynchronousQueue<Map<String, Object>> replies = new SynchronousQueue<>();
        private final Object requestLock = new Object();
        private volatile boolean stopped;
        private volatile boolean ending;
        private volatile boolean closed;
        private Device device;

        ChildContext(TrialPayload p, Allocation alloc, ChildChannel ch, Thread main) {
            this.p = p;
            this.alloc = alloc;
            this.ch = ch;
            this.main = main;
            this.config = new Config(p.config());
        }

        /** Reads the node's messages: stop requests (any time) and replies (handed to the waiting request). */
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
            if (!ending) {
                System.err.println("gale trial child: the node closed the channel; exiting");
                System.err.flush();
                Runtime.getRuntime().halt(EXIT_ORPHANED);
            }
        }

        /** Sends a request and waits for its reply; {@code stopped} replies throw TrialStoppedException. */
        private Map<String, Object> call(Map<String, Object> request) {
            synchronized (requestLock) {
                if (closed) throw new TrialStoppedException(p.trialId());
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
                        throw new TrialStoppedException(p.trialId());
                    }
                    case "error" -> throw new IllegalArgumentException(String.valueOf(r.get("error")));
                    default -> {
                        if (Boolean.TRUE.equals(r.get("stop"))) stopped = true;
                        return r;
                    }
                }
            }
        }

        @Override
        public Object parameter(String name, ParamMessages.ParamSpec spec) {
            return call(ChildChannel.msg("param", "name", name, "spec", spec)).get("value");
        }

        @Override
        public void awaitAcknowledged() {
            call(ChildChannel.msg("await"));
        }

        @Override
        public String trialId() {
            return p.trialId();
        }

        @Override
        public Config config() {
            return config;
        }

        @Override
        public Path trialDir() {
            return Path.of(p.trialDir());
        }

        @Override
        public Optional<Checkpoint> checkpoint() {
            return p.checkpoint() == null ? Optional.empty() : Optional.of(new Checkpoint(Path.of(p.checkpoint())));
        }

        /** The lease with its GPUs renumbered from 0 (this JVM sees only them, through CUDA_VISIBLE_DEVICES). */
        @Override
        public Allocation resources() {
            return alloc;
        }

        @Override
        public Device device() {
            if (device == null) device = DjlRuntime.deviceFor(alloc);
            return device;
        }

        @Override
        public int attempt() {
            return p.attempt();
        }

        @Override
        public void report(Map<String, ?> metrics) {
            report(metrics, null);
        }

        @Override
        public void report(Map<String, ?> metrics, Checkpoint checkpoint) {
            if (shouldStop()) throw new TrialStoppedException(p.trialId());
            if (metrics == null) throw new IllegalArgumentException("report(null): pass a map of metrics, e.g. Map.of(\"loss\", 0.1)");
            for (Map.Entry<String, ?> e : metrics.entrySet()) checkValue(e.getKey(), e.getValue(), 0);
            call(ChildChannel.msg("report", "metrics", metrics,
                    "checkpoint", checkpoint == null ? null : checkpoint.path().toAbsolutePath().toString()));
        }

        /** Values JSON cannot carry fail here, with the message the controller gives in the node's JVM. */
        private static void checkValue(String name, Object v, int depth) {
            if (v == null || v instanceof Number || v instanceof String || v instanceof Boolean) return;
            if (depth < 32 && v instanceof Map<?, ?> m) {
                for (Map.Entry<?, ?> e : m.entrySet()) checkValue(name + "." + e.getKey(), e.getValue(), depth + 1);
                return;
            }
            if (depth < 32 && v instanceof List<?> l) {
                for (int i = 0; i < l.size(); i++) checkValue(name + "[" + i + "]", l.get(i), depth + 1);
                return;
            }
            if (v instanceof Map || v instanceof List) {
                throw new IllegalArgumentException("metric '" + name + "' is nested more than 32 levels deep"
                        + " (a map or list that contains itself?): report plain values");
            }
            throw new IllegalArgumentException("metric '" + name + "' has type " + v.getClass().getName()
                    + ": report numbers, strings, booleans, lists or maps (convert tensors with getFloat())");
        }

        @Override
        public boolean shouldStop() {
            return stopped;
        }
    }
}
