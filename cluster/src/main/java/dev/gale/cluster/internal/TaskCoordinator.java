package dev.gale.cluster.internal;

import dev.gale.cluster.Bundle;
import dev.gale.cluster.ClusterMessage;
import dev.gale.cluster.Lease;
import dev.gale.cluster.LeasePool;
import dev.gale.cluster.LeaseReply;
import dev.gale.cluster.NodeAgent;
import dev.gale.cluster.Placement;
import dev.gale.cluster.RemoteTaskException;
import dev.gale.cluster.ResourceManager;
import dev.gale.cluster.WorkEvent;
import dev.gale.gpu.ResourceSpec;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The actor behind a {@link dev.gale.cluster.TaskClient}: holds a {@link LeasePool} that wants one
 * lease for every task waiting to run (per resource spec, spread over the nodes), starts a
 * {@link TaskWork} on each granted lease, completes the task's future with its output or failure,
 * and hands the lease to the next waiting task of the same spec (or gives it back while other
 * groups wait). A task whose lease is lost is started again on another lease, up to
 * {@code maxRetries} times; a task whose spec fits no node fails with the ResourceManager's reason.
 */
public final class TaskCoordinator extends AbstractBehavior<TaskCoordinator.Command> {
    /** How often the pool re-advertises what it holds and wants. */
    static final Duration SYNC_EVERY = Duration.ofSeconds(2);

    /** Messages of the coordinator (local, except {@link TaskDone}). */
    public sealed interface Command {
    }

    /** Runs a task: {@code payload} is the TaskWork JSON; the future gets the output JSON. */
    public record Submit(String taskId, ResourceSpec resources, String payload, CompletableFuture<String> result)
            implements Command {
    }

    /** Gives up a task (its future was cancelled): withdraws its demand or stops its work. */
    public record Cancel(String taskId) implements Command {
    }

    /** Stops the coordinator: futures still open fail, their work is stopped and leases given back. */
    public enum Shutdown implements Command { INSTANCE }

    /** A task's output, from the node that ran it. */
    public record TaskDone(String workId, String outputJson) implements Command, ClusterMessage {
    }

    private record WrappedLease(LeaseReply reply) implements Command {
    }

    private record WrappedWork(WorkEvent event) implements Command {
    }

    private enum Sync implements Command { INSTANCE }

    private static final class Task {
        final Submit submit;
        final String key;
        int attempt;
        Lease lease;

        Task(Submit submit, String key) {
            this.submit = submit;
            this.key = key;
        }

        String workId() {
            return submit.taskId() + "#" + attempt;
        }
    }

    private final int maxRetries;
    private final LeasePool pool;
    private final ActorRef<WorkEvent> workAdapter;
    private final Map<String, Task> byTask = new HashMap<>();
    private final Map<String, Task> byWork = new HashMap<>();
    private final Map<String, Task> byLease = new HashMap<>();
    private final Map<ResourceSpec, String> keys = new HashMap<>();
    private final Map<String, Bundle> bundles = new HashMap<>();
    private final Map<String, ArrayDeque<Task>> waiting = new HashMap<>();
    /** Set by {@link Shutdown}: open tasks fail as "closed", not with the cause of an unasked stop. */
    private boolean closed;

    /** The coordinator of one client; demand goes to {@code rm} in fairness group {@code group} (also its holder id). */
    public static Behavior<Command> create(ActorRef<ResourceManager.Command> rm, String group, int maxRetries) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> new TaskCoordinator(ctx, timers, rm, group, maxRetries)));
    }

    private TaskCoordinator(ActorContext<Command> ctx, TimerScheduler<Command> timers, ActorRef<ResourceManager.Command> rm,
                            String group, int maxRetries) {
        super(ctx);
        this.maxRetries = maxRetries;
        this.pool = new LeasePool(rm, ctx.messageAdapter(LeaseReply.class, WrappedLease::new), group, group, Clock.systemUTC());
        this.workAdapter = ctx.messageAdapter(WorkEvent.class, WrappedWork::new);
        timers.startTimerWithFixedDelay(Sync.INSTANCE, SYNC_EVERY);
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Submit.class, this::onSubmit)
                .onMessage(Cancel.class, this::onCancel)
                .onMessage(TaskDone.class, this::onDone)
                .onMessage(WrappedLease.class, this::onLease)
                .onMessage(WrappedWork.class, this::onWork)
                .onMessageEquals(Sync.INSTANCE, this::onSync)
                .onMessageEquals(Shutdown.INSTANCE, () -> {
                    closed = true;
                    return Behaviors.stopped();
                })
                .onSignal(org.apache.pekko.actor.typed.PostStop.class, s -> {
                    String why = closed ? "task client closed" : "task client stopped: " + stopCause();
                    if (!closed && !byTask.isEmpty()) getContext().getLog().error("{} ({} tasks failed)", why, byTask.size());
                    for (Task t : byTask.values()) {
                        t.submit.result().completeExceptionally(new RemoteTaskException(why, ""));
                        if (t.lease != null) t.lease.agent().tell(new NodeAgent.StopWork(t.lease.leaseId()));
                    }
                    pool.close();
                    return this;
                })
                .build();
    }

    /** Why the coordinator stopped without being closed: its member left the cluster, its system stopped, or it failed. */
    private String stopCause() {
        MemberStatus status = Cluster.get(getContext().getSystem()).selfMember().status();
        if (status == MemberStatus.leaving() || status == MemberStatus.exiting()) {
            return "this client's cluster member is " + status + ": its GaleNode left the cluster (closed) while tasks were open";
        }
        if (status == MemberStatus.down() || status == MemberStatus.removed()) {
            return "this client's cluster member is " + status + ": it was downed and removed from the cluster (the split-brain"
                    + " resolver downs a member that misses heartbeats for pekko.cluster.failure-detector.acceptable-heartbeat-pause,"
                    + " or every member when reachability stays unstable; its WARN log says which); connect a new GaleNode";
        }
        var shutdown = CoordinatedShutdown.get(Adapter.toClassic(getContext().getSystem())).getShutdownReason();
        if (shutdown.isPresent()) return "the client's actor system is shutting down (" + shutdown.get() + ", member " + status + ")";
        return "its coordinator failed (member " + status + "; the error is logged above)";
    }

    private Behavior<Command> onSync() {
        pool.sync();
        return this;
    }

    private Behavior<Command> onSubmit(Submit m) {
        String key = keys.computeIfAbsent(m.resources(), r -> {
            String k = "spec-" + (keys.size() + 1);
            bundles.put(k, Bundle.of(r, Placement.SPREAD));
            return k;
        });
        Task t = new Task(m, key);
        byTask.put(m.taskId(), t);
        queue(t, false);
        return this;
    }

    /** Puts a task in line for a lease (a retry goes first) and updates the demand. */
    private void queue(Task t, boolean first) {
        ArrayDeque<Task> q = waiting.computeIfAbsent(t.key, k -> new ArrayDeque<>());
        if (first) q.addFirst(t);
        else q.addLast(t);
        wantFor(t.key);
    }

    private void wantFor(String key) {
        ArrayDeque<Task> q = waiting.get(key);
        pool.want(key, bundles.get(key), q == null ? 0 : q.size(), null);
    }

    private Behavior<Command> onLease(WrappedLease w) {
        switch (pool.accept(w.reply())) {
            case LeasePool.Event.Granted g -> {
                Lease lease = g.leases().getFirst();
                ArrayDeque<Task> q = waiting.get(g.demandKey());
                Task t = q == null ? null : q.pollFirst();
                if (t == null) pool.release(lease);
                else start(t, lease);
                wantFor(g.demandKey());
            }
            case LeasePool.Event.Lost l -> leaseLost(l.lease().leaseId(), l.reason());
            case LeasePool.Event.Refused r -> failWaiting(r.demandKey(), "cannot be placed: " + r.reason());
            case LeasePool.Event.TimedOut t -> failWaiting(t.demandKey(), "waited too long for resources: " + t.reason());
            case LeasePool.Event.MoveRequested m -> {
                // never asked: remote tasks do not mark their leases movable (a task restarted elsewhere would run twice)
            }
            case LeasePool.Event.Ignored i -> {
                // contention notices, stale or duplicate replies
            }
        }
        return this;
    }

    /** The task on {@code leaseId} (if any) goes back in line, first, or fails once its retries are spent. */
    private void leaseLost(String leaseId, String reason) {
        Task t = byLease.remove(leaseId);
        if (t != null && t.lease != null && t.lease.leaseId().equals(leaseId)) {
            byWork.remove(t.workId());
            t.lease = null;
            if (t.attempt < maxRetries) {
                t.attempt++;
                queue(t, true);
            } else {
                finish(t, null, new RemoteTaskException("task " + t.submit.taskId() + " lost its node " + (maxRetries + 1)
                        + " times (" + reason + ")", ""), false);
            }
        }
    }

    private void failWaiting(String key, String why) {
        ArrayDeque<Task> q = waiting.remove(key);
        if (q == null) return;
        for (Task t : q) {
            byTask.remove(t.submit.taskId());
            t.submit.result().completeExceptionally(new RemoteTaskException("task " + t.submit.taskId() + " " + why, ""));
        }
    }

    private void start(Task t, Lease lease) {
        t.lease = lease;
        byLease.put(lease.leaseId(), t);
        byWork.put(t.workId(), t);
        lease.agent().tell(new NodeAgent.StartWork(t.workId(), lease.leaseId(), lease.allocation(), TaskWork.class.getName(),
                t.submit.payload(), getContext().getSelf(), workAdapter));
    }

    private Behavior<Command> onDone(TaskDone m) {
        Task t = byWork.get(m.workId());
        if (t != null) finish(t, m.outputJson(), null, true);
        return this;
    }

    private Behavior<Command> onWork(WrappedWork w) {
        switch (w.event()) {
            case WorkEvent.Failed f -> {
                Task t = byWork.get(f.workId());
                if (t == null) return this;
                // cancelled because the lease was revoked (the pool's Lost may still be on its way): a lost lease
                if (f.leaseEnded()) leaseLost(f.leaseId(), "its lease ended: " + f.error());
                // not reused: the lease may be the reason (ended, or in conflict on its node)
                else finish(t, null, new RemoteTaskException(f.error(), f.stackTrace()), false);
            }
            case WorkEvent.Finished f -> {
                // the output came first as TaskDone
            }
        }
        return this;
    }

    private Behavior<Command> onCancel(Cancel m) {
        Task t = byTask.remove(m.taskId());
        if (t == null) return this;
        byWork.remove(t.workId());
        if (t.lease != null) {
            byLease.remove(t.lease.leaseId());
            t.lease.agent().tell(new NodeAgent.StopWork(t.lease.leaseId()));
            pool.release(t.lease); // not reused: the cancelled work may still be ending on it
            t.lease = null;
        } else {
            ArrayDeque<Task> q = waiting.get(t.key);
            if (q != null && q.remove(t)) wantFor(t.key);
        }
        return this;
    }

    /** Completes a task; its lease goes to the next waiting task of its spec (when {@code reuse}), or back. */
    private void finish(Task t, String output, RemoteTaskException error, boolean reuse) {
        byTask.remove(t.submit.taskId());
        byWork.remove(t.workId());
        Lease lease = t.lease;
        t.lease = null;
        if (lease != null) {
            byLease.remove(lease.leaseId());
            ArrayDeque<Task> q = waiting.get(t.key);
            Task next = reuse && pool.reuseAllowed() && q != null ? q.pollFirst() : null;
            if (next != null) {
                start(next, lease);
                wantFor(t.key);
            } else {
                pool.release(lease);
            }
        }
        if (error != null) t.submit.result().completeExceptionally(error);
        else t.submit.result().complete(output);
    }
}
