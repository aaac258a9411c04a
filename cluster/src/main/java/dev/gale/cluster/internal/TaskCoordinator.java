package dev.gale.cluster.internal;

import dev.gale.cluster.ClusterMessage;
import dev.gale.cluster.Lease;
import dev.gale.cluster.LeaseReply;
import dev.gale.cluster.NodeAgent;
import dev.gale.cluster.Placement;
import dev.gale.cluster.RemoteTaskException;
import dev.gale.cluster.ResourceManager;
import dev.gale.cluster.WorkEvent;
import dev.gale.gpu.ResourceSpec;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The actor behind a {@link dev.gale.cluster.TaskClient}: leases resources for each submitted
 * task from the ResourceManager, starts a {@link TaskWork} on the granted node, completes the
 * task's future with its output or failure, and gives the lease back. A task whose node is lost
 * is started again on another lease, up to {@code maxRetries} times.
 */
public final class TaskCoordinator extends AbstractBehavior<TaskCoordinator.Command> {

    /** Messages of the coordinator. */
    public interface Command {
    }

    /** Runs a task: {@code payload} is the TaskWork JSON; the future gets the output JSON. */
    public record Submit(String taskId, ResourceSpec resources, String payload, CompletableFuture<String> result)
            implements Command {
    }

    /** Gives up a task (its future was cancelled): withdraws its request or stops its work. */
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

    private static final class Task {
        final Submit submit;
        int attempt;
        Lease lease;

        Task(Submit submit) {
            this.submit = submit;
        }

        String workId() {
            return submit.taskId() + "#" + attempt;
        }
    }

    private final ActorRef<ResourceManager.Command> rm;
    private final String group;
    private final int maxRetries;
    private final ActorRef<LeaseReply> leaseAdapter;
    private final ActorRef<WorkEvent> workAdapter;
    private final Map<String, Task> byTask = new HashMap<>();
    private final Map<String, Task> byWork = new HashMap<>();

    /** The coordinator of one client; requests go to {@code rm} in fairness group {@code group}. */
    public static Behavior<Command> create(ActorRef<ResourceManager.Command> rm, String group, int maxRetries) {
        return Behaviors.setup(ctx -> new TaskCoordinator(ctx, rm, group, maxRetries));
    }

    private TaskCoordinator(ActorContext<Command> ctx, ActorRef<ResourceManager.Command> rm, String group, int maxRetries) {
        super(ctx);
        this.rm = rm;
        this.group = group;
        this.maxRetries = maxRetries;
        this.leaseAdapter = ctx.messageAdapter(LeaseReply.class, WrappedLease::new);
        this.workAdapter = ctx.messageAdapter(WorkEvent.class, WrappedWork::new);
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Submit.class, this::onSubmit)
                .onMessage(Cancel.class, this::onCancel)
                .onMessage(TaskDone.class, this::onDone)
                .onMessage(WrappedLease.class, this::onLease)
                .onMessage(WrappedWork.class, this::onWork)
                .onMessageEquals(Shutdown.INSTANCE, Behaviors::stopped)
                .onSignal(org.apache.pekko.actor.typed.PostStop.class, s -> {
                    for (Task t : byTask.values()) {
                        t.submit.result().completeExceptionally(new RemoteTaskException("task client closed", ""));
                        if (t.lease != null) {
                            t.lease.agent().tell(new NodeAgent.StopWork(t.lease.leaseId()));
                            release(t);
                        } else rm.tell(new ResourceManager.CancelRequest(t.workId()));
                    }
                    return this;
                })
                .build();
    }

    private Behavior<Command> onSubmit(Submit m) {
        Task t = new Task(m);
        byTask.put(m.taskId(), t);
        request(t);
        return this;
    }

    private void request(Task t) {
        byWork.put(t.workId(), t);
        rm.tell(new ResourceManager.RequestLease(t.workId(), t.submit.resources(), leaseAdapter, group, Placement.SPREAD));
    }

    private Behavior<Command> onLease(WrappedLease w) {
        if (w.reply() instanceof LeaseReply.Granted g) {
            Task t = byWork.get(g.lease().requestId());
            if (t == null || t.lease != null) {
                rm.tell(new ResourceManager.ReleaseLease(g.lease().leaseId()));
                return this;
            }
            t.lease = g.lease();
            g.lease().agent().tell(new NodeAgent.StartWork(t.workId(), g.lease().leaseId(), g.lease().allocation(),
                    TaskWork.class.getName(), t.submit.payload(), getContext().getSelf(), workAdapter));
        } else if (w.reply() instanceof LeaseReply.Revoked r) {
            Task t = byWork.get(r.requestId());
            if (t == null || t.lease == null || !t.lease.leaseId().equals(r.leaseId())) return this;
            byWork.remove(t.workId());
            t.lease = null;
            if (t.attempt < maxRetries) {
                t.attempt++;
                request(t);
            } else {
                finish(t, null, new RemoteTaskException("task " + t.submit.taskId() + " lost its node " + (maxRetries + 1)
                        + " times (" + r.reason() + ")", ""));
            }
        }
        return this;
    }

    private Behavior<Command> onDone(TaskDone m) {
        Task t = byWork.get(m.workId());
        if (t != null) finish(t, m.outputJson(), null);
        return this;
    }

    private Behavior<Command> onWork(WrappedWork w) {
        if (w.event() instanceof WorkEvent.Failed f) {
            Task t = byWork.get(f.workId());
            if (t != null) finish(t, null, new RemoteTaskException(f.error(), f.stackTrace()));
        }
        return this;
    }

    private Behavior<Command> onCancel(Cancel m) {
        Task t = byTask.remove(m.taskId());
        if (t == null) return this;
        byWork.remove(t.workId());
        if (t.lease != null) {
            t.lease.agent().tell(new NodeAgent.StopWork(t.lease.leaseId()));
            release(t);
        } else {
            rm.tell(new ResourceManager.CancelRequest(t.workId()));
        }
        return this;
    }

    private void finish(Task t, String output, RemoteTaskException error) {
        byTask.remove(t.submit.taskId());
        byWork.remove(t.workId());
        if (t.lease != null) release(t);
        if (error != null) t.submit.result().completeExceptionally(error);
        else t.submit.result().complete(output);
    }

    private void release(Task t) {
        rm.tell(new ResourceManager.ReleaseLease(t.lease.leaseId()));
        t.lease = null;
    }
}
