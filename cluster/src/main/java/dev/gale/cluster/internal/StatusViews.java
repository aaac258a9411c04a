package dev.gale.cluster.internal;

import dev.gale.cluster.ClusterStatus;
import dev.gale.cluster.DemandSnapshot;
import dev.gale.gpu.GpuDevice;
import dev.gale.gpu.NodeAllocator;
import dev.gale.gpu.ResourceSpec;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builds the published views of a {@link PlacementEngine}: {@link DemandSnapshot} and {@link ClusterStatus}. */
public final class StatusViews {
    private StatusViews() {
    }

    /** The demand and nodes of {@code engine} now. */
    public static <H> DemandSnapshot snapshot(PlacementEngine<H> engine, Clock clock) {
        Instant now = clock.instant();
        List<DemandEntry<H>> waiting = engine.waiting();
        List<DemandSnapshot.Waiting> listed = new ArrayList<>(Math.min(waiting.size(), DemandSnapshot.MAX_WAITING));
        int more = 0;
        for (DemandEntry<H> e : waiting) {
            if (listed.size() == DemandSnapshot.MAX_WAITING) {
                more += e.outstanding();
                continue;
            }
            Instant since = Instant.ofEpochMilli(e.sinceMs());
            boolean feasible = engine.feasible(e);
            listed.add(new DemandSnapshot.Waiting(e.holderId(), e.demandKey(), e.group(), e.bundle(), e.outstanding(), since,
                    Duration.between(since, now).isNegative() ? Duration.ZERO : Duration.between(since, now), feasible));
        }
        List<DemandSnapshot.NodeState> nodes = new ArrayList<>();
        for (NodeSlot n : engine.nodes()) {
            NodeAllocator a = n.allocator();
            int g = n.inventory().gpus().size();
            List<Double> frac = new ArrayList<>(g);
            List<Long> mem = new ArrayList<>(g);
            for (GpuDevice gpu : n.inventory().gpus()) {
                frac.add(a.freeGpuFraction(gpu.index()));
                mem.add(a.freeGpuMemoryBytes(gpu.index()));
            }
            Map<String, Double> custom = new LinkedHashMap<>();
            for (String c : n.inventory().custom().keySet()) custom.put(c, a.freeCustom(c));
            nodes.add(new DemandSnapshot.NodeState(n.id(), n.inventory(), a.freeCpus(), a.freeMemoryBytes(), frac, mem, custom,
                    n.labels(), n.draining(), n.draining() ? Instant.ofEpochMilli(n.drainDeadlineMs()) : null,
                    n.idleSinceMs() < 0 ? null : Instant.ofEpochMilli(n.idleSinceMs()), n.leases()));
        }
        return new DemandSnapshot(now, listed, more, nodes);
    }

    /** The cluster status of {@code engine} now (with its demand snapshot). */
    public static <H> ClusterStatus status(PlacementEngine<H> engine, Clock clock) {
        Map<NodeSlot, List<String>> holders = new HashMap<>();
        for (EngineLease<H> h : engine.leases()) {
            holders.computeIfAbsent(h.node(), k -> new ArrayList<>())
                    .add(h.group().isEmpty() ? h.demandKey() : h.group() + "/" + h.demandKey());
        }
        DemandSnapshot demand = snapshot(engine, clock);
        List<ClusterStatus.Node> list = new ArrayList<>();
        int i = 0;
        for (NodeSlot n : engine.nodes()) {
            DemandSnapshot.NodeState s = demand.nodes().get(i++);
            List<String> running = holders.getOrDefault(n, new ArrayList<>());
            running.sort(null);
            list.add(new ClusterStatus.Node(n.id(), n.inventory(), s.freeCpus(), s.freeMemoryBytes(), s.freeGpuFraction(),
                    s.freeGpuMemory(), n.leases(), running));
        }
        List<ResourceSpec> unmet = new ArrayList<>();
        int queued = 0;
        for (DemandEntry<H> e : engine.waiting()) {
            queued += e.outstanding();
            if (!engine.feasible(e)) unmet.addAll(e.bundle().specs());
        }
        return new ClusterStatus(list, queued, unmet, demand, engine.launchableTypes());
    }
}
