package dev.gale.cluster.internal;

import dev.gale.cluster.NodeAgent;
import dev.gale.cluster.Work;
import dev.gale.cluster.WorkContext;
import dev.gale.cluster.WorkEvent;
import dev.gale.gpu.Allocation;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * One piece of work on a node: its context, its thread and its inbox. Internal to the NodeAgent.
 * The inbox actor is made on the first {@link #inbox()} (a work whose owner answers it by other
 * means never pays for an actor) and stopped by {@link #closeInbox()} when the work has ended.
 */
public final class RunningWork implements WorkContext {
    private static final AtomicLong INBOXES = new AtomicLong();
    /** Stops an inbox; never handed to a work. */
    private static final Object CLOSE = new Object();

    private final NodeAgent.StartWork start;
    private ActorRef<Object> inbox; // guarded by this
    private boolean inboxClosed; // guarded by this
    private final ActorSystem<?> system;
    private volatile Consumer<Object> handler;
    private volatile boolean cancelled;
    private volatile boolean leaseEnded;
    private volatile Thread thread;

    public RunningWork(NodeAgent.StartWork start, ActorSystem<?> system) {
        this.start = start;
        this.system = system;
    }

    /** The behavior of this work's inbox: hands each message to the work's handler (dropped before one is set). */
    private Behavior<Object> inboxBehavior() {
        return Behaviors.receiveMessage(msg -> {
            if (msg == CLOSE) return Behaviors.stopped();
            deliver(msg);
            return Behaviors.same();
        });
    }

    /** Stops the inbox, if one was made; a later {@link #inbox()} makes none. Called once the work has ended. */
    public void closeInbox() {
        ActorRef<Object> ref;
        synchronized (this) {
            inboxClosed = true;
            ref = inbox;
        }
        if (ref != null) ref.tell(CLOSE);
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

    /** Asks the work to stop because the ResourceManager released or revoked its lease (then {@link #leaseEnded()}). */
    public void cancelLeaseEnded() {
        leaseEnded = true;
        cancel();
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
    public Object payloadObject() {
        return start.payloadObject();
    }

    @Override
    public ActorRef<?> owner() {
        return start.owner();
    }

    /**
     * This work's inbox, made on first use (a system actor: safe from the work's thread). After
     * the work ended it is the closed inbox (messages to it go to dead letters), or the system's
     * dead letters when none was made.
     */
    @Override
    public synchronized ActorRef<Object> inbox() {
        if (inbox == null) {
            inbox = inboxClosed ? system.deadLetters()
                    : system.systemActorOf(inboxBehavior(), "work-inbox-" + INBOXES.incrementAndGet(), Props.empty());
        }
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
    public boolean leaseEnded() {
        return leaseEnded;
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
