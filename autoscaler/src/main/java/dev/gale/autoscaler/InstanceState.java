package dev.gale.autoscaler;

import java.util.EnumSet;
import java.util.Set;

/**
 * The life of a node the autoscaler launches (as in Ray's autoscaler v2):
 * {@code QUEUED → REQUESTED → ALLOCATED → JOINED → DRAINING → TERMINATED}. Any state but
 * {@code TERMINATED} may also end in {@code TERMINATED} (launch refused, not joined in time, node
 * lost, cancelled before it was requested).
 */
public enum InstanceState {
    /** Decided, waiting for a launch slot (launch concurrency). */
    QUEUED,
    /** The provider is being asked to launch it. */
    REQUESTED,
    /** The provider accepted it (it has a provider id); it boots and has not joined yet. */
    ALLOCATED,
    /** Its Gale node is a member of the cluster. */
    JOINED,
    /** Being retired: no new work goes there; terminated once it holds nothing. */
    DRAINING,
    /** Gone (terminated by the autoscaler, refused by the provider, or lost). */
    TERMINATED;

    /** The states this one may move to. */
    public Set<InstanceState> next() {
        return switch (this) {
            case QUEUED -> EnumSet.of(REQUESTED, TERMINATED);
            case REQUESTED -> EnumSet.of(ALLOCATED, TERMINATED);
            case ALLOCATED -> EnumSet.of(JOINED, TERMINATED);
            case JOINED -> EnumSet.of(DRAINING, TERMINATED);
            case DRAINING -> EnumSet.of(TERMINATED);
            case TERMINATED -> EnumSet.noneOf(InstanceState.class);
        };
    }

    /** True for QUEUED, REQUESTED and ALLOCATED: launched or about to be, not joined yet. */
    public boolean pending() {
        return this == QUEUED || this == REQUESTED || this == ALLOCATED;
    }
}
