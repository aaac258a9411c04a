package dev.gale.tune.internal;

import ai.djl.Device;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gale.cluster.Work;
import dev.gale.cluster.WorkContext;
import dev.gale.gpu.Allocation;
import dev.gale.gpu.DjlRuntime;
import dev.gale.tune.Checkpoint;
import dev.gale.tune.Config;
import dev.gale.tune.Trainable;
import dev.gale.tune.TrialContext;
import dev.gale.tune.TrialStoppedException;
import org.apache.pekko.actor.typed.ActorRef;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Runs one attempt of a trial on a node: resolves the trainable, gives it a {@link TrialContext},
 * streams its results to the controller in batches with a bounded window, and reports how it ended.
 *
 * <p>Flow control: at most {@value #MAX_IN_FLIGHT} batches are unacknowledged; results reported
 * meanwhile are gathered into the next batch; past {@value #MAX_PENDING} gathered results the
 * trial's thread waits. Nothing is dropped.
 */
public final class TrialRunner implements Work {
    static final int MAX_IN_FLIGHT = 2;
    static final int MAX_PENDING = 1024;
    static final ObjectMapper JSON = new ObjectMapper();

    /** Needed by the NodeAgent, which creates runners by class name. */
    public TrialRunner() {
    }

    @Override
    public void run(WorkContext wc) throws Exception {
        TrialPayload p = JSON.readValue(wc.payload(), TrialPayload.class);
        @SuppressWarnings("unchecked")
        ActorRef<TuneController.Command> owner = (ActorRef<TuneController.Command>) wc.owner();
        Context ctx = new Context(p, wc, owner);
        wc.onMessage(ctx::onMessage);
        boolean stopped = false;
        String error = null;
        String stack = null;
        try {
            DjlRuntime.configureThreadForLease(wc.allocation().spec().threads());
            Trainable t = LocalTrainables.resolve(p.trainable());
            t.train(ctx);
        } catch (TrialStoppedException e) {
            stopped = true;
        } catch (InterruptedException e) {
            if (ctx.shouldStop()) stopped = true;
            else {
                error = e.toString();
                stack = stackTrace(e);
            }
        } catch (Throwable e) {
            if (ctx.shouldStop() && (e.getCause() instanceof InterruptedException)) {
                stopped = true;
            } else {
                error = e.toString();
                stack = stackTrace(e);
            }
        }
        ctx.flushAll();
        owner.tell(new TuneController.TrialEnded(p.trialId(), p.attempt(), stopped, error, stack));
    }

    static String stackTrace(Throwable t) {
        StringWriter sw = new StringWriter();
        t.printStackTrace(new PrintWriter(sw));
        return sw.toString();
    }

    /** The TrialContext of one attempt; also answers define-by-run parameter asks and synchronous reports. */
    static final class Context implements TrialContext, DefineByRun {
        private final TrialPayload p;
        private final WorkContext wc;
        private final ActorRef<TuneController.Command> owner;
        private final Config config;
        private final Path trialDir;
        private final long startNanos = System.nanoTime();
        private final Object lock = new Object();
        private List<ReportedResult> pending = new ArrayList<>();
        private int inFlight;
        private long iteration;
        private volatile boolean stopped;
        private Device device;

        Context(TrialPayload p, WorkContext wc, ActorRef<TuneController.Command> owner) {
            this.p = p;
            this.wc = wc;
            this.owner = owner;
            this.config = new Config(p.config());
            this.trialDir = Path.of(p.trialDir());
            this.iteration = p.iterationOffset();
        }

        private volatile java.util.concurrent.CompletableFuture<ParamMessages.ParamReply> paramReply;

        @Override
        public Object parameter(String name, ParamMessages.ParamSpec spec) {
            java.util.concurrent.CompletableFuture<ParamMessages.ParamReply> f = new java.util.concurrent.CompletableFuture<>();
            paramReply = f;
            owner.tell(new ParamMessages.ParamRequest(p.trialId(), p.attempt(), name, spec, wc.inbox()));
            ParamMessages.ParamReply r;
            try {
                r = f.get(120, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TrialStoppedException(p.trialId());
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                throw new IllegalStateException("no answer from the controller for parameter '" + name + "': " + e, e);
            }
            if (r.error() != null) throw new IllegalArgumentException(r.error());
            return r.value();
        }

        @Override
        public void awaitAcknowledged() {
            synchronized (lock) {
                if (!pending.isEmpty() && inFlight < MAX_IN_FLIGHT) sendLocked();
                while ((inFlight > 0 || !pending.isEmpty()) && !stopped) {
                    try {
                        lock.wait(100);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new TrialStoppedException(p.trialId());
                    }
                    if (!pending.isEmpty() && inFlight < MAX_IN_FLIGHT) sendLocked();
                }
            }
        }

        void onMessage(Object m) {
            if (m instanceof ParamMessages.ParamReply r) {
                java.util.concurrent.CompletableFuture<ParamMessages.ParamReply> f = paramReply;
                if (f != null) f.complete(r);
                return;
            }
            if (m instanceof RunnerAck ack) {
                synchronized (lock) {
                    inFlight--;
                    if (ack.stop()) stopped = true;
                    if (!pending.isEmpty() && inFlight < MAX_IN_FLIGHT) sendLocked();
                    lock.notifyAll();
                }
            }
        }

        private void sendLocked() {
            List<ReportedResult> batch = pending;
            pending = new ArrayList<>(Math.min(64, batch.size() * 2 + 1));
            inFlight++;
            owner.tell(new TuneController.ResultBatch(p.trialId(), p.attempt(), batch, wc.inbox()));
        }

        void flushAll() {
            synchronized (lock) {
                if (!pending.isEmpty()) sendLocked();
            }
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
            return trialDir;
        }

        @Override
        public Optional<Checkpoint> checkpoint() {
            return p.checkpoint() == null ? Optional.empty() : Optional.of(new Checkpoint(Path.of(p.checkpoint())));
        }

        @Override
        public Allocation resources() {
            return wc.allocation();
        }

        @Override
        public Device device() {
            if (device == null) device = DjlRuntime.deviceFor(wc.allocation());
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
            long iter = ++iteration;
            String ckpt = null;
            if (checkpoint != null) {
                ckpt = String.format("checkpoint_%06d", iter);
                copyTree(checkpoint.path(), trialDir.resolve(ckpt));
            }
            ReportedResult r = new ReportedResult(iter, p.timeOffset() + (System.nanoTime() - startNanos) / 1e9,
                    System.currentTimeMillis(), new LinkedHashMap<>(metrics), ckpt);
            synchronized (lock) {
                while (pending.size() >= MAX_PENDING && !stopped) {
                    try {
                        lock.wait();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new TrialStoppedException(p.trialId());
                    }
                }
                pending.add(r);
                if (inFlight < MAX_IN_FLIGHT) sendLocked();
            }
        }

        @Override
        public boolean shouldStop() {
            return stopped || wc.cancelled();
        }
    }

    /** Copies a directory tree (the checkpoint) into {@code to}, replacing files. */
    static void copyTree(Path from, Path to) {
        try {
            Path tmp = to.resolveSibling(to.getFileName() + ".tmp");
            Files.walkFileTree(from, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                    Files.createDirectories(tmp.resolve(from.relativize(dir).toString()));
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.copy(file, tmp.resolve(from.relativize(file).toString()), StandardCopyOption.REPLACE_EXISTING);
                    return FileVisitResult.CONTINUE;
                }
            });
            if (Files.exists(to)) deleteTree(to);
            Files.move(tmp, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save checkpoint " + from + " to " + to + ": " + e.getMessage(), e);
        }
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (var s = Files.walk(p)) {
            for (Path x : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(x);
        }
    }
}
