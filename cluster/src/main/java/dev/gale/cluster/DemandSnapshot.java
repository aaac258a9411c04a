package dev.gale.cluster;

import dev.gale.gpu.NodeInventory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What the cluster is asked for and what it has, as the {@link ResourceManager} publishes it to
 * subscribers ({@link ResourceManager.SubscribeDemand}) on change, at most every 500 ms, and in
 * {@link ClusterStatus#demand()}: every waiting bundle with its shape, group, count and age, and
 * for each node its totals, free resources, labels, draining flag and idle time. The autoscaler
 * and the dashboard read it.
 *
 * <p>Promises: immutable; {@link #waiting()} is in arrival order and holds at most
 * {@value #MAX_WAITING} entries ({@link #moreWaiting()} counts the rest, so that a snapshot always
 * fits one remote message).
 *
 * @param at          when it was taken (the ResourceManager's clock)
 * @param waiting     waiting demand, oldest first
 * @param moreWaiting waiting entries left out of {@code waiting}
 * @param nodes       every registered node
 */
public record DemandSnapshot(Instant at, List<Waiting> waiting, int moreWaiting, List<NodeState> nodes)
        implements ClusterMessage {
    /** The most waiting entries a snapshot lists. */
    public static final int MAX_WAITING = 500;

    /** A snapshot of nothing (no nodes, no demand), taken at the epoch. */
    public static final DemandSnapshot EMPTY = new DemandSnapshot(Instant.EPOCH, List.of(), 0, List.of());

    public DemandSnapshot {
        if (at == null) throw new IllegalArgumentException("at is null");
        waiting = waiting == null ? List.of() : List.copyOf(waiting);
        nodes = nodes == null ? List.of() : List.copyOf(nodes);
        if (moreWaiting < 0) throw new IllegalArgumentException("moreWaiting = " + moreWaiting + ": must be >= 0");
    }

    /**
     * One holder's waiting demand for one bundle shape.
     *
     * @param holderId  the holder (a lease pool's id; empty for single requests)
     * @param demandKey the holder's key (the request id of a single request)
     * @param group     its fairness group (an experiment)
     * @param bundle    what one grant is: specs, strategy, label selector
     * @param count     how many more grants of it the holder could use now
     * @param since     when it started waiting
     * @param age       how long it has waited when the snapshot was taken
     * @param feasible  whether some node shape of the cluster could hold it (false: only new nodes can)
     */
    public record Waiting(String holderId, String demandKey, String group, Bundle bundle, int count, Instant since,
                          Duration age, boolean feasible) {
    }

    /**
     * One node.
     *
     * @param nodeId          its address
     * @param inventory       what it offers in total
     * @param freeCpus        CPUs not leased
     * @param freeMemoryBytes memory not leased
     * @param freeGpuFraction per GPU (inventory order), the fraction not leased
     * @param freeGpuMemory   per GPU (inventory order), the memory not leased
     * @param freeCustom      custom resources not leased
     * @param labels          its labels
     * @param draining        true while it takes no new leases
     * @param drainDeadline   when its remaining leases are revoked (null when not draining)
     * @param idleSince       since when it has held no lease (null while it holds one)
     * @param leases          leases held on it
     */
    public record NodeState(String nodeId, NodeInventory inventory, double freeCpus, long freeMemoryBytes,
                            List<Double> freeGpuFraction, List<Long> freeGpuMemory, Map<String, Double> freeCustom,
                            Map<String, String> labels, boolean draining, Instant drainDeadline, Instant idleSince,
                            int leases) {
        public NodeState {
            freeGpuFraction = List.copyOf(freeGpuFraction);
            freeGpuMemory = List.copyOf(freeGpuMemory);
            freeCustom = freeCustom == null ? Map.of() : Map.copyOf(freeCustom);
            labels = labels == null ? Map.of() : Map.copyOf(labels);
        }

        /** This node's shape (what it offers when empty, and its labels). */
        public NodeShape shape() {
            return new NodeShape(inventory, labels);
        }
    }

    /** Bundles waiting in all: the sum of the counts, listed or not. */
    public int waitingBundles() {
        int n = 0;
        for (Waiting w : waiting) n += w.count();
        return n + moreWaiting;
    }

    /** The listed waiting entries no node shape could hold (what only new nodes can serve). */
    public List<Waiting> unmet() {
        List<Waiting> out = new ArrayList<>();
        for (Waiting w : waiting) if (!w.feasible()) out.add(w);
        return out;
    }

    /** The node, or null. */
    public NodeState node(String nodeId) {
        for (NodeState n : nodes) if (n.nodeId().equals(nodeId)) return n;
        return null;
    }
}
