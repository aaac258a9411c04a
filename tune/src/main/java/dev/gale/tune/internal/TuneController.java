package dev.gale.tune.internal;

import dev.gale.cluster.Bundle;
import dev.gale.cluster.LeasePool;
import dev.gale.cluster.LeaseReply;
import dev.gale.cluster.Placement;
import dev.gale.cluster.ResourceManager;
import dev.gale.cluster.WorkEvent;
import dev.gale.gpu.ResourceSpec;
import dev.gale.tune.ExperimentStoppedException;
import dev.gale.tune.ResultGrid;
import dev.gale.tune.RunConfig;
import dev.gale.tune.TuneConfig;
import dev.gale.tune.callback.Callback;
import dev.gale.tune.callback.ExperimentInfo;
import dev.gale.tune.storage.ExperimentStore;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The experiment's controller: an actor that routes each message to the part that owns it — the
 * {@link TrialLifecycle} (every status change), the {@link TrialFlow} (leases and attempt
 * endings), the {@link ResultPipeline}, the {@link ParamService}, the {@link CheckpointRelay} —
 * and, on a timer, writes snapshots, checks the time budget and the storage, and ticks the
 * callbacks. Searcher and scheduler are called from this actor's thread only.
 *
 * <p>Promises: the {@code done} future completes exactly once, after the final snapshot and the
 * callbacks' {@code onExperimentEnd}: with the {@link ResultGrid} when the experiment ran to its
 * end (or its time budget), else exceptionally with an {@link ExperimentStoppedException} saying
 * why (interrupted, or aborted by an error) and which trials were left INTERRUPTED.
 */
public final class TuneController extends AbstractBehavior<TuneController.Command> {

    /** Messages of the controller. */
    public sealed interface Command permits TrialProtocol.ToController, Interrupt, WrappedLease, WrappedWork, Tick {
    }

    /**
     * Stops the experiment now, as Ctrl-C does: running trials are stopped and recorded INTERRUPTED
     * (resumable), queued and paused ones stay, and {@code done} fails with an {@link ExperimentStoppedException}.
     *
     * @param reason what stopped it, for messages (e.g. "interrupted (SIGINT)")
     */
    public record Interrupt(String reason) implements Command {
    }

    private record WrappedLease(LeaseReply reply) implements Command {
    }

    private record WrappedWork(WorkEvent event) implements Command {
    }

    private enum Tick implements Command { INSTANCE }

    /**
     * Everything the controller needs to run an experiment.
     *
     * @param group     the fairness group of its lease requests (the experiment's name)
     * @param placement how its trials are placed across nodes
     * @param restored  the interrupted run to continue, or null for a new experiment
     * @param launch    what the caller wants recorded in the snapshot to launch it again (may be empty)
     * @param callbacks the experiment's callbacks (progress table included), in call order
     * @param clock     the experiment's clock (time budget, elapsed time, journal times)
     */
    public record Setup(TuneConfig tune, RunConfig run, ResourceSpec resources, String trainable,
                        ActorRef<ResourceManager.Command> resourceManager, ExperimentStore store, List<Callback> callbacks,
                        CompletableFuture<ResultGrid> done, String group, Placement placement, ExperimentRestore restored,
                        Map<String, Object> launch, Clock clock) {
        public Setup {
            if (group == null) group = "";
            if (placement == null) placement = Placement.PACK;
            launch = launch == null ? Map.of() : launch;
            callbacks = callbacks == null ? List.of() : List.copyOf(callbacks);
            if (clock == null) clock = Clock.systemUTC();
        }
    }

    private static final long SYNC_EVERY_MILLIS = 2000;

    private final Setup s;
    private final ExperimentStore store;
    private final CallbackDispatcher callbacks;
    private final TrialLifecycle lifecycle;
    private final TrialSource source;
    private final TrialFlow flow;
    private final ResultPipeline results;
    private final ParamService params;
    private final CheckpointRelay relay;
    private final SnapshotWriter snapshots;
    private final LeasePool pool;
    private final ExperimentInfo info;
    private final ExperimentEnding ending;
    private final long startMillis;
    private final double elapsedBefore;
    private long lastSync;
    private long stopDeadline = Long.MAX_VALUE;
    private boolean finished;
    private boolean interruptedOnRequest;

    /** The controller's behavior. */
    public static Behavior<Command> create(Setup setup) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> new TuneController(ctx, timers, setup)));
    }

    private TuneController(ActorContext<Command> ctx, TimerScheduler<Command> timers, Setup s) {
        super(ctx);
        this.s = s;
        TuneConfig cfg = s.tune();
        this.store = s.store();
        this.startMillis = s.clock().millis();
        this.elapsedBefore = s.restored() == null ? 0 : s.restored().elapsedS();
        this.callbacks = new CallbackDispatcher(s.callbacks(), s.run().callbackQueueSize(), s.run().name());
        CheckpointRetention retention = new CheckpointRetention(s.run().checkpointConfig());
        this.lifecycle = new TrialLifecycle(store, cfg.searcher(), cfg.scheduler(), callbacks, retention, s.clock(),
                s.restored() == null ? 0 : s.restored().journalSeq(), ctx.getLog());
        this.source = new TrialSource(cfg.searcher(), cfg.searcher().plannedTrials(cfg.numSamples()), lifecycle,
                s.restored() == null ? 0 : s.restored().trials().size());
        String holder = s.group() + "@" + ctx.getSystem().address() + "/" + ctx.getSelf().path().name();
        this.pool = new LeasePool(s.resourceManager(), ctx.messageAdapter(LeaseReply.class, WrappedLease::new), holder,
                s.group(), s.clock());
        TrialStarter starter = new TrialStarter(s.trainable(), s.run(), store, lifecycle, ctx.getSelf(),
                ctx.messageAdapter(WorkEvent.class, WrappedWork::new), holder, cfg.searcher());
        this.flow = new TrialFlow(cfg, lifecycle, source, starter, pool, store, retention,
                new Bundle(List.of(s.resources()), s.placement(), Map.of()), s.run().pendingTimeout(), ctx.getLog());
        this.results = new ResultPipeline(cfg.metric(), cfg.mode(), cfg.searcher(), cfg.scheduler(), cfg.stoppers(), store,
                lifecycle, retention, flow::checkpointed);
        this.params = new ParamService(cfg.searcher(), lifecycle);
        this.relay = new CheckpointRelay(store);
        this.snapshots = new SnapshotWriter(cfg, s.run(), s.launch(), store, lifecycle);
        this.info = new ExperimentInfo(s.run().name(), store.dir(), cfg.metric(), cfg.mode(), cfg.numSamples(),
                cfg.searcher().name(), cfg.scheduler().name(), s.restored() != null, startMillis);
        this.ending = new ExperimentEnding(s, store, pool, snapshots, callbacks, lifecycle, flow, info);
        callbacks.experimentStart(info);
        if (s.restored() != null) {
            ResumedTrials.adopt(s.restored(), lifecycle, source);
            ctx.getLog().info("restored {} trials", lifecycle.size());
        }
        // a snapshot before the first trial: a run stopped early (a full disk, a kill) can be resumed
        // even when its trials wrote more than the disk held before the first tick's snapshot
        snapshots.maybeWrite(elapsedSeconds());
        timers.startTimerWithFixedDelay(Tick.INSTANCE, Duration.ofMillis(Math.min(s.run().progressMillis(), 1000)));
        flow.fill();
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(TrialProtocol.ResultBatch.class, this::onResults)
                .onMessage(TrialProtocol.TrialEnded.class, this::onEnded)
                .onMessage(ParamMessages.ParamRequest.class, this::onParam)
                .onMessage(ParamMessages.ParamsDrawn.class, this::onDrawn)
                .onMessage(TrialProtocol.CheckpointChunk.class, c -> route(c, () -> relay.chunk(c)))
                .onMessage(TrialProtocol.CheckpointFetch.class, f -> route(null, () -> relay.fetch(f)))
                .onMessage(WrappedLease.class, this::onLease)
                .onMessage(WrappedWork.class, this::onWork)
                .onMessage(Interrupt.class, this::onInterrupt)
                .onMessageEquals(Tick.INSTANCE, this::onTick)
                .build();
    }

    /** The running trial of a message of {@code attempt}, or null when the message is stale. */
    private TrialRecord current(String trialId, int attempt) {
        TrialRecord t = lifecycle.get(trialId);
        return t != null && t.attempt == attempt && t.status == dev.gale.tune.TrialStatus.RUNNING ? t : null;
    }

    private Behavior<Command> route(TrialProtocol.ToController m, Runnable action) {
        if (m == null || current(m.trialId(), m.attempt()) != null) action.run();
        return this;
    }

    private Behavior<Command> onResults(TrialProtocol.ResultBatch b) {
        TrialRecord t = current(b.trialId(), b.attempt());
        boolean stop = true;
        if (t != null) {
            results.handle(t, b.results());
            stop = t.stopRequested || t.interruptRequested;
        }
        b.inbox().tell(new RunnerAck(stop));
        if (source.waiting()) flow.fill();
        return this;
    }

    private Behavior<Command> onEnded(TrialProtocol.TrialEnded e) {
        TrialRecord t = current(e.trialId(), e.attempt());
        if (t != null && e.storageFailed()) {
            t.interruptRequested = true; // the storage failed, not the trial: it is resumable
            abort(ending.storageProblem(e.error()));
        }
        if (t != null) flow.ended(t, e.error(), e.stackTrace() == null ? e.error() : e.stackTrace(), e.leaseEnded(), e.stopped());
        return maybeFinish();
    }

    private Behavior<Command> onParam(ParamMessages.ParamRequest m) {
        TrialRecord t = current(m.trialId(), m.attempt());
        m.inbox().tell(t == null ? new ParamMessages.ParamReply(m.name(), null, "trial " + m.trialId() + " is not running")
                : params.answer(t, m));
        return this;
    }

    private Behavior<Command> onDrawn(ParamMessages.ParamsDrawn m) {
        TrialRecord t = current(m.trialId(), m.attempt());
        if (t != null) params.record(t, m);
        return this;
    }

    private Behavior<Command> onLease(WrappedLease w) {
        switch (pool.accept(w.reply())) {
            case LeasePool.Event.Granted g -> flow.granted(g.leases().getFirst());
            case LeasePool.Event.Lost l -> {
                TrialRecord t = flow.onLease(l.lease().leaseId());
                if (t != null) flow.lost(t, l.reason(), "lease " + l.lease().leaseId() + " revoked: " + l.reason());
            }
            case LeasePool.Event.Refused r -> abort("resources per trial (" + s.resources() + ") fit no node of the cluster any more: "
                    + r.reason());
            case LeasePool.Event.TimedOut to -> abort("trials waited too long for resources (RunConfig.pendingTimeout "
                    + s.run().pendingTimeout() + "): " + to.reason());
            case LeasePool.Event.MoveRequested m -> flow.moveRequested(m.lease());
            case LeasePool.Event.Ignored i -> {
                // nothing for the controller
            }
        }
        return maybeFinish();
    }

    private Behavior<Command> onWork(WrappedWork w) {
        if (w.event() instanceof WorkEvent.Failed f) {
            TrialRecord t = flow.onLease(f.leaseId());
            if (t != null && f.workId().equals(t.workId)) flow.ended(t, f.error(), f.stackTrace(), f.leaseEnded(), false);
        }
        return maybeFinish();
    }

    private Behavior<Command> onInterrupt(Interrupt m) {
        getContext().getLog().info("experiment {}: {}; stopping {} running trials", s.run().name(), m.reason(), flow.running());
        if (flow.stopReason() == null) interruptedOnRequest = true;
        stopNow(m.reason());
        return maybeFinish();
    }

    private void abort(String reason) {
        getContext().getLog().warn("experiment {} aborted: {}", s.run().name(), reason);
        stopNow(reason);
    }

    private void stopNow(String reason) { // running trials end INTERRUPTED; abandoned after the grace period + 10 s
        // the deadline first: stopping tells the nodes, and the deadline must count from before that
        // (a test that advances its clock once a node was told saw a deadline set after its advance)
        stopDeadline = Math.min(stopDeadline, s.clock().millis() + s.run().stopGracePeriod().toMillis() + 10_000);
        flow.stop(TrialFlow.Phase.INTERRUPTING, reason);
    }

    private Behavior<Command> onTick() {
        long now = s.clock().millis();
        if (flow.phase() == TrialFlow.Phase.RUNNING && s.tune().timeBudget() != null
                && elapsedSeconds() * 1000 >= s.tune().timeBudget().toMillis()) {
            flow.stop(TrialFlow.Phase.STOPPING, null);
        }
        if (store.failure() != null && flow.phase() != TrialFlow.Phase.INTERRUPTING) abort(ending.storageProblem());
        if (now >= stopDeadline) flow.abandonRunning();
        store.flush();
        snapshots.maybeWrite(elapsedSeconds());
        callbacks.tick(elapsedSeconds());
        if (now - lastSync >= SYNC_EVERY_MILLIS) {
            lastSync = now;
            pool.sync();
        }
        flow.tick();
        return maybeFinish();
    }

    private Behavior<Command> maybeFinish() {
        if (finished || !flow.over()) return this;
        finished = true;
        ending.finish(interruptedOnRequest, elapsedSeconds());
        return draining();
    }

    /** After the end: a lease granted while the demand was withdrawn is given back; stops after 5 s. */
    private Behavior<Command> draining() {
        return Behaviors.withTimers(timers -> {
            timers.startSingleTimer(Tick.INSTANCE, Duration.ofSeconds(5));
            return Behaviors.receive(Command.class)
                    .onMessage(WrappedLease.class, w -> {
                        if (pool.accept(w.reply()) instanceof LeasePool.Event.Granted g) g.leases().forEach(pool::release);
                        return Behaviors.same();
                    })
                    .onMessage(TrialProtocol.ResultBatch.class, b -> {
                        b.inbox().tell(new RunnerAck(true));
                        return Behaviors.same();
                    })
                    .onMessageEquals(Tick.INSTANCE, Behaviors::stopped)
                    .build();
        });
    }

    private double elapsedSeconds() {
        return elapsedBefore + (s.clock().millis() - startMillis) / 1000.0;
    }
}
