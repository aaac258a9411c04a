package dev.gale.train.internal;

import dev.gale.cluster.Lease;

import java.util.List;

/** What the driver of one group attempt learns, from the holder actor, the rendezvous and the workers' links, in one queue. */
sealed interface GroupEvent {
    /** The group's leases were granted and a worker was started on each (rank = index). */
    record Started(List<Lease> leases) implements GroupEvent {
    }

    /** The group cannot be placed: no node shape holds it, or it waited past its pending timeout. */
    record Unplaceable(String reason) implements GroupEvent {
    }

    /** A worker's launcher ended: {@code error} is null when the worker JVM exited 0. */
    record WorkerEnded(int rank, String error) implements GroupEvent {
    }

    /** A worker's lease was revoked (its node left the cluster). */
    record LeaseLost(int rank, String reason) implements GroupEvent {
    }

    /**
     * The ResourceManager is emptying the node of a worker (consolidation) and asks the group to
     * move: it restarts from its checkpoint on a new gang, not as a failure.
     */
    record MoveRequested(String reason) implements GroupEvent {
    }

    /** A worker connected and said hello. */
    record Connected(int rank, ControlWire wire, String dataAddress) implements GroupEvent {
    }

    /** A frame from a connected worker. */
    record Received(int rank, ControlWire.Frame frame) implements GroupEvent {
    }

    /** A worker's control link closed. */
    record Disconnected(int rank, String reason) implements GroupEvent {
    }
}
