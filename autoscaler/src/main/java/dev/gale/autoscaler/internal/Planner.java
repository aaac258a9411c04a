package dev.gale.autoscaler.internal;

import dev.gale.autoscaler.AutoscalerStatus.DemandStatus;
import dev.gale.autoscaler.NodeType;
import dev.gale.cluster.Bundle;
import dev.gale.cluster.DemandSnapshot;
import dev.gale.cluster.NodeShape;
import dev.gale.cluster.PlacementModel;
import dev.gale.gpu.ResourceSpec;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Decides which nodes to launch for the demand, as a pure function of (nodes, pending launches,
 * demand, requested capacity, node types and limits); every "would it fit" question goes to the
 * cluster's own placement rules ({@link PlacementModel}). Modelled on Ray's autoscaler v2:
 * <ol>
 *   <li>requested capacity ({@code requestResources}) is packed onto the nodes as if empty; the
 *       nodes it uses are kept, what does not fit is demand;</li>
 *   <li>demand is packed onto the free capacity of the nodes and of the nodes already launching
 *       (so nothing is launched twice for the same demand);</li>
 *   <li>demand no node type can hold (with the nodes there are) is unsatisfiable: reported, and
 *       nothing is launched for it;</li>
 *   <li>the rest, largest bundles first, goes first onto room left on nodes planned this round,
 *       then onto new nodes: for each bundle the node type is chosen by (a) never a GPU type for
 *       CPU-only demand while some CPU type can hold it, (b) the lowest cost per hour of the nodes
 *       needed for the copies it can serve, (c) the least waste (unused share of those nodes'
 *       CPUs, memory and GPUs), (d) the order of the types; a type at its max, backing off, or
 *       past the cluster's or the launch budget is skipped, and the next type that fits takes
 *       the rest.</li>
 * </ol>
 * Not thread-safe; one per reconcile loop (it caches what a node type holds per bundle).
 */
public final class Planner {
    /** Label left out when comparing node shapes (every launched node has its own value). */
    private static final String INSTANCE_LABEL = NodeType.LABEL_INSTANCE;

    private final List<NodeType> types;
    private final List<NodeShape> typeShapes = new ArrayList<>();
    private final int clusterMax;
    /** Per bundle, per type: {nodes per set, copies per set, waste per mille} (or null: cannot hold it alone). */
    private final Map<Bundle, int[][]> fitCache = new HashMap<>();

    /** A planner for these node types; {@code clusterMax} caps how many nodes of all types together may run. */
    public Planner(List<NodeType> types, int clusterMax) {
        this.types = List.copyOf(types);
        for (NodeType t : types) typeShapes.add(t.resources().shape());
        this.clusterMax = clusterMax;
    }

    /** One kind of waiting demand: {@code count} grants of {@code bundle}. */
    public record Demand(Bundle bundle, int count) {
    }

    /**
     * What to do.
     *
     * @param launch        per node type (config order), how many nodes to launch now
     * @param waiting       demand new nodes would serve but that waits for a limit
     * @param unsatisfiable demand nothing can hold
     * @param busy          node ids that demand or requested capacity was packed onto (not to be retired)
     * @param servedByNew   bundles planned onto new nodes
     */
    public record Plan(int[] launch, List<DemandStatus> waiting, List<DemandStatus> unsatisfiable, Set<String> busy, int servedByNew) {
        /** Nodes to launch in all. */
        public int total() {
            int n = 0;
            for (int v : launch) n += v;
            return n;
        }
    }

    /**
     * Limits of this round.
     *
     * @param available    per type (config order): nodes of it that may still be added (max less those there)
     * @param backingOff   per type: true while it is not launched after failures
     * @param clusterRoom  nodes that may still be added in all (maxNodes less the autoscaler's nodes)
     * @param launchRoom   nodes that may be launched now (upscaling speed less those pending)
     */
    public record Limits(int[] available, boolean[] backingOff, int clusterRoom, int launchRoom) {
    }

    /**
     * Plans launches.
     *
     * @param nodes     the cluster's nodes as the demand snapshot shows them
     * @param pending   the node type of each instance launched or queued that has not joined yet
     * @param demand    waiting demand, oldest first
     * @param requested bundles asked for with {@code requestResources} (a floor of capacity)
     */
    public Plan plan(List<DemandSnapshot.NodeState> nodes, List<NodeType> pending, List<Demand> demand, List<Bundle> requested,
                     Limits limits) {
        int[] launch = new int[types.size()];
        List<DemandStatus> waiting = new ArrayList<>();
        List<DemandStatus> unsat = new ArrayList<>();
        Set<String> busy = new HashSet<>();
        Map<Bundle, Integer> left = new LinkedHashMap<>();

        // 1. requested capacity, on the nodes as if empty
        if (!requested.isEmpty()) {
            PlacementModel empty = new PlacementModel();
            for (DemandSnapshot.NodeState n : nodes) {
                if (!n.draining()) empty.addEmpty(n.nodeId(), n.shape());
            }
            for (NodeType t : pending) empty.addEmpty("", t.resources().shape());
            for (Bundle b : requested) {
                if (empty.place(b)) markBusy(empty, b, busy);
                else left.merge(b, 1, Integer::sum);
            }
        }

        // 2. demand onto free capacity and onto nodes already launching
        PlacementModel current = new PlacementModel();
        for (DemandSnapshot.NodeState n : nodes) current.addCurrent(n);
        for (NodeType t : pending) current.addEmpty("", t.resources().shape());
        for (Demand d : demand) {
            int c = d.count();
            while (c > 0 && current.place(d.bundle())) {
                markBusy(current, d.bundle(), busy);
                c--;
            }
            if (c > 0) left.merge(d.bundle(), c, Integer::sum);
        }

        // 3. unsatisfiable, then 4. new nodes, largest first
        List<Map.Entry<Bundle, Integer>> rest = new ArrayList<>(left.entrySet());
        rest.sort(Comparator.comparing(Map.Entry<Bundle, Integer>::getKey, Planner::largerFirst));
        Map<NodeShape, Integer> shapes = null;
        int clusterRoom = limits.clusterRoom();
        int launchRoom = limits.launchRoom();
        int[] available = limits.available().clone();
        PlacementModel partial = new PlacementModel();
        int servedByNew = 0;
        for (Map.Entry<Bundle, Integer> e : rest) {
            Bundle b = e.getKey();
            int c = e.getValue();
            if (shapes == null) shapes = shapesOf(nodes);
            boolean onTypes = holdableByTypes(b);
            if (!onTypes && !feasibleWithTypes(b, shapes)) {
                unsat.add(new DemandStatus(b.describe(), c, "no node type can hold it (nor any node of the cluster): "
                        + "it needs " + b.describe() + "; the types offer " + describeTypes()));
                continue;
            }
            if (!onTypes) {
                waiting.add(new DemandStatus(b.describe(), c, "no node type can hold it alone; it waits for room on the nodes there are"));
                continue;
            }
            while (c > 0 && partial.size() > 0 && partial.place(b)) {
                c--;
                servedByNew++;
            }
            boolean cpuOnly = cpuOnly(b);
            boolean cpuTypeHolds = cpuOnly && anyCpuTypeHolds(b);
            while (c > 0) {
                int best = -1;
                double bestCost = 0;
                int bestWaste = 0;
                int bestServed = 0;
                int bestSets = 0;
                for (int t = 0; t < types.size(); t++) {
                    if (cpuTypeHolds && types.get(t).hasGpus()) continue;
                    if (available[t] <= 0 || limits.backingOff()[t]) continue;
                    int[] fit = fit(b, t);
                    if (fit == null) continue;
                    int j = fit[0];
                    int q = fit[1];
                    int maxSets = Math.min(available[t], Math.min(clusterRoom, launchRoom)) / j;
                    if (maxSets <= 0) continue;
                    int sets = Math.min(maxSets, (c + q - 1) / q);
                    int served = Math.min(c, sets * q);
                    double cost = types.get(t).costPerHour() * sets * j / served;
                    int waste = fit[2];
                    if (best < 0 || cost < bestCost - 1e-12 || (Math.abs(cost - bestCost) <= 1e-12 && waste < bestWaste)) {
                        best = t;
                        bestCost = cost;
                        bestWaste = waste;
                        bestServed = served;
                        bestSets = sets;
                    }
                }
                if (best < 0) break;
                int[] fit = fit(b, best);
                int nodesToLaunch = bestSets * fit[0];
                launch[best] += nodesToLaunch;
                available[best] -= nodesToLaunch;
                clusterRoom -= nodesToLaunch;
                launchRoom -= nodesToLaunch;
                c -= bestServed;
                servedByNew += bestServed;
                int lastSet = bestServed - (bestSets - 1) * fit[1];
                if (lastSet < fit[1]) {
                    // the last set has room left: later bundles may use it
                    for (int k = 0; k < fit[0]; k++) partial.addEmpty("", typeShapes.get(best));
                    for (int k = 0; k < lastSet; k++) partial.place(b);
                }
            }
            if (c > 0 && b.size() > 1 && !anySingleTypeHolds(b)) {
                c = mixedTypes(b, c, launch, available, limits.backingOff(), cpuTypeHolds, new int[]{clusterRoom, launchRoom});
            }
            if (c > 0) waiting.add(new DemandStatus(b.describe(), c, whyWaiting(b, limits, available, clusterRoom, launchRoom, cpuTypeHolds)));
        }
        return new Plan(launch, waiting, unsat, busy, servedByNew);
    }

    /** Places copies of a bundle that needs nodes of several types at once, one copy at a time; returns the copies left. */
    private int mixedTypes(Bundle b, int c, int[] launch, int[] available, boolean[] backingOff, boolean noGpuTypes, int[] room) {
        int copies = 0;
        while (c > 0 && copies++ < 16) {
            PlacementModel m = new PlacementModel();
            List<Integer> typeOf = new ArrayList<>();
            for (int t = 0; t < types.size(); t++) {
                if (backingOff[t] || (noGpuTypes && types.get(t).hasGpus())) continue;
                int n = Math.min(available[t], b.size());
                for (int k = 0; k < n; k++) {
                    m.addEmpty(types.get(t).name(), typeShapes.get(t));
                    typeOf.add(t);
                }
            }
            if (m.size() == 0 || !m.place(b)) break;
            int[] need = new int[types.size()];
            Set<Integer> used = new HashSet<>();
            for (int k = 0; k < b.size(); k++) {
                if (used.add(m.lastNode(k))) need[typeOf.get(m.lastNode(k))]++;
            }
            int total = used.size();
            if (total > room[0] || total > room[1]) break;
            for (int t = 0; t < need.length; t++) {
                launch[t] += need[t];
                available[t] -= need[t];
            }
            room[0] -= total;
            room[1] -= total;
            c--;
        }
        return c;
    }

    private String whyWaiting(Bundle b, Limits limits, int[] available, int clusterRoom, int launchRoom, boolean cpuTypeHolds) {
        List<String> why = new ArrayList<>();
        for (int t = 0; t < types.size(); t++) {
            if (cpuTypeHolds && types.get(t).hasGpus()) continue;
            if (fit(b, t) == null) continue;
            String name = types.get(t).name();
            if (limits.backingOff()[t]) why.add(name + " is backing off after launch failures");
            else if (available[t] <= 0) why.add(name + " is at its max (" + types.get(t).max() + ")");
        }
        if (clusterRoom <= 0) why.add("the cluster is at maxNodes (" + clusterMax + ")");
        if (launchRoom <= 0) why.add("enough nodes are launching already (upscaling speed)");
        if (why.isEmpty()) why.add("no node type that can hold it may be launched now");
        return String.join("; ", why);
    }

    private static void markBusy(PlacementModel m, Bundle b, Set<String> busy) {
        for (int k = 0; k < b.size(); k++) {
            String id = m.id(m.lastNode(k));
            if (!id.isEmpty()) busy.add(id);
        }
    }

    /**
     * What one type holds of a bundle: {nodes per set j, copies per set q, waste per mille}, or
     * null when j nodes of the type (j up to the bundle's size, within the type's max) cannot hold
     * it. Cached per bundle.
     */
    private int[] fit(Bundle b, int t) {
        int[][] perType = fitCache.computeIfAbsent(b, k -> new int[types.size()][]);
        if (perType[t] == null) perType[t] = computeFit(b, t);
        return perType[t].length == 0 ? null : perType[t];
    }

    private static final int MAX_COPIES_PER_SET = 4096;

    private int[] computeFit(Bundle b, int t) {
        NodeType type = types.get(t);
        NodeShape shape = typeShapes.get(t);
        int limit = Math.min(Math.min(type.max(), clusterMax), b.size());
        for (int j = 1; j <= limit; j++) {
            PlacementModel m = new PlacementModel();
            for (int k = 0; k < j; k++) m.addEmpty("", shape);
            if (!m.place(b)) continue;
            int q = 1;
            while (q < MAX_COPIES_PER_SET && m.place(b)) q++;
            return new int[]{j, q, waste(m, type, j)};
        }
        return new int[0];
    }

    /** The unused share of the set's CPUs, memory and GPUs (the dimensions the type has), per mille. */
    private static int waste(PlacementModel m, NodeType type, int j) {
        double sum = 0;
        int dims = 0;
        double cpus = type.resources().cpus() * j;
        double free = 0;
        long freeMem = 0;
        double freeGpu = 0;
        for (int k = 0; k < m.size(); k++) {
            free += m.freeCpus(k);
            freeMem += m.freeMemoryBytes(k);
            freeGpu += m.freeGpus(k);
        }
        if (cpus > 0) {
            sum += free / cpus;
            dims++;
        }
        if (type.resources().memoryBytes() > 0) {
            sum += (double) freeMem / (type.resources().memoryBytes() * (double) j);
            dims++;
        }
        if (type.resources().gpus() > 0) {
            sum += freeGpu / (type.resources().gpus() * (double) j);
            dims++;
        }
        return dims == 0 ? 0 : (int) Math.round(1000 * sum / dims);
    }

    private boolean holdableByTypes(Bundle b) {
        if (anySingleTypeHolds(b)) return true;
        if (b.size() == 1) return false;
        List<NodeShape> all = new ArrayList<>();
        for (int t = 0; t < types.size(); t++) {
            int n = Math.min(Math.min(types.get(t).max(), clusterMax), b.size());
            for (int k = 0; k < n; k++) all.add(typeShapes.get(t));
        }
        return b.feasibleOn(all);
    }

    private boolean anySingleTypeHolds(Bundle b) {
        for (int t = 0; t < types.size(); t++) if (fit(b, t) != null) return true;
        return false;
    }

    private boolean anyCpuTypeHolds(Bundle b) {
        for (int t = 0; t < types.size(); t++) if (!types.get(t).hasGpus() && fit(b, t) != null) return true;
        return false;
    }

    private static boolean cpuOnly(Bundle b) {
        for (ResourceSpec s : b.specs()) if (s.gpus() > 0) return false;
        return true;
    }

    /** The cluster's distinct node shapes (instance labels left out) and how many nodes have each. */
    private static Map<NodeShape, Integer> shapesOf(List<DemandSnapshot.NodeState> nodes) {
        Map<NodeShape, Integer> out = new LinkedHashMap<>();
        for (DemandSnapshot.NodeState n : nodes) {
            Map<String, String> labels = n.labels();
            if (labels.containsKey(INSTANCE_LABEL)) {
                labels = new TreeMap<>(labels);
                labels.remove(INSTANCE_LABEL);
            }
            out.merge(new NodeShape(n.inventory(), labels), 1, Integer::sum);
        }
        return out;
    }

    /**
     * Whether {@code b} fits the cluster's shapes (each as often as there are nodes of it) together
     * with nodes of the types (each as often as its max allows), all empty; never more copies of a
     * shape than the bundle has members.
     */
    private boolean feasibleWithTypes(Bundle b, Map<NodeShape, Integer> shapes) {
        List<NodeShape> list = new ArrayList<>();
        for (Map.Entry<NodeShape, Integer> e : shapes.entrySet()) {
            for (int k = 0; k < Math.min(e.getValue(), b.size()); k++) list.add(e.getKey());
        }
        for (int t = 0; t < types.size(); t++) {
            int n = Math.min(Math.min(types.get(t).max(), clusterMax), b.size());
            for (int k = 0; k < n; k++) list.add(typeShapes.get(t));
        }
        return !list.isEmpty() && b.feasibleOn(list);
    }

    private String describeTypes() {
        StringBuilder sb = new StringBuilder();
        for (NodeType t : types) {
            if (!sb.isEmpty()) sb.append("; ");
            sb.append(t.name()).append(" {cpus ").append(num(t.resources().cpus()));
            if (t.resources().gpus() > 0) {
                sb.append(", gpus ").append(t.resources().gpus());
                if (!t.resources().acceleratorType().isEmpty()) sb.append(' ').append(t.resources().acceleratorType());
            }
            if (!t.resources().labels().isEmpty()) sb.append(", labels ").append(t.resources().labels());
            sb.append('}');
        }
        return sb.toString();
    }

    private static String num(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }

    /** Bundles needing GPUs first, then more GPUs, more CPUs, more memory, more members. */
    static int largerFirst(Bundle x, Bundle y) {
        double gx = 0, gy = 0, cx = 0, cy = 0;
        long mx = 0, my = 0;
        for (ResourceSpec s : x.specs()) {
            gx += s.gpus();
            cx += s.cpus();
            mx += s.memoryBytes();
        }
        for (ResourceSpec s : y.specs()) {
            gy += s.gpus();
            cy += s.cpus();
            my += s.memoryBytes();
        }
        int c = Double.compare(gy, gx);
        if (c != 0) return c;
        c = Double.compare(cy, cx);
        if (c != 0) return c;
        c = Long.compare(my, mx);
        if (c != 0) return c;
        return Integer.compare(y.size(), x.size());
    }
}
