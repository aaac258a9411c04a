package dev.gale.cluster.internal;

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

    EngineLease(String leaseId, NodeSlot node, Allocation allocation, String demandKey, String group, H holder) {
        this.leaseId = leaseId;
        this.node = node;
        this.allocation = allocation;
        this.demandKey = demandKey;
        this.group = group;
        this.holder = holder;
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

    /** Its holder; null for a lease re-adopted from a node whose holder has not claimed it yet. */
    public H holder() {
        return holder;
    }
}
