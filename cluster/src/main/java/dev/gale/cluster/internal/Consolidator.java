package dev.gale.cluster.internal;

import dev.gale.gpu.Allocation;
import dev.gale.gpu.GpuDevice;
import dev.gale.gpu.GpuShare;
import dev.gale.gpu.NodeAllocator;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Chooses nodes whose work could all move to the other nodes (consolidation, as Karpenter's
 * "underutilized" disruption): what a holder marked movable ({@link PlacementEngine#setMovable})
 * can be stopped and resumed elsewhere, so a node that holds only such work, and whose work fits
 * in the free room of the nodes that stay, can be emptied and retired.
 *
 * <p>Promises: a chosen node is not draining, holds at least one lease, and every lease there —
 * and every lease of the same grants on other nodes (a gang moves whole) — is movable and has its
 * bundle; all those grants, placed with the ResourceManager's own rules ({@link Sandbox},
 * {@link BundlePlacer}) on the nodes that are neither draining nor chosen, fit at once, together
 * with the grants of the nodes chosen before it. Least-used nodes (fewest leased CPUs, then fewest
 * leases, then id) are tried first; at most {@code maxTried} are tried, at most {@code maxNodes}
 * chosen. Pure: the engine is not changed.
 */
public final class Consolidator {
    private Consolidator() {
    }

    /**
     * The nodes to empty, in the order chosen.
     *
     * @param eligible the nodes that may be emptied (others only receive work)
     * @param maxNodes at most this many nodes
     * @param maxTried at most this many candidates are checked (each check places on every other node)
     */
    public static <H> List<String> choose(PlacementEngine<H> engine, java.util.function.Predicate<String> eligible, int maxNodes,
                                          int maxTried) {
        if (maxNodes <= 0 || maxTried <= 0) return List.of();
        Map<String, List<EngineLease<H>>> grants = new HashMap<>();
        Map<NodeSlot, List<EngineLease<H>>> byNode = new HashMap<>();
        for (EngineLease<H> h : engine.leases()) {
            grants.computeIfAbsent(h.grantId, g -> new ArrayList<>(1)).add(h);
            byNode.computeIfAbsent(h.node, n -> new ArrayList<>()).add(h);
        }
        List<NodeSlot> candidates = new ArrayList<>();
        for (NodeSlot n : engine.nodes()) {
            if (n.draining || n.leases == 0 || !eligible.test(n.id)) continue;
            if (movable(byNode.get(n), grants)) candidates.add(n);
        }
        candidates.sort(Comparator.<NodeSlot>comparingDouble(n -> n.inventory.cpus() - n.allocator.freeCpus())
                .thenComparingInt(n -> n.leases).thenComparing(n -> n.id));
        List<String> chosen = new ArrayList<>();
        Set<NodeSlot> sources = new LinkedHashSet<>();
        LinkedHashMap<String, List<EngineLease<H>>> moving = new LinkedHashMap<>();
        int tried = 0;
        for (NodeSlot c : candidates) {
            if (chosen.size() >= maxNodes || tried++ >= maxTried) break;
            LinkedHashMap<String, List<EngineLease<H>>> withC = new LinkedHashMap<>(moving);
            for (EngineLease<H> h : byNode.get(c)) withC.putIfAbsent(h.grantId, grants.get(h.grantId));
            sources.add(c);
            if (fits(engine, sources, withC)) {
                chosen.add(c.id);
                moving = withC;
            } else {
                sources.remove(c);
            }
        }
        return chosen;
    }

    /**
     * The leases whose work must move when {@code nodes} are emptied: every lease there and every
     * other lease of the same grants (a gang's members on other nodes), in one pass.
     */
    public static <H> List<EngineLease<H>> leasesToMove(PlacementEngine<H> engine, List<String> nodes) {
        if (nodes.isEmpty()) return List.of();
        Set<String> ids = Set.copyOf(nodes);
        Set<String> grants = new java.util.HashSet<>();
        for (EngineLease<H> h : engine.leases()) if (ids.contains(h.node.id)) grants.add(h.grantId);
        return engine.leasesWhere(h -> grants.contains(h.grantId));
    }

    private static <H> boolean movable(List<EngineLease<H>> onNode, Map<String, List<EngineLease<H>>> grants) {
        if (onNode == null || onNode.isEmpty()) return false;
        for (EngineLease<H> h : onNode) {
            if (h.bundle == null) return false;
            for (EngineLease<H> sibling : grants.get(h.grantId)) if (!sibling.movable) return false;
        }
        return true;
    }

    /** Whether every grant of {@code moving} fits on the nodes that are neither draining nor in {@code sources}. */
    private static <H> boolean fits(PlacementEngine<H> engine, Set<NodeSlot> sources, Map<String, List<EngineLease<H>>> moving) {
        Map<NodeSlot, List<Allocation>> leaving = new HashMap<>();
        for (List<EngineLease<H>> g : moving.values()) {
            for (EngineLease<H> h : g) leaving.computeIfAbsent(h.node, n -> new ArrayList<>()).add(h.allocation);
        }
        Sandbox box = new Sandbox();
        for (NodeSlot n : engine.nodes()) {
            if (n.draining || sources.contains(n)) continue;
            addFreed(box, n, leaving.getOrDefault(n, List.of()));
        }
        if (box.size() == 0) return false;
        for (List<EngineLease<H>> g : moving.values()) {
            if (!box.place(g.getFirst().bundle)) return false;
        }
        return true;
    }

    /** Adds {@code n} to the sandbox with what is free there now plus what {@code freed} holds. */
    private static void addFreed(Sandbox box, NodeSlot n, List<Allocation> freed) {
        NodeAllocator a = n.allocator;
        double cpus = a.freeCpus();
        long mem = a.freeMemoryBytes();
        List<GpuDevice> gpus = n.inventory.gpus();
        List<Double> gpuFraction = new ArrayList<>(gpus.size());
        List<Long> gpuMemory = new ArrayList<>(gpus.size());
        for (GpuDevice g : gpus) {
            gpuFraction.add(a.freeGpuFraction(g.index()));
            gpuMemory.add(a.freeGpuMemoryBytes(g.index()));
        }
        Map<String, Double> custom = new HashMap<>();
        for (String k : n.inventory.custom().keySet()) custom.put(k, a.freeCustom(k));
        for (Allocation f : freed) {
            cpus += f.cpus();
            mem += f.memoryBytes();
            for (GpuShare s : f.gpus()) {
                for (int i = 0; i < gpus.size(); i++) {
                    if (gpus.get(i).index() == s.index()) {
                        gpuFraction.set(i, Math.min(1.0, gpuFraction.get(i) + s.fraction()));
                        gpuMemory.set(i, gpuMemory.get(i) + s.memoryBytes());
                    }
                }
            }
            f.custom().forEach((k, v) -> custom.merge(k, v, Double::sum));
        }
        box.addInUse(n.id, n.inventory, n.labels, false, cpus, mem, gpuFraction, gpuMemory, custom);
    }
}
