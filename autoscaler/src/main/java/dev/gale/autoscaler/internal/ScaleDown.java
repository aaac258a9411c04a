package dev.gale.autoscaler.internal;

import dev.gale.autoscaler.ClusterConfig;
import dev.gale.autoscaler.InstanceState;
import dev.gale.autoscaler.NodeType;
import dev.gale.cluster.Bundle;
import dev.gale.cluster.DemandSnapshot;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which joined nodes the autoscaler retires: idle ones, drained once idle for
 * {@code idleTimeout}, and, through consolidation, busy ones whose work the ResourceManager moves
 * to other nodes. It moves the chosen instances to DRAINING in the {@link InstanceTable} and
 * answers with the {@link AutoscalerCore.Action}s to carry out; their termination, once drained,
 * is the core's.
 *
 * <p>Promises:
 * <ul>
 *   <li>A node is drained as idle only when it has held no lease for {@code idleTimeout}, no
 *       demand was planned onto it, and its type keeps at least its min; the longest idle first.</li>
 *   <li>Consolidation is asked only when enabled, while no demand waits, no capacity is
 *       requested and nothing is being launched, with two joined nodes or more; one ask at a time
 *       (until {@link #consolidating} answers it), for up to a tenth of the joined nodes (at least
 *       one), among the nodes holding leases of types that stay at or above their min without
 *       them.</li>
 * </ul>
 * Not thread-safe.
 */
final class ScaleDown {
    private final ClusterConfig cfg;
    private final InstanceTable instances;
    private boolean consolidationAsked;

    ScaleDown(ClusterConfig cfg, InstanceTable instances) {
        this.cfg = cfg;
        this.instances = instances;
    }

    /**
     * Drains the joined nodes idle for {@code idleTimeout} that hold no planned demand
     * ({@code busy}: node ids) and whose types stay at or above their min without them.
     *
     * @param byInstance the nodes of the snapshot, by instance id
     */
    void idle(Map<String, DemandSnapshot.NodeState> byInstance, Set<String> busy, Instant now, List<AutoscalerCore.Action> out) {
        Duration idle = cfg.autoscaler().idleTimeout();
        Map<String, Integer> active = new HashMap<>();
        for (Instance i : instances.all()) {
            if (i.state != InstanceState.TERMINATED && i.state != InstanceState.DRAINING) active.merge(i.type.name(), 1, Integer::sum);
        }
        List<Instance> idleOnes = new ArrayList<>();
        for (Instance i : instances.all()) {
            if (i.state != InstanceState.JOINED) continue;
            DemandSnapshot.NodeState n = byInstance.get(i.id);
            if (n == null || n.draining() || n.leases() > 0 || n.idleSince() == null) continue;
            if (Duration.between(n.idleSince(), now).compareTo(idle) < 0) continue;
            if (busy.contains(n.nodeId())) continue;
            idleOnes.add(i);
        }
        idleOnes.sort((x, y) -> x.idleSince.compareTo(y.idleSince));
        for (Instance i : idleOnes) {
            int a = active.getOrDefault(i.type.name(), 0);
            if (a <= i.type.min()) continue;
            active.put(i.type.name(), a - 1);
            String why = "idle for " + Durations.format(Duration.between(i.idleSince, now).withNanos(0));
            instances.move(i, InstanceState.DRAINING, why, now);
            out.add(new AutoscalerCore.Action.Drain(i.id, i.nodeId, cfg.autoscaler().drainDeadline()));
        }
    }

    /**
     * While no demand waits and nothing is being launched: asks the ResourceManager to empty up to
     * a tenth of the joined nodes (at least one) by moving their work, among the nodes of types
     * that stay at or above their min without them. One ask at a time.
     *
     * @param byInstance the nodes of {@code snapshot}, by instance id
     * @param requested  the capacity requested ({@link AutoscalerCore#requestResources})
     */
    void consolidate(DemandSnapshot snapshot, Map<String, DemandSnapshot.NodeState> byInstance, List<Bundle> requested,
                     List<AutoscalerCore.Action> out) {
        if (!cfg.autoscaler().consolidation() || consolidationAsked || snapshot.waitingBundles() > 0 || !requested.isEmpty()) return;
        Map<String, Integer> spare = new HashMap<>(); // per type: joined nodes above its min
        int joined = 0;
        for (Instance i : instances.all()) {
            if (i.state.pending()) return; // scaling up: not now
            if (i.state != InstanceState.JOINED) continue;
            joined++;
            spare.merge(i.type.name(), 1, Integer::sum);
        }
        if (joined < 2) return;
        for (NodeType t : cfg.nodeTypes()) spare.computeIfPresent(t.name(), (n, c) -> c - t.min());
        int k = Math.max(1, joined / 10);
        Set<String> only = new HashSet<>();
        for (Instance i : instances.all()) {
            if (i.state != InstanceState.JOINED || spare.getOrDefault(i.type.name(), 0) < k) continue;
            DemandSnapshot.NodeState n = byInstance.get(i.id);
            if (n != null && !n.draining() && n.leases() > 0) only.add(i.nodeId);
        }
        if (only.isEmpty()) return;
        consolidationAsked = true;
        out.add(new AutoscalerCore.Action.Consolidate(k, cfg.autoscaler().drainDeadline(), only));
    }

    /** The ResourceManager is emptying {@code nodeIds}: they are DRAINING (the next ask may follow). */
    List<AutoscalerCore.Action> consolidating(List<String> nodeIds, Instant now) {
        consolidationAsked = false;
        List<AutoscalerCore.Action> out = new ArrayList<>();
        for (String nodeId : nodeIds) {
            for (Instance i : instances.all()) {
                if (i.state != InstanceState.JOINED || !nodeId.equals(i.nodeId)) continue;
                instances.move(i, InstanceState.DRAINING, "consolidation: its work moves to other nodes", now);
                out.add(new AutoscalerCore.Action.Drain(i.id, i.nodeId, cfg.autoscaler().drainDeadline()));
            }
        }
        return out;
    }
}
