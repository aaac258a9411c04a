package dev.gale.cluster;

import dev.gale.gpu.Allocation;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;

import java.util.function.Consumer;

/**
 * What running {@link Work} sees: its payload, its lease, the actor that owns it, and an inbox for
 * messages sent to it while it runs.
 */
public interface WorkContext {
    /** The id its owner gave this run of the work. */
    String workId();

    /** The lease the work runs under. */
    String leaseId();

    /** The resources granted. */
    Allocation allocation();

    /**
     * The payload given when the work was started (JSON text by convention), or null when its
     * owner, in this JVM, gave it as an object ({@link #payloadObject()}).
     */
    String payload();

    /**
     * The payload as the object an owner in this JVM gave ({@link NodeAgent.StartWork#payloadObject()}),
     * or null: then {@link #payload()} is the text. A work that accepts both reads this first.
     */
    Object payloadObject();

    /** The actor that started the work; messages of the work's own protocol go there. */
    ActorRef<?> owner();

    /**
     * An actor whose messages are handed to the handler set with {@link #onMessage}: made on the
     * first call (a work that never calls it costs no actor) and stopped once the work has ended.
     */
    ActorRef<Object> inbox();

    /** Sets the handler of inbox messages; it runs on an actor thread, not the work's thread. */
    void onMessage(Consumer<Object> handler);

    /** True once the owner asked the work to stop (the work's thread is also interrupted). */
    boolean cancelled();

    /**
     * True when the work was cancelled because the ResourceManager released or revoked its lease
     * (a drain's deadline, the lease's holder gone), not because its owner asked: the owner may
     * hear of the lease's end after the work's own last message, so a work that reports how it
     * ended should say so.
     */
    boolean leaseEnded();

    /** The node's actor system. */
    ActorSystem<?> system();
}
