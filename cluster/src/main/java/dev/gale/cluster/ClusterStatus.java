package dev.gale.cluster;

import dev.gale.gpu.NodeInventory;
import dev.gale.gpu.ResourceSpec;

import java.util.List;

/**
 * A snapshot of the cluster as the {@link ResourceManager} sees it.
 *
 * @param nodes        every registered node with what is free on it
 * @param queued       lease requests waiting for resources
 * @param unmetDemand  specs of queued requests that fit no registered node even when it is empty
 *                     (what an autoscaler would add nodes for)
 * @param demand       the same as the demand stream publishes: every waiting bundle with its group,
 *                     count and age, and each node's labels, draining flag and idle time
 *                     ({@link DemandSnapshot#EMPTY} when built without one)
 * @param launchable   the node types an autoscaler may launch ({@link ResourceManager.SetLaunchable}),
 *                     with how many more nodes of each it may add; empty without an autoscaler
 */
public record ClusterStatus(List<Node> nodes, int queued, List<ResourceSpec> unmetDemand, DemandSnapshot demand,
                            List<ResourceManager.Launchable> launchable)
        implements ClusterMessage {
    public ClusterStatus {
        nodes = List.copyOf(nodes);
        unmetDemand = List.copyOf(unmetDemand);
        if (demand == null) demand = DemandSnapshot.EMPTY;
        launchable = launchable == null ? List.of() : List.copyOf(launchable);
    }

    /** A status of a cluster without launchable node types. */
    public ClusterStatus(List<Node> nodes, int queued, List<ResourceSpec> unmetDemand, DemandSnapshot demand) {
        this(nodes, queued, unmetDemand, demand, List.of());
    }

    /** A status without a demand snapshot. */
    public ClusterStatus(List<Node> nodes, int queued, List<ResourceSpec> unmetDemand) {
        this(nodes, queued, unmetDemand, DemandSnapshot.EMPTY);
    }

    /**
     * One node.
     *
     * @param nodeId          its address
     * @param inventory       what it offers
     * @param freeCpus        CPUs not leased
     * @param freeMemoryBytes memory not leased
     * @param freeGpuFraction per GPU index, the fraction not leased
     * @param freeGpuMemory   per GPU index, the memory not leased
     * @param leases          leases held on it
     * @param holders         who holds them: {@code group/requestId} (for a trial,
     *                        {@code experiment/trial_00001#0}), sorted
     */
    public record Node(String nodeId, NodeInventory inventory, double freeCpus, long freeMemoryBytes,
                       List<Double> freeGpuFraction, List<Long> freeGpuMemory, int leases, List<String> holders) {
        public Node {
            freeGpuFraction = List.copyOf(freeGpuFraction);
            freeGpuMemory = List.copyOf(freeGpuMemory);
            holders = holders == null ? List.of() : List.copyOf(holders);
        }

        /** A node without the list of lease holders. */
        public Node(String nodeId, NodeInventory inventory, double freeCpus, long freeMemoryBytes,
                    List<Double> freeGpuFraction, List<Long> freeGpuMemory, int leases) {
            this(nodeId, inventory, freeCpus, freeMemoryBytes, freeGpuFraction, freeGpuMemory, leases, List.of());
        }
    }

    /**
     * True when some registered node could hold {@code spec} when empty, or a node of a type an
     * autoscaler may still launch could ({@link #launchable}): such demand waits for the new node
     * instead of being refused.
     */
    public boolean feasible(ResourceSpec spec) {
        for (Node n : nodes) {
            if (new dev.gale.gpu.NodeAllocator(n.inventory()).fits(spec)) return true;
        }
        for (ResourceManager.Launchable t : launchable) {
            if (t.maxNodes() > 0 && new dev.gale.gpu.NodeAllocator(t.shape().inventory()).fits(spec)) return true;
        }
        return false;
    }
}
