package dev.gale.autoscaler.internal;

import dev.gale.autoscaler.NodeType;
import dev.gale.cluster.Bundle;
import dev.gale.cluster.Placement;
import dev.gale.gpu.Allocation;
import dev.gale.gpu.NodeAllocator;
import dev.gale.gpu.ResourceSpec;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The cheapest set of nodes of the configured types that holds a set of bundles at once: the
 * yardstick of the simulation's cost ("cost within 10 % of the cheapest packing of the same
 * demand", issue 12).
 *
 * <p>Method. The bundles become <em>items</em>: a single-spec bundle is one item; a
 * {@link Placement#STRICT_PACK} bundle is one item of all its specs (on one node); the specs of a
 * {@link Placement#PACK} or {@link Placement#SPREAD} bundle are items of their own (those
 * placements are best effort); the specs of a {@link Placement#STRICT_SPREAD} gang are items of a
 * <em>spread group</em>: with {@code G} such gangs running, a node holds at most {@code G} workers
 * of the group, and that is also enough — deal the workers out node by node, worker {@code i} to
 * gang {@code i mod G}: a node's at most {@code G} consecutive workers go to distinct gangs. For
 * each node type, every maximal <em>pattern</em> (how many items of each kind one empty node of
 * the type holds, checked with the cluster's own {@link NodeAllocator}, labels matched) is
 * enumerated; then a dynamic program over the demand vector finds the cheapest multiset of
 * (type, pattern) that covers it. That is exact: any packing is such a multiset.
 *
 * <p>Where it is not exact, it says so ({@link Result#exact()} false) and gives a lower bound:
 * when the optimum found breaks a per-type {@code max} or {@code maxNodes} (the program leaves the
 * limits out: its value is still a lower bound), when a STRICT_SPREAD gang mixes different specs
 * or an item has a fractional GPU (the item model then relaxes the problem), or when the demand
 * vector is too large to enumerate (then the bound of each resource dimension at its cheapest
 * price per unit).
 *
 * <p>Promises: deterministic; {@link Result#lower()} is never above the cost per hour of any
 * packing of the bundles on nodes of the types; when {@code exact}, it is the cheapest. Results of
 * the program are cached by the set of item kinds, so a trace's thousands of demand changes cost
 * one table per kind set.
 */
public final class CheapestPacking {
    /** The most states times patterns of one table before falling back to the per-dimension bound. */
    static final long MAX_WORK = 50_000_000L;
    /** The most patterns enumerated per type before falling back. */
    static final int MAX_PATTERNS = 20_000;

    /**
     * The cheapest packing of one demand.
     *
     * @param lower        cost per hour of the cheapest packing (exact) or a lower bound of it
     * @param exact        whether {@code lower} is the cheapest packing itself
     * @param nodesPerType per type (in the configured order), nodes of the packing found (empty when none was built)
     * @param why          when not exact, why not; empty otherwise
     */
    public record Result(double lower, boolean exact, int[] nodesPerType, String why) {
        static final Result NOTHING = new Result(0, true, new int[0], "");
    }

    /** One kind of item: the specs placed together on one node, the labels its nodes need, its STRICT_SPREAD gang (null: none). */
    private record Kind(List<ResourceSpec> specs, Map<String, String> labels, Object spreadGroup) {
    }

    private record Table(int[] dims, double[] cost, int[] choice, int[][] patterns, int[] patternType) {
    }

    private final List<NodeType> types;
    private final int maxNodes;
    private final Map<List<Object>, Table> tables = new HashMap<>();

    /** For nodes of {@code types} (their {@code max} respected), {@code maxNodes} in all. */
    public CheapestPacking(List<NodeType> types, int maxNodes) {
        this.types = List.copyOf(types);
        this.maxNodes = maxNodes;
    }

    /** The cheapest packing of {@code running} (bundle → copies running at once). */
    public Result cheapest(Map<Bundle, Integer> running) {
        Map<Kind, Integer> demand = new LinkedHashMap<>();
        Map<Kind, Integer> clip = new HashMap<>();
        boolean relaxed = false;
        for (Map.Entry<Bundle, Integer> e : running.entrySet()) {
            int copies = e.getValue();
            if (copies <= 0) continue;
            Bundle b = e.getKey();
            Map<String, String> labels = b.labels() == null ? Map.of() : b.labels();
            for (ResourceSpec s : b.specs()) if (s.gpus() > 0 && s.gpus() < 1) relaxed = true;
            if (b.specs().size() == 1 || b.placement() == Placement.STRICT_PACK) {
                demand.merge(new Kind(b.specs(), labels, null), copies, Integer::sum);
            } else if (b.placement() == Placement.STRICT_SPREAD) {
                if (b.specs().stream().distinct().count() > 1) relaxed = true;
                for (ResourceSpec s : b.specs()) {
                    Kind k = new Kind(List.of(s), labels, b);
                    demand.merge(k, copies, Integer::sum);
                    clip.put(k, copies);
                }
            } else {
                for (ResourceSpec s : b.specs()) demand.merge(new Kind(List.of(s), labels, null), copies, Integer::sum);
            }
        }
        if (demand.isEmpty()) return Result.NOTHING;
        List<Kind> kinds = new ArrayList<>(demand.keySet());
        int n = kinds.size();
        int[] want = new int[n];
        int[] caps = new int[n];
        for (int i = 0; i < n; i++) {
            want[i] = demand.get(kinds.get(i));
            caps[i] = clip.getOrDefault(kinds.get(i), Integer.MAX_VALUE);
        }
        // a spread group's clip matters only while it is below what a node could hold anyway
        for (int i = 0; i < n; i++) if (caps[i] != Integer.MAX_VALUE && caps[i] >= mostPerNode(kinds.get(i))) caps[i] = Integer.MAX_VALUE;
        List<Object> key = new ArrayList<>(kinds);
        for (int c : caps) key.add(c);
        Table t = tables.get(key);
        if (t == null || !covers(t.dims, want)) {
            int[] dims = want.clone();
            if (t != null) for (int i = 0; i < n; i++) dims[i] = Math.max(dims[i], t.dims[i] + t.dims[i] / 4 + 8);
            t = build(kinds, caps, dims);
            if (t == null && !Arrays.equals(dims, want)) t = build(kinds, caps, want);
            if (t == null) return new Result(dimensionBound(kinds, want), false, new int[0], "too large to enumerate: per-dimension bound");
            tables.put(key, t);
        }
        int idx = index(want, t.dims);
        double best = t.cost[idx];
        if (Double.isInfinite(best)) {
            throw new IllegalArgumentException("no node type holds the running demand " + running.keySet() + ": it cannot be running");
        }
        int[] nodes = new int[types.size()];
        int[] d = want.clone();
        while (idx != 0) {
            int p = t.choice[idx];
            nodes[t.patternType[p]]++;
            for (int i = 0; i < n; i++) d[i] = Math.max(0, d[i] - t.patterns[p][i]);
            idx = index(d, t.dims);
        }
        int total = 0;
        String why = relaxed ? "a STRICT_SPREAD gang of mixed specs or a fractional GPU: the item model is a relaxation" : "";
        for (int i = 0; i < nodes.length; i++) {
            total += nodes[i];
            if (nodes[i] > types.get(i).max()) why = "the cheapest packing needs " + nodes[i] + " " + types.get(i).name() + " nodes, above its max";
        }
        if (total > maxNodes) why = "the cheapest packing needs " + total + " nodes, above maxNodes";
        return new Result(best, why.isEmpty(), nodes, why);
    }

    private static boolean covers(int[] dims, int[] want) {
        for (int i = 0; i < want.length; i++) if (want[i] > dims[i]) return false;
        return true;
    }

    private static int index(int[] d, int[] dims) {
        int idx = 0;
        for (int i = d.length - 1; i >= 0; i--) idx = idx * (dims[i] + 1) + d[i];
        return idx;
    }

    /** The most items of {@code k} one empty node of any type holds. */
    private int mostPerNode(Kind k) {
        int most = 0;
        for (NodeType t : types) {
            if (!matches(k, t)) continue;
            NodeAllocator a = new NodeAllocator(t.resources().inventory());
            int c = 0;
            while (c < 100_000 && place(a, k) != null) c++;
            most = Math.max(most, c);
        }
        return most;
    }

    private static boolean matches(Kind k, NodeType t) {
        Map<String, String> nodeLabels = t.resources().labels() == null ? Map.of() : t.resources().labels();
        for (Map.Entry<String, String> e : k.labels().entrySet()) if (!e.getValue().equals(nodeLabels.get(e.getKey()))) return false;
        return true;
    }

    /** Places all specs of one item, or nothing; the allocations made (to release), or null. */
    private static List<Allocation> place(NodeAllocator a, Kind k) {
        List<Allocation> made = new ArrayList<>(k.specs().size());
        for (ResourceSpec s : k.specs()) {
            Optional<Allocation> got = a.tryAllocate(s);
            if (got.isEmpty()) {
                for (Allocation m : made) a.release(m);
                return null;
            }
            made.add(got.get());
        }
        return made;
    }

    /** The maximal patterns of every type, and the program over the box {@code dims}; null when too large. */
    private Table build(List<Kind> kinds, int[] caps, int[] dims) {
        int n = kinds.size();
        List<int[]> patterns = new ArrayList<>();
        List<Integer> patternType = new ArrayList<>();
        for (int ti = 0; ti < types.size(); ti++) {
            NodeType t = types.get(ti);
            if (t.max() == 0) continue;
            int[] limit = new int[n];
            boolean any = false;
            for (int i = 0; i < n; i++) {
                limit[i] = matches(kinds.get(i), t) ? Math.min(caps[i], dims[i]) : 0;
                any |= limit[i] > 0;
            }
            if (!any) continue;
            List<int[]> found = new ArrayList<>();
            if (!enumerate(new NodeAllocator(t.resources().inventory()), kinds, limit, 0, new int[n], found)) return null;
            for (int[] p : found) {
                boolean empty = true;
                for (int c : p) empty &= c == 0;
                if (empty) continue;
                patterns.add(p);
                patternType.add(ti);
            }
        }
        long states = 1;
        for (int d : dims) {
            states *= d + 1;
            if (states > Integer.MAX_VALUE / 2) return null;
        }
        if (states * Math.max(1, patterns.size()) > MAX_WORK) return null;
        int P = patterns.size();
        int[][] pat = patterns.toArray(int[][]::new);
        int[] ptype = new int[P];
        double[] pcost = new double[P];
        for (int p = 0; p < P; p++) {
            ptype[p] = patternType.get(p);
            pcost[p] = types.get(ptype[p]).costPerHour();
        }
        int[] stride = new int[n];
        int s = 1;
        for (int i = 0; i < n; i++) {
            stride[i] = s;
            s *= dims[i] + 1;
        }
        double[] cost = new double[(int) states];
        int[] choice = new int[(int) states];
        Arrays.fill(cost, Double.POSITIVE_INFINITY);
        cost[0] = 0;
        int[] d = new int[n];
        for (int idx = 1; idx < states; idx++) {
            for (int i = 0; i < n; i++) { // next vector in index order
                if (d[i] < dims[i]) {
                    d[i]++;
                    break;
                }
                d[i] = 0;
            }
            double best = Double.POSITIVE_INFINITY;
            int arg = -1;
            for (int p = 0; p < P; p++) {
                int[] q = pat[p];
                int pred = 0;
                boolean helps = false;
                for (int i = 0; i < n; i++) {
                    int left = d[i] - q[i];
                    if (q[i] > 0 && d[i] > 0) helps = true;
                    pred += (left > 0 ? left : 0) * stride[i];
                }
                if (!helps) continue;
                double c = pcost[p] + cost[pred];
                if (c < best - 1e-12) {
                    best = c;
                    arg = p;
                }
            }
            cost[idx] = best;
            choice[idx] = arg;
        }
        return new Table(dims.clone(), cost, choice, pat, ptype);
    }

    /** Every maximal count vector (up to {@code limit}) of the kinds that fits the node; false when there are too many. */
    private static boolean enumerate(NodeAllocator a, List<Kind> kinds, int[] limit, int i, int[] counts, List<int[]> out) {
        if (i == kinds.size()) {
            for (int j = 0; j < kinds.size(); j++) {
                if (counts[j] < limit[j]) {
                    List<Allocation> more = place(a, kinds.get(j));
                    if (more != null) {
                        for (Allocation m : more) a.release(m);
                        return true; // not maximal
                    }
                }
            }
            out.add(counts.clone());
            return out.size() <= MAX_PATTERNS;
        }
        List<List<Allocation>> placed = new ArrayList<>();
        while (placed.size() < limit[i]) {
            List<Allocation> m = place(a, kinds.get(i));
            if (m == null) break;
            placed.add(m);
        }
        boolean ok = true;
        for (int c = placed.size(); c >= 0 && ok; c--) {
            counts[i] = c;
            ok = enumerate(a, kinds, limit, i + 1, counts, out);
            if (c > 0) for (Allocation m : placed.get(c - 1)) a.release(m);
        }
        counts[i] = 0;
        return ok;
    }

    /** For each resource dimension, the demand at the lowest price per unit of any type that has it; the largest of these. */
    private double dimensionBound(List<Kind> kinds, int[] want) {
        double cpus = 0, mem = 0, gpus = 0;
        for (int i = 0; i < kinds.size(); i++) {
            for (ResourceSpec s : kinds.get(i).specs()) {
                cpus += s.cpus() * want[i];
                mem += (double) s.memoryBytes() * want[i];
                gpus += s.gpus() * want[i];
            }
        }
        double bCpu = Double.MAX_VALUE, bMem = Double.MAX_VALUE, bGpu = Double.MAX_VALUE;
        for (NodeType t : types) {
            if (t.resources().cpus() > 0) bCpu = Math.min(bCpu, t.costPerHour() / t.resources().cpus());
            if (t.resources().memoryBytes() > 0) bMem = Math.min(bMem, t.costPerHour() / t.resources().memoryBytes());
            if (t.resources().gpus() > 0) bGpu = Math.min(bGpu, t.costPerHour() / t.resources().gpus());
        }
        double bound = 0;
        if (cpus > 0 && bCpu != Double.MAX_VALUE) bound = Math.max(bound, cpus * bCpu);
        if (mem > 0 && bMem != Double.MAX_VALUE) bound = Math.max(bound, mem * bMem);
        if (gpus > 0 && bGpu != Double.MAX_VALUE) bound = Math.max(bound, gpus * bGpu);
        return bound;
    }
}
