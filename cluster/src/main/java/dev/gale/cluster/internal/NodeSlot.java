package dev.gale.cluster.internal;

import dev.gale.gpu.GpuDevice;
import dev.gale.gpu.NodeAllocator;
import dev.gale.gpu.NodeInventory;

import java.util.Map;

/**
 * One node as the {@link PlacementEngine} sees it: its allocator (what is granted there), labels,
 * draining flag, number of leases and since when it has been idle. Also used for the imaginary
 * empty nodes of a feasibility check. Not thread-safe; owned by one engine.
 */
public final class NodeSlot {
    final String id;
    final NodeInventory inventory;
    final NodeAllocator allocator;
    final Map<String, String> labels;
    final boolean hasGpus;
    boolean draining;
    long drainDeadlineMs = -1;
    int leases;
    long idleSinceMs;
    /** Position in a {@link Sandbox} (unused elsewhere). */
    int index;

    NodeSlot(String id, NodeInventory inventory, Map<String, String> labels, long nowMs) {
        this.id = id;
        this.inventory = inventory;
        this.allocator = new NodeAllocator(inventory);
        this.labels = labels == null ? Map.of() : labels;
        this.hasGpus = !inventory.gpus().isEmpty();
        this.idleSinceMs = nowMs;
    }

    /** The node's id (its address). */
    public String id() {
        return id;
    }

    /** What it offers. */
    public NodeInventory inventory() {
        return inventory;
    }

    /** What is granted there (read it; the engine changes it). */
    public NodeAllocator allocator() {
        return allocator;
    }

    /** Its labels. */
    public Map<String, String> labels() {
        return labels;
    }

    /** True while it is drained: no new leases there. */
    public boolean draining() {
        return draining;
    }

    /** When its drain revokes what is still held (epoch ms), -1 when not draining. */
    public long drainDeadlineMs() {
        return drainDeadlineMs;
    }

    /** Leases held there. */
    public int leases() {
        return leases;
    }

    /** Since when it has held no lease (epoch ms), -1 while it holds one. */
    public long idleSinceMs() {
        return leases > 0 ? -1 : idleSinceMs;
    }

    /** Free GPU capacity: whole-GPU fractions plus memory in units of the device's memory. */
    double freeGpu() {
        double f = 0;
        for (GpuDevice g : inventory.gpus()) {
            f += allocator.freeGpuFraction(g.index());
            if (g.memoryTotalBytes() > 0) f += (double) allocator.freeGpuMemoryBytes(g.index()) / g.memoryTotalBytes();
        }
        return f;
    }

    @Override
    public String toString() {
        return id + (draining ? " (draining)" : "") + ": " + allocator.describeFree();
    }
}
