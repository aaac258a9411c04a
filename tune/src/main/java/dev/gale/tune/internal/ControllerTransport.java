package dev.gale.tune.internal;

import dev.gale.cluster.WorkContext;
import dev.gale.gpu.GpuTelemetry;
import dev.gale.tune.TrialStoppedException;
import dev.gale.tune.search.Domain;
import org.apache.pekko.actor.typed.ActorRef;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The node's link from one trial attempt to the experiment's controller: actor messages
 * ({@link TrialProtocol}) out, answers in through an {@link AttemptInbox}: the attempt's inbox
 * actor ({@link WorkContext#inbox()}) when the controller is in another JVM, else a direct call of
 * {@link #onMessage} on the controller's thread (no actor per attempt).
 *
 * <p>Flow control: at most {@value #MAX_IN_FLIGHT} result batches are unacknowledged; results sent
 * meanwhile are gathered into the next batch; past {@value #MAX_PENDING} gathered results the
 * sending thread waits. Nothing is dropped. Each {@link RunnerAck} may carry the stop decision.
 *
 * <p>Storage: when the node shares the experiment's storage ({@link CheckpointTransfer#shares}), the
 * trial directory is the experiment's and checkpoints are copied into it; otherwise the trial's
 * files live in a local directory, checkpoints travel to the driver in chunks ahead of the result
 * that names it (same sender, same order), and a checkpoint to resume from is fetched from the
 * driver once per attempt.
 *
 * <p>Deadlines: a define-by-run parameter is awaited at most {@value #PARAM_TIMEOUT_S} s, a
 * checkpoint fetch at most {@value #FETCH_TIMEOUT_S} s; then the call fails naming what it waited for.
 */
final class ControllerTransport implements TrialTransport {
    static final int MAX_IN_FLIGHT = 2;
    static final int MAX_PENDING = 1024;
    static final long PARAM_TIMEOUT_S = 120;
    static final long FETCH_TIMEOUT_S = 300;

    private final TrialPayload p;
    private final WorkContext wc;
    private final ActorRef<TuneController.Command> owner;
    private final boolean shared;
    private final Path trialDir;
    private final GpuResultFields gpu;
    /** Where the controller answers: this transport itself when the controller runs in this JVM, else the work's inbox actor. */
    private final AttemptInbox inbox;
    private final Object lock = new Object();
    private List<ReportedResult> pending = new ArrayList<>();
    private int inFlight;
    private volatile boolean stopped;
    private volatile CompletableFuture<ParamMessages.ParamReply> paramReply;
    /** Parameters this attempt drew itself, by name, and those not yet told to the controller (guarded by {@link #lock}). */
    private final java.util.Map<String, Object> drawnHere = new java.util.HashMap<>();
    private java.util.Map<String, Object> drawnUntold = new java.util.LinkedHashMap<>();
    private CompletableFuture<Path> fetched;
    private ByteArrayOutputStream fetching;
    private String fetchingFrom;

    ControllerTransport(TrialPayload p, WorkContext wc, ActorRef<TuneController.Command> owner) {
        this.p = p;
        this.wc = wc;
        this.owner = owner;
        this.gpu = new GpuResultFields(p);
        this.inbox = owner.path().address().hasLocalScope() ? AttemptInbox.local(this::onMessage) : AttemptInbox.of(wc.inbox());
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
    }

    /** The payload as the trial sees it on this node: its local trial directory (the checkpoint is resolved on demand). */
    TrialPayload trialPayload() {
        return shared ? p : p.withLocalFiles(trialDir.toString(), p.checkpoint());
    }

    /** The payload for a child JVM: local trial directory and a local copy of the checkpoint (fetched now when needed). */
    TrialPayload childPayload() {
        if (shared) return p;
        return p.withLocalFiles(trialDir.toString(), p.checkpoint() == null ? null : localCheckpoint(p.checkpoint()).toString());
    }

    private volatile String storageFailure;

    /**
     * Why writing a checkpoint into the shared experiment directory failed (a full disk, a
     * read-only directory), or null: the attempt then ends because of the experiment's storage,
     * not because of the trial.
     */
    String storageFailure() {
        return storageFailure;
    }

    /** The GPU telemetry and budget of this attempt. */
    GpuResultFields gpu() {
        return gpu;
    }

    // ------------------------------------------------------------------ results

    @Override
    public void send(ReportedResult r, Path checkpointFrom) {
        if (checkpointFrom != null) {
            if (shared) {
                try {
                    CheckpointFiles.copyTree(checkpointFrom, trialDir.resolve(r.checkpoint()));
                } catch (java.io.UncheckedIOException e) {
                    storageFailure = e.getMessage(); // the experiment's storage failed (a full disk), not the trial
                    throw e;
                }
            } else {
                shipCheckpoint(checkpointFrom, r.checkpoint());
            }
        }
        gpu.addTo(r.metrics(), r.iteration());
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
            if (gpu.failure() != null) {
                stopped = true;
                lock.notifyAll();
            }
        }
    }

    @Override
    public boolean stopRequested() {
        return stopped || wc.cancelled();
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

    private void sendLocked() {
        flushDrawnLocked();
        List<ReportedResult> batch = pending;
        pending = new ArrayList<>(Math.min(64, batch.size() * 2 + 1));
        inFlight++;
        owner.tell(new TrialProtocol.ResultBatch(p.trialId(), p.attempt(), batch, inbox));
    }

    /** Sends what is gathered, whatever the window: the attempt is ending. */
    void flushAll() {
        synchronized (lock) {
            if (!pending.isEmpty()) sendLocked();
            flushDrawnLocked();
        }
    }

    /** Tells the controller the parameters drawn here since the last message (call holding {@link #lock}). */
    private void flushDrawnLocked() {
        if (drawnUntold.isEmpty()) return;
        owner.tell(new ParamMessages.ParamsDrawn(p.trialId(), p.attempt(), drawnUntold));
        drawnUntold = new java.util.LinkedHashMap<>();
    }

    /** Handles a message to the attempt's inbox (on an actor thread). */
    void onMessage(Object m) {
        switch (m) {
            case RunnerAck ack -> {
                synchronized (lock) {
                    inFlight--;
                    if (ack.stop()) stopped = true;
                    if (!pending.isEmpty() && inFlight < MAX_IN_FLIGHT) sendLocked();
                    lock.notifyAll();
                }
            }
            case ParamMessages.ParamReply r -> {
                CompletableFuture<ParamMessages.ParamReply> f = paramReply;
                if (f != null) f.complete(r);
            }
            case CheckpointTransfer.Data d -> onCheckpointData(d);
            default -> {
                // not of this protocol: nothing to do
            }
        }
    }

    // ------------------------------------------------------------------ define-by-run

    @Override
    public Object parameter(String name, ParamMessages.ParamSpec spec) {
        if (p.draw() != null) return drawn(name, spec);
        CompletableFuture<ParamMessages.ParamReply> f = new CompletableFuture<>();
        paramReply = f;
        synchronized (lock) {
            flushDrawnLocked();
            owner.tell(new ParamMessages.ParamRequest(p.trialId(), p.attempt(), name, spec, inbox));
        }
        ParamMessages.ParamReply r;
        try {
            r = f.get(PARAM_TIMEOUT_S, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TrialStoppedException(p.trialId());
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("no answer from the controller for parameter '" + name + "' within "
                    + PARAM_TIMEOUT_S + " s: " + e, e);
        }
        if (r.error() != null) throw new IllegalArgumentException(r.error());
        return r.value();
    }

    /**
     * A parameter the trial draws itself (its searcher's independent draw): the same value, checks
     * and errors as the controller's answer ({@link ParamService#answer}), without the round trip;
     * the controller is told the values, in the order drawn, ahead of the next message this attempt
     * sends (a result, a parameter ask, a checkpoint, its end).
     */
    private Object drawn(String name, ParamMessages.ParamSpec spec) {
        Domain d;
        try {
            d = spec.toDomain(name);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(e.getMessage() == null ? e.toString() : e.getMessage(), e);
        }
        synchronized (lock) {
            Object known = drawnHere.get(name);
            if (known == null) {
                dev.gale.tune.Config recorded = new dev.gale.tune.Config(p.config());
                if (recorded.has(name)) known = recorded.get(name);
            }
            if (known != null) {
                if (!d.contains(known)) {
                    throw new IllegalArgumentException("parameter '" + name + "' was suggested before as " + known
                            + ", outside the domain asked now (" + d + "): ask for a parameter with one domain only");
                }
                return known;
            }
            Object value = p.draw().draw(name, d);
            String problem = ParamService.jsonProblem(java.util.Map.of(name, value));
            if (problem != null) throw new IllegalArgumentException("parameter '" + name + "' cannot be written as JSON: " + problem);
            drawnHere.put(name, value);
            drawnUntold.put(name, value);
            return value;
        }
    }

    // ------------------------------------------------------------------ checkpoints

    @Override
    public Path localCheckpoint(String recorded) {
        if (shared) return Path.of(recorded);
        CompletableFuture<Path> f;
        synchronized (lock) {
            f = fetched;
            if (f == null) {
                f = fetched = new CompletableFuture<>();
                fetching = new ByteArrayOutputStream();
                fetchingFrom = recorded;
                flushDrawnLocked();
                owner.tell(new TrialProtocol.CheckpointFetch(p.trialId(), p.attempt(), recorded, inbox));
            }
        }
        try {
            return f.get(FETCH_TIMEOUT_S, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TrialStoppedException(p.trialId());
        } catch (ExecutionException | TimeoutException e) {
            Throwable c = e.getCause() != null ? e.getCause() : e;
            throw new IllegalStateException("cannot get checkpoint " + recorded + " from the driver within " + FETCH_TIMEOUT_S
                    + " s: " + c.getMessage(), c);
        }
    }

    private void onCheckpointData(CheckpointTransfer.Data d) {
        CompletableFuture<Path> f;
        byte[] zip;
        String from;
        synchronized (lock) {
            f = fetched;
            if (f == null || f.isDone()) return;
            if (d.error() != null) {
                f.completeExceptionally(new IllegalStateException(d.error()));
                return;
            }
            fetching.writeBytes(d.data());
            if (!d.last()) return;
            zip = fetching.toByteArray();
            from = fetchingFrom;
        }
        try {
            Path local = trialDir.resolve("restored-" + Path.of(from).getFileName());
            CheckpointTransfer.unzip(zip, local);
            f.complete(local);
        } catch (IOException | RuntimeException e) {
            f.completeExceptionally(e);
        }
    }

    /** Sends a checkpoint to the driver in chunks, ahead of the result that names it (same sender, same order). */
    private void shipCheckpoint(Path from, String name) {
        byte[] zip;
        try {
            zip = CheckpointTransfer.zip(from);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot pack checkpoint " + from + ": " + e.getMessage(), e);
        }
        List<byte[]> chunks = CheckpointTransfer.chunks(zip);
        synchronized (lock) {
            flushDrawnLocked();
            for (int i = 0; i < chunks.size(); i++) {
                owner.tell(new TrialProtocol.CheckpointChunk(p.trialId(), p.attempt(), name, i, i == chunks.size() - 1,
                        chunks.get(i)));
            }
        }
    }

    /** Watches the lease's GPUs with {@code w} (null: none). */
    void watch(GpuTelemetry.Watch w) {
        gpu.watch(w);
    }
}
