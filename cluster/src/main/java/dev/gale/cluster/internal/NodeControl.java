package dev.gale.cluster.internal;

import dev.gale.cluster.ClusterMessage;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;

/**
 * One per node: registered with the Receptionist under {@link #KEY}, so a client can find every
 * node and ask it to leave the cluster and stop ({@code GaleNode.shutdownCluster}). Implementation
 * detail of {@code GaleNode}; not a stable API.
 *
 * <p>Promises: a {@link Shutdown} is answered with {@link Stopping} before the node runs its
 * coordinated shutdown (graceful leave, then the actor system terminates) with reason
 * {@link StopRequested#INSTANCE}.
 */
public final class NodeControl {
    /** The Receptionist key of every node's control actor. */
    public static final ServiceKey<Command> KEY = ServiceKey.create(Command.class, "gale-node-control");

    /** Messages of the control actor. */
    public sealed interface Command extends ClusterMessage {
    }

    /** Asks the node to leave the cluster and stop; answered with {@link Stopping}. */
    public record Shutdown(ActorRef<Stopping> replyTo) implements Command {
    }

    /**
     * The answer to {@link Shutdown}.
     *
     * @param nodeId the address of the node that stops
     */
    public record Stopping(String nodeId) implements ClusterMessage {
    }

    /** The reason of a shutdown asked for through {@link Shutdown}. */
    public enum StopRequested implements CoordinatedShutdown.Reason {
        INSTANCE
    }

    private NodeControl() {
    }

    /** The control actor of node {@code nodeId}; registers itself with the Receptionist. */
    public static Behavior<Command> create(String nodeId) {
        return Behaviors.setup(ctx -> {
            ctx.getSystem().receptionist().tell(Receptionist.register(KEY, ctx.getSelf()));
            return Behaviors.receive(Command.class)
                    .onMessage(Shutdown.class, m -> {
                        m.replyTo().tell(new Stopping(nodeId));
                        CoordinatedShutdown.get(ctx.getSystem()).runAll(StopRequested.INSTANCE);
                        return Behaviors.same();
                    })
                    .build();
        });
    }
}
