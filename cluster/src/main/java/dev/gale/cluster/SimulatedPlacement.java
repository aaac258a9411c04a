package dev.gale.cluster;

import dev.gale.cluster.internal.Consolidator;
import dev.gale.cluster.internal.DemandEntry;
import dev.gale.cluster.internal.EngineLease;
import dev.gale.cluster.internal.NodeSlot;
import dev.gale.cluster.internal.PlacementEngine;
import dev.gale.cluster.internal.StatusViews;
import dev.gale.gpu.NodeInventory;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The ResourceManager's placement engine without actors or messages, on an injected clock: the
 * same queueing, fair granting, refusal and {@link DemandSnapshot}s as a live cluster, for
 * simulations that replay thousands of trials faster than real time (the autoscaler's bench).
 *
 * <p>Promises: grants, refusals and timeouts are reported synchronously to the {@link Listener},
 * from inside the call that caused them; a lease is held until {@link #release} or until its node
 * is removed. Not thread-safe.
 */
public final class SimulatedPlacement {
    /** What the engine decided. */
    public interface Listener {
        /** {@code holderId}'s demand {@code demandKey} was granted one bundle: one lease per spec, on these nodes. */
        void granted(String holderId, String demandKey, List<String> leaseIds, List<String> nodeIds);

        /** The demand fits no node (nor launchable type) and was refused. */
        default void refused(String holderId, String demandKey, String reason) {
        }
    }

    private final Clock clock;
    private final PlacementEngine<String> engine;

    /** An empty cluster whose decisions go to {@code listener}. */
    public SimulatedPlacement(Clock clock, Listener listener) {
        this.clock = clock;
        this.engine = new PlacementEngine<>(clock, "sim-", new PlacementEngine.Listener<>() {
            @Override
            public void granted(DemandEntry<String> e, List<EngineLease<String>> leases) {
                List<String> ids = new ArrayList<>(leases.size());
                List<String> nodes = new ArrayList<>(leases.size());
                for (EngineLease<String> l : leases) {
                    ids.add(l.leaseId());
                    nodes.add(l.node().id());
                }
                listener.granted(e.holderId(), e.demandKey(), ids, nodes);
            }

            @Override
            public void refused(DemandEntry<String> e, String reason) {
                listener.refused(e.holderId(), e.demandKey(), reason);
            }

            @Override
            public void timedOut(DemandEntry<String> e, String reason) {
                listener.refused(e.holderId(), e.demandKey(), reason);
            }
        });
    }

    /** A node joins; waiting demand that fits it is granted. */
    public void addNode(String nodeId, NodeInventory inventory, Map<String, String> labels) {
        engine.addNode(nodeId, inventory, labels);
        engine.drain();
    }

    /** A node leaves; returns the ids of the leases it held (gone with it). */
    public List<String> removeNode(String nodeId) {
        List<String> out = new ArrayList<>();
        for (EngineLease<String> l : engine.removeNode(nodeId)) out.add(l.leaseId());
        engine.drain();
        return out;
    }

    /** Marks a node draining (no new leases there); its leases run on. */
    public void drainNode(String nodeId) {
        engine.setDraining(nodeId, Long.MAX_VALUE);
    }

    /** Ends a node's drain: it takes new leases again; waiting demand that fits it is granted. */
    public void undrainNode(String nodeId) {
        engine.setDraining(nodeId, -1);
        engine.drain();
    }

    /** Leases held on {@code nodeId} (0 for an unknown node). */
    public int leasesOn(String nodeId) {
        NodeSlot n = engine.node(nodeId);
        return n == null ? 0 : n.leases();
    }

    /**
     * A holder could use {@code count} more grants of {@code bundle} (see
     * {@link ResourceManager.Want}); granted at once where it fits, else it waits (never refused).
     */
    public void want(String holderId, String demandKey, String group, Bundle bundle, int count, long received) {
        engine.want(holderId, demandKey, holderId, group, bundle, count, received, -1, false, false);
    }

    /** Gives a lease back; waiting demand that now fits is granted. */
    public void release(String leaseId) {
        if (engine.release(leaseId) != null) engine.drain();
    }

    /** The node types an autoscaler may launch (see {@link ResourceManager.SetLaunchable}). */
    public void setLaunchable(List<ResourceManager.Launchable> types) {
        engine.setLaunchable(types);
    }

    /** The demand snapshot the ResourceManager would publish now. */
    public DemandSnapshot snapshot() {
        return StatusViews.snapshot(engine, clock);
    }

    /** Says whether the work on a lease can move (see {@link ResourceManager.SetMovable}); unknown ids are ignored. */
    public void setMovable(String leaseId, boolean movable) {
        engine.setMovable(leaseId, movable);
    }

    /**
     * Empties up to {@code maxNodes} of {@code only} (empty: any node) as
     * {@link ResourceManager.Consolidate} does: the chosen nodes are drained and the id of every
     * lease whose work must move (theirs, and the other leases of the same grants) is passed to
     * {@code moveRequested}; returns the nodes.
     */
    public List<String> consolidate(int maxNodes, Set<String> only, java.util.function.Consumer<String> moveRequested) {
        List<String> nodes = Consolidator.choose(engine, id -> only.isEmpty() || only.contains(id), maxNodes, ResourceManager.CONSOLIDATION_TRIED);
        for (String id : nodes) engine.setDraining(id, Long.MAX_VALUE);
        for (EngineLease<String> l : Consolidator.leasesToMove(engine, nodes)) moveRequested.accept(l.leaseId());
        return nodes;
    }

    /** Bundles waiting in all. */
    public int waitingBundles() {
        return engine.waitingBundles();
    }
}
