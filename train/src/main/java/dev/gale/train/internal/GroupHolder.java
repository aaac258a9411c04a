package dev.gale.train.internal;

import dev.gale.cluster.Bundle;
import dev.gale.cluster.Lease;
import dev.gale.cluster.LeasePool;
import dev.gale.cluster.LeaseReply;
import dev.gale.cluster.NodeAgent;
import dev.gale.cluster.ResourceManager;
import dev.gale.cluster.WorkEvent;
import dev.gale.train.ScalingConfig;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.IntFunction;

/**
 * The lease holder of one training group (an actor in the driver's JVM): owns a {@link LeasePool},
 * wants the group as one all-or-nothing gang bundle of {@code minWorkers} specs (plus, for an
 * elastic group, up to {@code max - min} single-worker bundles taken if they are granted within the
 * elastic wait), starts a {@link WorkerLauncher} on every lease, and tells the driver what happens
 * through its sink: {@link GroupEvent.Started}, {@link GroupEvent.Unplaceable} (a gang no node shape
 * can hold is refused at once, with the shape named), {@link GroupEvent.WorkerEnded},
 * {@link GroupEvent.LeaseLost}, {@link GroupEvent.MoveRequested}. Once the driver says the group has
 * a checkpoint ({@link Checkpointed}), the attempt's leases are movable (the ResourceManager may ask
 * the group to move, see {@code ResourceManager.Consolidate}).
 *
 * <p>Promises: {@link ReleaseAll} stops every started worker (the NodeAgent cancels the launcher,
 * which kills the worker JVM) and gives every lease back; {@link Shutdown} does the same and stops
 * the actor; a grant that arrives for an earlier attempt is released, never used.
 */
public final class GroupHolder extends AbstractBehavior<GroupHolder.Command> {
    static final Duration SYNC_EVERY = Duration.ofSeconds(2);

    /** Messages of the holder (local only). */
    public sealed interface Command {
    }

    /**
     * Acquires and starts one attempt of the group.
     *
     * @param payload the launcher payload of each rank
     * @param sink    receives the attempt's events (called on the actor's thread: must not block)
     */
    public record Acquire(String attempt, ScalingConfig scaling, Duration elasticWait, IntFunction<String> payload,
                          Consumer<GroupEvent> sink) implements Command {
    }

    /** Stops the attempt's workers and gives back its leases. */
    public enum ReleaseAll implements Command { INSTANCE }

    /** The attempt's group has a checkpoint to restart from: its leases can move. */
    public enum Checkpointed implements Command { INSTANCE }

    /** Releases everything and stops the actor. */
    public enum Shutdown implements Command { INSTANCE }

    private record WrappedLease(LeaseReply reply) implements Command {
    }

    private record WrappedWork(WorkEvent event) implements Command {
    }

    private record ElasticDeadline(String attempt) implements Command {
    }

    private enum Sync implements Command { INSTANCE }

    private final LeasePool pool;
    private final ActorRef<WorkEvent> workAdapter;
    private final TimerScheduler<Command> timers;
    private Acquire current;
    private List<Lease> gang;
    private final List<Lease> extras = new ArrayList<>();
    private final List<Lease> running = new ArrayList<>();

    public static Behavior<Command> create(ActorRef<ResourceManager.Command> rm, String holderId) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(t -> new GroupHolder(ctx, t, rm, holderId)));
    }

    private GroupHolder(ActorContext<Command> ctx, TimerScheduler<Command> timers, ActorRef<ResourceManager.Command> rm,
                        String holderId) {
        super(ctx);
        this.timers = timers;
        this.pool = new LeasePool(rm, ctx.messageAdapter(LeaseReply.class, WrappedLease::new), holderId, holderId,
                Clock.systemUTC());
        this.workAdapter = ctx.messageAdapter(WorkEvent.class, WrappedWork::new);
        timers.startTimerWithFixedDelay(Sync.INSTANCE, SYNC_EVERY);
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Acquire.class, this::onAcquire)
                .onMessageEquals(ReleaseAll.INSTANCE, this::onReleaseAll)
                .onMessageEquals(Shutdown.INSTANCE, this::onShutdown)
                .onMessageEquals(Checkpointed.INSTANCE, this::onCheckpointed)
                .onMessage(WrappedLease.class, this::onLease)
                .onMessage(WrappedWork.class, this::onWork)
                .onMessage(ElasticDeadline.class, this::onElasticDeadline)
                .onMessageEquals(Sync.INSTANCE, this::onSync)
                .onSignal(PostStop.class, s -> {
                    releaseAll();
                    pool.close();
                    return this;
                })
                .build();
    }

    private static String gangKey(String attempt) {
        return attempt + "/gang";
    }

    private static String extraKey(String attempt) {
        return attempt + "/extra";
    }

    private Behavior<Command> onAcquire(Acquire a) {
        releaseAll();
        current = a;
        ScalingConfig s = a.scaling();
        Bundle b = Bundle.gang(s.minWorkers(), s.resourcesPerWorker(), s.placement());
        pool.want(gangKey(a.attempt()), b, 1, null, true);
        if (s.elastic()) {
            pool.want(extraKey(a.attempt()), Bundle.of(s.resourcesPerWorker(), s.placement()), s.maxWorkers() - s.minWorkers(),
                    null, false);
        }
        return this;
    }

    private Behavior<Command> onLease(WrappedLease w) {
        LeasePool.Event e = pool.accept(w.reply());
        switch (e) {
            case LeasePool.Event.Granted g -> onGranted(g);
            case LeasePool.Event.Lost l -> {
                int rank = running.indexOf(l.lease());
                if (rank >= 0 && current != null) current.sink().accept(new GroupEvent.LeaseLost(rank, l.reason()));
                extras.remove(l.lease());
                if (gang != null && gang.contains(l.lease())) {
                    for (Lease x : gang) pool.release(x);
                    gang = null;
                    if (current != null && running.isEmpty()) pool.want(gangKey(current.attempt()),
                            Bundle.gang(current.scaling().minWorkers(), current.scaling().resourcesPerWorker(),
                                    current.scaling().placement()), 1, null, true);
                }
            }
            case LeasePool.Event.Refused r -> {
                if (current != null && r.demandKey().equals(gangKey(current.attempt()))) {
                    current.sink().accept(new GroupEvent.Unplaceable(r.reason()));
                }
            }
            case LeasePool.Event.TimedOut t -> {
                if (current != null && t.demandKey().equals(gangKey(current.attempt()))) {
                    current.sink().accept(new GroupEvent.Unplaceable(t.reason()));
                }
            }
            case LeasePool.Event.MoveRequested m -> {
                if (current != null && running.contains(m.lease())) {
                    current.sink().accept(new GroupEvent.MoveRequested("node " + m.lease().nodeId() + " is being emptied"));
                } else {
                    pool.release(m.lease());
                }
            }
            case LeasePool.Event.Ignored i -> {
            }
        }
        return this;
    }

    private Behavior<Command> onCheckpointed() {
        for (Lease l : running) pool.setMovable(l, true);
        return this;
    }

    private void onGranted(LeasePool.Event.Granted g) {
        if (current == null || !running.isEmpty()) {
            g.leases().forEach(pool::release);
            return;
        }
        if (g.demandKey().equals(gangKey(current.attempt()))) {
            gang = new ArrayList<>(g.leases());
            if (!current.scaling().elastic() || extras.size() == current.scaling().maxWorkers() - current.scaling().minWorkers()) {
                launch();
            } else {
                timers.startSingleTimer(new ElasticDeadline(current.attempt()), current.elasticWait());
            }
        } else if (g.demandKey().equals(extraKey(current.attempt()))) {
            extras.addAll(g.leases());
            if (gang != null && extras.size() == current.scaling().maxWorkers() - current.scaling().minWorkers()) launch();
        } else {
            g.leases().forEach(pool::release);
        }
    }

    private Behavior<Command> onElasticDeadline(ElasticDeadline d) {
        if (current != null && current.attempt().equals(d.attempt()) && gang != null && running.isEmpty()) launch();
        return this;
    }

    private void launch() {
        timers.cancel(new ElasticDeadline(current.attempt()));
        pool.want(gangKey(current.attempt()), Bundle.gang(current.scaling().minWorkers(), current.scaling().resourcesPerWorker(),
                current.scaling().placement()), 0, null, true);
        if (current.scaling().elastic()) {
            pool.want(extraKey(current.attempt()), Bundle.of(current.scaling().resourcesPerWorker(), current.scaling().placement()),
                    0, null, false);
        }
        running.addAll(gang);
        running.addAll(extras);
        gang = null;
        extras.clear();
        current.sink().accept(new GroupEvent.Started(List.copyOf(running)));
        for (int rank = 0; rank < running.size(); rank++) {
            Lease l = running.get(rank);
            l.agent().tell(new NodeAgent.StartWork(workId(rank), l.leaseId(), l.allocation(), WorkerLauncher.class.getName(),
                    current.payload().apply(rank), getContext().getSelf(), workAdapter));
        }
    }

    private String workId(int rank) {
        return pool.holderId() + "/" + current.attempt() + "/rank-" + rank;
    }

    private Behavior<Command> onWork(WrappedWork w) {
        if (current == null) return this;
        for (int rank = 0; rank < running.size(); rank++) {
            if (workId(rank).equals(w.event().workId())) {
                String error = switch (w.event()) {
                    case WorkEvent.Finished f -> null;
                    case WorkEvent.Failed f -> f.error();
                };
                current.sink().accept(new GroupEvent.WorkerEnded(rank, error));
            }
        }
        return this;
    }

    private Behavior<Command> onReleaseAll() {
        releaseAll();
        return this;
    }

    private void releaseAll() {
        if (current != null) {
            timers.cancel(new ElasticDeadline(current.attempt()));
            pool.want(gangKey(current.attempt()), Bundle.gang(current.scaling().minWorkers(),
                    current.scaling().resourcesPerWorker(), current.scaling().placement()), 0, null, true);
            if (current.scaling().elastic()) {
                pool.want(extraKey(current.attempt()), Bundle.of(current.scaling().resourcesPerWorker(),
                        current.scaling().placement()), 0, null, false);
            }
        }
        for (Lease l : running) {
            l.agent().tell(new NodeAgent.StopWork(l.leaseId()));
            pool.release(l);
        }
        if (gang != null) gang.forEach(pool::release);
        extras.forEach(pool::release);
        running.clear();
        extras.clear();
        gang = null;
        current = null;
    }

    private Behavior<Command> onShutdown() {
        return Behaviors.stopped();
    }

    private Behavior<Command> onSync() {
        pool.sync();
        return this;
    }
}
