package dev.gale.tune.internal;

import com.fasterxml.jackson.annotation.JsonIgnore;
import org.apache.pekko.actor.typed.ActorRef;

import java.util.function.Consumer;

/**
 * Where the controller answers a trial attempt ({@link RunnerAck}, {@link ParamMessages.ParamReply},
 * {@link CheckpointTransfer.Data}): the attempt's inbox actor on its node, or, when the attempt
 * runs in the controller's own JVM, the attempt's handler itself, called on the controller's
 * thread — no actor is made per attempt then.
 *
 * <p>Promises: {@link #tell} hands the message to the attempt exactly once, in the order told. A
 * local handler never leaves its JVM: it is not serialized, and an inbox that crossed JVMs always
 * has its {@code ref}.
 *
 * @param ref   the attempt's inbox actor, or null for a local handler
 * @param local the attempt's handler in this JVM, or null (never serialized)
 */
public record AttemptInbox(ActorRef<Object> ref, @JsonIgnore Consumer<Object> local) {
    public AttemptInbox {
        if ((ref == null) == (local == null)) {
            throw new IllegalArgumentException("an attempt inbox has either an actor (ref) or a local handler (local), not "
                    + (ref == null ? "neither" : "both"));
        }
    }

    /** The inbox of an attempt answered through its inbox actor. */
    public static AttemptInbox of(ActorRef<Object> ref) {
        return new AttemptInbox(ref, null);
    }

    /** The inbox of an attempt in this JVM: {@code handler} runs on the thread that tells it. */
    public static AttemptInbox local(Consumer<Object> handler) {
        return new AttemptInbox(null, handler);
    }

    /** Hands {@code message} to the attempt. */
    public void tell(Object message) {
        if (local != null) {
            local.accept(message);
        } else {
            ref.tell(message);
        }
    }
}
