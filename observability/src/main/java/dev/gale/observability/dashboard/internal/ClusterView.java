package dev.gale.observability.dashboard.internal;

import dev.gale.cluster.DemandSnapshot;
import dev.gale.gpu.GpuDevice;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The cluster as the dashboard shows it: the latest demand snapshot of the ResourceManager (nodes
 * with their totals, free resources, labels, draining and idle state; waiting demand with its
 * group, shape, count, age and whether any node shape could hold it). Thread-safe.
 */
public final class ClusterView {
    private final AtomicReference<DemandSnapshot> latest = new AtomicReference<>();
    private final AtomicLong version = new AtomicLong();

    /** Records a snapshot. */
    public void accept(DemandSnapshot s) {
        latest.set(s);
        version.incrementAndGet();
    }

    /** Increases with every snapshot (0: none yet). */
    public long version() {
        return version.get();
    }

    /** The cluster as JSON-ready maps ({@code watching: false} before any snapshot). */
    public Map<String, Object> json() {
        DemandSnapshot s = latest.get();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("watching", s != null);
        if (s == null) return m;
        m.put("at", s.at().toString());
        List<Object> nodes = new ArrayList<>();
        for (DemandSnapshot.NodeState n : s.nodes()) {
            Map<String, Object> nm = new LinkedHashMap<>();
            nm.put("id", n.nodeId());
            nm.put("cpus", n.inventory().cpus());
            nm.put("freeCpus", n.freeCpus());
            nm.put("memory", n.inventory().memoryBytes());
            nm.put("freeMemory", n.freeMemoryBytes());
            List<Object> gpus = new ArrayList<>();
            List<GpuDevice> devs = n.inventory().gpus();
            for (int i = 0; i < devs.size(); i++) {
                GpuDevice g = devs.get(i);
                Map<String, Object> gm = new LinkedHashMap<>();
                gm.put("index", g.index());
                gm.put("name", g.name());
                gm.put("memory", g.memoryTotalBytes());
                gm.put("memoryUsed", g.memoryUsedBytes());
                gm.put("utilization", g.utilization());
                gm.put("free", i < n.freeGpuFraction().size() ? n.freeGpuFraction().get(i) : null);
                gm.put("freeMemory", i < n.freeGpuMemory().size() ? n.freeGpuMemory().get(i) : null);
                gpus.add(gm);
            }
            nm.put("gpus", gpus);
            nm.put("labels", n.labels());
            nm.put("draining", n.draining());
            nm.put("idleSince", n.idleSince() == null ? null : n.idleSince().toString());
            nm.put("leases", n.leases());
            nodes.add(nm);
        }
        m.put("nodes", nodes);
        List<Object> waiting = new ArrayList<>();
        for (DemandSnapshot.Waiting w : s.waiting()) {
            Map<String, Object> wm = new LinkedHashMap<>();
            wm.put("group", w.group());
            wm.put("bundle", w.bundle().describe());
            wm.put("count", w.count());
            wm.put("ageS", w.age().toMillis() / 1000.0);
            wm.put("feasible", w.feasible());
            waiting.add(wm);
        }
        m.put("waiting", waiting);
        m.put("moreWaiting", s.moreWaiting());
        return m;
    }
}
