package dev.gale.observability.dashboard.internal;

import dev.gale.cluster.AutoscalerView;
import dev.gale.cluster.DemandSnapshot;
import dev.gale.observability.experiment.internal.ExperimentModel;
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
 * group, shape, count, age and whether any node shape could hold it), the autoscaler's instances
 * when one runs in the cluster, and the worker groups of distributed training among the running
 * trials (each rank's samples per second). Thread-safe.
 */
public final class ClusterView {
    private final AtomicReference<DemandSnapshot> latest = new AtomicReference<>();
    private final AtomicLong version = new AtomicLong();
    private final AtomicReference<AutoscalerView.Snapshot> autoscaler = new AtomicReference<>();
    /** Worker groups with their experiment's id, as JSON-ready maps. */
    private final AtomicReference<List<Map<String, Object>>> groups = new AtomicReference<>(List.of());

    /** Records a snapshot. */
    public void accept(DemandSnapshot s) {
        latest.set(s);
        version.incrementAndGet();
    }

    /**
     * Records the autoscaler's status (null: none found any more); a snapshot that differs from the
     * previous one only in its time changes nothing.
     */
    public void autoscaler(AutoscalerView.Snapshot s) {
        AutoscalerView.Snapshot before = autoscaler.get();
        if (s == null ? before == null : before != null && sameButTime(before, s)) return;
        autoscaler.set(s);
        version.incrementAndGet();
    }

    private static boolean sameButTime(AutoscalerView.Snapshot a, AutoscalerView.Snapshot b) {
        return a.cluster().equals(b.cluster()) && a.provider().equals(b.provider()) && a.costPerHour() == b.costPerHour()
                && a.instances().equals(b.instances()) && a.unsatisfiable().equals(b.unsatisfiable());
    }

    /** Records the worker groups of the experiments shown ({@code byExperiment}: id to its groups); a change bumps the version. */
    public void workerGroups(Map<String, List<ExperimentModel.WorkerGroup>> byExperiment) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Map.Entry<String, List<ExperimentModel.WorkerGroup>> e : byExperiment.entrySet()) {
            for (ExperimentModel.WorkerGroup g : e.getValue()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("experiment", e.getKey());
                m.put("trial", g.trialId());
                m.put("node", g.node());
                List<Object> ranks = new ArrayList<>();
                double total = 0;
                for (Map.Entry<Integer, Double> r : g.samplesPerS().entrySet()) {
                    ranks.add(Map.of("rank", r.getKey(), "samplesPerS", r.getValue()));
                    total += r.getValue();
                }
                m.put("ranks", ranks);
                m.put("totalSamplesPerS", total);
                rows.add(m);
            }
        }
        if (rows.equals(groups.get())) return;
        groups.set(List.copyOf(rows));
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
        m.put("autoscaler", autoscalerJson(autoscaler.get()));
        m.put("workerGroups", groups.get());
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

    private static Map<String, Object> autoscalerJson(AutoscalerView.Snapshot a) {
        if (a == null) return null;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cluster", a.cluster());
        m.put("provider", a.provider());
        m.put("at", a.at() == null ? null : a.at().toString());
        m.put("costPerHour", a.costPerHour());
        List<Object> instances = new ArrayList<>();
        for (AutoscalerView.Instance i : a.instances()) {
            Map<String, Object> im = new LinkedHashMap<>();
            im.put("id", i.instanceId());
            im.put("type", i.nodeType());
            im.put("state", i.state());
            im.put("node", i.nodeId());
            im.put("since", i.since() == null ? null : i.since().toString());
            im.put("reason", i.reason());
            instances.add(im);
        }
        m.put("instances", instances);
        m.put("unsatisfiable", a.unsatisfiable());
        return m;
    }
}
