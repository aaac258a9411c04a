package dev.gale.cluster.internal;

import dev.gale.cluster.NodeAgent;
import dev.gale.cluster.Work;
import dev.gale.cluster.WorkContext;
import dev.gale.cluster.WorkEvent;
import dev.gale.gpu.Allocation;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.function.Consumer;

/** One piece of work on a node: its context, its thread and its inbox. Internal to the NodeAgent. */
public final class RunningWork implements WorkContext {
    private final NodeAgent.StartWork start;
    private volatile ActorRef<Object> inbox;
    private final ActorSystem<?> system;
    private volatile Consumer<Object> handler;
    private volatile boolean cancelled;
    private volatile Thread thread;

    public RunningWork(NodeAgent.StartWork start, ActorSystem<?> system) {
        this.start = start;
        this.system = system;
    }

    /** The behavior of this work's inbox: hands each message to the work's handler (dropped before one is set). */
    public Behavior<Object> inboxBehavior() {
        return Behaviors.receiveMessage(msg -> {
            deliver(msg);
            return Behaviors.same();
        });
    }

    /** Sets the inbox spawned with {@link #inboxBehavior()}. */
    public void setInbox(ActorRef<Object> ref) {
        this.inbox = ref;
    }

    /** Runs the work on the calling thread and returns how it ended (the agent tells the owner). */
    public WorkEvent runOn(Work work) {
        thread = Thread.currentThread();
        WorkEvent end;
        try {
            work.run(this);
            end = new WorkEvent.Finished(start.workId(), start.leaseId());
        } catch (Throwable t) {
            end = new WorkEvent.Failed(start.workId(), start.leaseId(), t.toString(), stackTrace(t));
        } finally {
            thread = null;
            Thread.interrupted();
        }
        return end;
    }

    void deliver(Object message) {
        Consumer<Object> h = handler;
        if (h != null) h.accept(message);
    }

    /** Asks the work to stop. */
    public void cancel() {
        cancelled = true;
        Thread t = thread;
        if (t != null) t.interrupt();
    }

    @Override
    public String workId() {
        return start.workId();
    }

    @Override
    public String leaseId() {
        return start.leaseId();
    }

    @Override
    public Allocation allocation() {
        return start.allocation();
    }

    @Override
    public String payload() {
        return start.payload();
    }

    @Override
    public ActorRef<?> owner() {
        return start.owner();
    }

    @Override
    public ActorRef<Object> inbox() {
        return inbox;
    }

    @Override
    public void onMessage(Consumer<Object> h) {
        this.handler = h;
    }

    @Override
    public boolean cancelled() {
        return cancelled;
    }

    @Override
    public ActorSystem<?> system() {
        return system;
    }

    /** The stack trace of {@code t} as text. */
    public static String stackTrace(Throwable t) {
        StringWriter sw = new StringWriter();
        t.printStackTrace(new PrintWriter(sw));
        return sw.toString();
    }
}
