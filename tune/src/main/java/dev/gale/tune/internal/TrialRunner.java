package dev.gale.tune.internal;

import ai.djl.Device;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gale.cluster.Work;
import dev.gale.cluster.WorkContext;
import dev.gale.gpu.Allocation;
import dev.gale.gpu.DjlRuntime;
import dev.gale.gpu.GpuTelemetry;
import dev.gale.tune.Checkpoint;
import dev.gale.tune.Config;
import dev.gale.tune.Isolation;
import dev.gale.tune.Trainable;
import dev.gale.tune.TrialContext;
import dev.gale.tune.TrialStoppedException;
import org.apache.pekko.actor.typed.ActorRef;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 *
 * <p>Isolation: with {@link Isolation#THREAD} the trainable runs on the work's own thread; with
 * {@link Isolation#PROCESS} an {@link IsolatedTrial} runs it in a child JVM and relays its calls
 * through the same {@link Context}.
 *
 * <p>GPU telemetry: while the attempt runs, its GPUs are watched by {@link GpuTelemetry#shared()};
 * each result gets {@code gpu<i>_util_pct}, {@code gpu<i>_mem_used_mb}, {@code gpu<i>_mem_budget_mb}
 * ({@code i} = the GPU's position in the lease) and {@code gpu_mem_over_budget}, unless the trial
 * reported those names itself or there is no fresh sample. Over budget, a WARN names trial, GPU,
 * usage and budget (once per GPU and attempt); with {@code stopOnGpuMemoryOverBudget} the attempt is
 * then stopped and ends failed, with an error naming the budget and the usage.
 */
public final class TrialRunner implements Work {
    private static final Logger LOG = LoggerFactory.getLogger(TrialRunner.class);
    private static final long MIB = 1L << 20;
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
        TrialOutcome outcome;
        try (GpuTelemetry.Watch watch = GpuTelemetry.shared().watch(wc.allocation().gpus())) {
            ctx.watch = watch;
            if (p.isolation() == Isolation.PROCESS) {
                try {
                    outcome = new IsolatedTrial(ctx.localPayload(), ctx, wc).run();
                } catch (Exception e) {
                    outcome = TrialOutcome.failed(e.getMessage() == null ? e.toString() : e.getMessage(), stackTrace(e));
                }
            } else {
                outcome = runInThread(p, ctx, wc);
            }
        }
        ctx.flushAll();
        if (ctx.failure() != null && outcome.error() == null) outcome = TrialOutcome.failed(ctx.failure(), null);
        owner.tell(new TrialProtocol.TrialEnded(p.trialId(), p.attempt(), outcome.stopped(), outcome.error(), outcome.stack()));
    }

    /** Runs the trainable on the calling thread (the work's platform thread). */
    private static TrialOutcome runInThread(TrialPayload p, Context ctx, WorkContext wc) {
        try {
            DjlRuntime.configureThreadForLease(wc.allocation().spec().threads());
            Trainable t = LocalTrainables.resolve(p.trainable());
            t.train(ctx);
            return TrialOutcome.ok();
        } catch (Throwable e) {
            return outcome(e, ctx.shouldStop());
        }
    }

    /** How an attempt that threw {@code e} ended, given whether it had been asked to stop. */
    static TrialOutcome outcome(Throwable e, boolean stopRequested) {
        if (e instanceof TrialStoppedException) return TrialOutcome.wasStopped();
        if (stopRequested && (e instanceof InterruptedException || e.getCause() instanceof InterruptedException)) {
            return TrialOutcome.wasStopped();
        }
        return TrialOutcome.failed(e.toString(), stackTrace(e));
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
        private volatile GpuTelemetry.Watch watch;
        private volatile String failure;
        private final java.util.Set<Integer> warnedOver = java.util.concurrent.ConcurrentHashMap.newKeySet();

        Context(TrialPayload p, WorkContext wc, ActorRef<TuneController.Command> owner) {
            this.p = p;
            this.wc = wc;
            this.owner = owner;
            this.config = new Config(p.config());
            Path dir = Path.of(p.trialDir());
            this.shared = CheckpointTransfer.shares(dir.getParent(), p.storageToken());
            if (shared) {
                this.trialDir = dir;
            } else {
                // no shared storage: the trial's files live here, checkpoints travel to the driver
                try {
                    this.trialDir = Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir"), "gale-trials",
                            dir.getParent().getFileName() + "-" + p.storageToken(), p.trialId()));
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot create a local trial directory: " + e.getMessage(), e);
                }
            }
            this.iteration = p.iterationOffset();
        }

        /** Whether this node sees the experiment directory (else checkpoints travel to the driver). */
        private final boolean shared;
        private volatile java.util.concurrent.CompletableFuture<Path> fetched;
        private java.io.ByteArrayOutputStream fetching;

        /** The payload as this node sees it: local trial directory and checkpoint when the storage is not shared. */
        TrialPayload localPayload() {
            if (shared) return p;
            return p.withLocalFiles(trialDir.toString(), checkpoint().map(c -> c.path().toString()).orElse(null));
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
            if (m instanceof CheckpointTransfer.Data d) {
                onCheckpointData(d);
                return;
            }
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
            owner.tell(new TrialProtocol.ResultBatch(p.trialId(), p.attempt(), batch, wc.inbox()));
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
            if (p.checkpoint() == null) return Optional.empty();
            if (shared) return Optional.of(new Checkpoint(Path.of(p.checkpoint())));
            return Optional.of(new Checkpoint(fetchCheckpoint()));
        }

        /** Fetches the checkpoint to resume from from the driver (once per attempt) and returns its local copy. */
        private Path fetchCheckpoint() {
            java.util.concurrent.CompletableFuture<Path> f;
            synchronized (lock) {
                f = fetched;
                if (f == null) {
                    f = fetched = new java.util.concurrent.CompletableFuture<>();
                    fetching = new java.io.ByteArrayOutputStream();
                    owner.tell(new TrialProtocol.CheckpointFetch(p.trialId(), p.attempt(), p.checkpoint(), wc.inbox()));
                }
            }
            try {
                return f.get(300, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TrialStoppedException(p.trialId());
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                Throwable c = e.getCause() != null ? e.getCause() : e;
                throw new IllegalStateException("cannot get checkpoint " + p.checkpoint() + " from the driver: " + c.getMessage(), c);
            }
        }

        private void onCheckpointData(CheckpointTransfer.Data d) {
            java.util.concurrent.CompletableFuture<Path> f;
            synchronized (lock) {
                f = fetched;
                if (f == null || f.isDone()) return;
                if (d.error() != null) {
                    f.completeExceptionally(new IllegalStateException(d.error()));
                    return;
                }
                fetching.writeBytes(d.data());
                if (!d.last()) return;
            }
            try {
                Path local = trialDir.resolve("restored-" + Path.of(p.checkpoint()).getFileName());
                CheckpointTransfer.unzip(fetching.toByteArray(), local);
                f.complete(local);
            } catch (IOException | RuntimeException e) {
                f.completeExceptionally(e);
            }
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
                if (shared) {
                    copyTree(checkpoint.path(), trialDir.resolve(ckpt));
                } else {
                    sendCheckpoint(checkpoint.path(), ckpt);
                }
            }
            Map<String, Object> m = new LinkedHashMap<>(metrics);
            addGpuTelemetry(m, iter);
            ReportedResult r = new ReportedResult(iter, p.timeOffset() + (System.nanoTime() - startNanos) / 1e9,
                    System.currentTimeMillis(), m, ckpt);
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
                if (failure != null) {
                    stopped = true;
                    lock.notifyAll();
                }
            }
        }

        @Override
        public boolean shouldStop() {
            return stopped || wc.cancelled();
        }

        /** Sends a checkpoint to the driver in chunks, ahead of the result that names it (same sender, same order). */
        private void sendCheckpoint(Path from, String name) {
            byte[] zip;
            try {
                zip = CheckpointTransfer.zip(from);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot pack checkpoint " + from + ": " + e.getMessage(), e);
            }
            List<byte[]> chunks = CheckpointTransfer.chunks(zip);
            synchronized (lock) {
                for (int i = 0; i < chunks.size(); i++) {
                    owner.tell(new TrialProtocol.CheckpointChunk(p.trialId(), p.attempt(), name, i, i == chunks.size() - 1,
                            chunks.get(i)));
                }
            }
        }

        /** Why the attempt must end failed although the trainable did not throw (GPU memory over budget), or null. */
        String failure() {
            return failure;
        }

        /** The trial runs in {@code child}: its GPU memory is then counted per process. */
        void attachProcess(ProcessHandle child) {
            GpuTelemetry.Watch w = watch;
            if (w != null) w.attachProcess(child);
        }

        /**
         * Adds the GPU telemetry of the lease's GPUs to {@code m} (names the trial reported itself are
         * kept) and applies the GPU-memory budget.
         */
        private void addGpuTelemetry(Map<String, Object> m, long iter) {
            GpuTelemetry.Watch w = watch;
            if (w == null) return;
            List<GpuTelemetry.GpuUsage> usage = w.usage();
            if (usage.isEmpty()) return;
            boolean over = false;
            for (GpuTelemetry.GpuUsage u : usage) {
                String k = "gpu" + u.position();
                m.putIfAbsent(k + "_util_pct", u.utilizationPct());
                m.putIfAbsent(k + "_mem_used_mb", u.memoryUsedBytes() / MIB);
                m.putIfAbsent(k + "_mem_budget_mb", u.memoryBudgetBytes() / MIB);
                if (!u.overBudget()) continue;
                over = true;
                String what = "GPU " + u.index() + " (lease GPU " + u.position() + ") uses " + u.memoryUsedBytes() / MIB
                        + " MiB of GPU memory, over its budget of " + u.memoryBudgetBytes() / MIB + " MiB ("
                        + basis(u.basis()) + ")";
                if (warnedOver.add(u.position())) {
                    LOG.warn("trial {} attempt {}, result {}: {}", p.trialId(), p.attempt(), iter, what);
                }
                if (p.stopOnGpuMemoryOverBudget() && failure == null) {
                    failure = "trial " + p.trialId() + " stopped: " + what + " (RunConfig.stopOnGpuMemoryOverBudget is on:"
                            + " lower the batch size or model, or raise ResourceSpec gpuMemory)";
                }
            }
            m.putIfAbsent("gpu_mem_over_budget", over);
        }

        private static String basis(GpuTelemetry.Basis b) {
            return switch (b) {
                case PROCESS -> "memory of the trial's process";
                case DEVICE -> "whole-device memory, the trial being the GPU's only lessee";
                case SHARED_DEVICE -> "whole-device memory against the budgets of all the GPU's lessees";
            };
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
