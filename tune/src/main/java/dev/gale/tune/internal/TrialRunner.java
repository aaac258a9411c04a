package dev.gale.tune.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gale.cluster.Work;
import dev.gale.cluster.WorkContext;
import dev.gale.gpu.DjlRuntime;
import dev.gale.gpu.GpuTelemetry;
import dev.gale.tune.Isolation;
import dev.gale.tune.Trainable;
import dev.gale.tune.TrialStoppedException;
import org.apache.pekko.actor.typed.ActorRef;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;

/**
 * Runs one attempt of a trial on a node: resolves the trainable, gives it an {@link AttemptContext}
 * over a {@link ControllerTransport}, and tells the controller how the attempt ended
 * ({@link TrialProtocol.TrialEnded}) after every result it reported.
 *
 * <p>Isolation: with {@link Isolation#THREAD} the trainable runs on the work's own platform thread
 * (PyTorch threads set from the lease); with {@link Isolation#PROCESS} an {@link IsolatedTrial} runs
 * it in a child JVM, whose context sends over a {@link ChannelTransport} to this node, which relays
 * into the same {@link ControllerTransport}. Either way the trial sees the same context behaviour.
 *
 * <p>GPU telemetry: while the attempt runs, its GPUs are watched by {@link GpuTelemetry#shared()}
 * and each result gets the fields of {@link GpuResultFields}; with {@code stopOnGpuMemoryOverBudget}
 * an attempt over its GPU-memory budget is stopped and ends failed, with an error naming the budget
 * and the usage.
 */
public final class TrialRunner implements Work {
    static final ObjectMapper JSON = new ObjectMapper();

    /** Needed by the NodeAgent, which creates runners by class name. */
    public TrialRunner() {
    }

    @Override
    public void run(WorkContext wc) throws Exception {
        TrialPayload p = wc.payloadObject() instanceof TrialPayload given ? given : JSON.readValue(wc.payload(), TrialPayload.class);
        @SuppressWarnings("unchecked")
        ActorRef<TuneController.Command> owner = (ActorRef<TuneController.Command>) wc.owner();
        ControllerTransport transport = new ControllerTransport(p, wc, owner);
        wc.onMessage(transport::onMessage);
        TrialOutcome outcome;
        try (GpuTelemetry.Watch watch = GpuTelemetry.shared().watch(wc.allocation().gpus())) {
            transport.watch(watch);
            outcome = switch (p.isolation()) {
                case PROCESS -> runIsolated(p, transport, wc);
                case THREAD -> runInThread(new AttemptContext(transport.trialPayload(), wc.allocation(), transport), p, wc);
            };
        }
        transport.flushAll();
        String failure = transport.gpu().failure();
        if (failure != null && outcome.error() == null) outcome = TrialOutcome.failed(failure, null);
        boolean storage = transport.storageFailure() != null && outcome.error() != null;
        owner.tell(new TrialProtocol.TrialEnded(p.trialId(), p.attempt(), outcome.stopped(),
                storage ? transport.storageFailure() : outcome.error(), outcome.stack(), storage, wc.leaseEnded()));
    }

    /** Runs the trainable on the calling thread (the work's platform thread). */
    private static TrialOutcome runInThread(AttemptContext ctx, TrialPayload p, WorkContext wc) {
        try {
            DjlRuntime.configureThreadForLease(wc.allocation().spec().threads());
            Trainable t = LocalTrainables.resolve(p.trainable());
            t.train(ctx);
            return TrialOutcome.ok();
        } catch (Throwable e) {
            return outcome(e, ctx.shouldStop());
        }
    }

    private static TrialOutcome runIsolated(TrialPayload p, ControllerTransport transport, WorkContext wc) {
        try {
            return new IsolatedTrial(p, transport, wc).run();
        } catch (Exception e) {
            return TrialOutcome.failed(e.getMessage() == null ? e.toString() : e.getMessage(), stackTrace(e));
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

    /** Deletes a directory tree (kept here for {@link CheckpointTransfer}). */
    static void deleteTree(Path p) throws IOException {
        CheckpointFiles.deleteTree(p);
    }
}
