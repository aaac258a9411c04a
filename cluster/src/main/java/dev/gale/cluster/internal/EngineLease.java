package dev.gale.cluster.internal;

import dev.gale.cluster.Bundle;
import dev.gale.gpu.Allocation;

/**
 * A lease granted (or re-adopted) by a {@link PlacementEngine}: one spec of a bundle on one node.
 * Promises: its allocation is held by its node's allocator until the engine releases or revokes it.
 */
public final class EngineLease<H> {
    final String leaseId;
    final NodeSlot node;
    final Allocation allocation;
    String demandKey;
    String group;
    H holder;
    /** The bundle of the grant it belongs to (null for a lease re-adopted after a failover: never moved). */
    Bundle bundle;
    /** Shared by the leases of one grant (one per spec of the bundle): the first one's id. */
    String grantId;
    /** Its holder said its work can stop and resume elsewhere (see {@code ResourceManager.SetMovable}). */
    boolean movable;

    EngineLease(String leaseId, NodeSlot node, Allocation allocation, String demandKey, String group, H holder) {
        this.leaseId = leaseId;
        this.node = node;
        this.allocation = allocation;
        this.demandKey = demandKey;
        this.group = group;
        this.holder = holder;
        this.grantId = leaseId;
    }

    public String leaseId() {
        return leaseId;
    }

    public NodeSlot node() {
        return node;
    }

    public Allocation allocation() {
        return allocation;
    }

    /** The demand key it was granted for (the request id of a single request). */
    public String demandKey() {
        return demandKey;
    }

    public String group() {
        return group;
    }

    /** The bundle of its grant, or null for a lease re-adopted after a failover. */
    public Bundle bundle() {
        return bundle;
    }

    /** The id shared by the leases of its grant (the first lease's id). */
    public String grantId() {
        return grantId;
    }

    /** Whether its holder said its work can be moved. */
    public boolean movable() {
        return movable;
    }

    /** Its holder; null for a lease re-adopted from a node whose holder has not claimed it yet. */
    public H holder() {
        return holder;
    }
}
