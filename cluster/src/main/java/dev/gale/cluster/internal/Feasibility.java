package dev.gale.cluster.internal;

import dev.gale.cluster.Bundle;
import dev.gale.cluster.NodeShape;
import dev.gale.gpu.Allocation;
import dev.gale.gpu.Bytes;
import dev.gale.gpu.GpuDevice;
import dev.gale.gpu.NodeInventory;
import dev.gale.gpu.ResourceSpec;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Whether a {@link Bundle} could ever be placed on nodes of given shapes (all empty): a pure
 * function of (bundle, shapes), so that an autoscaler can add the shapes of node types it could
 * launch. Uses the same search as placement ({@link BundlePlacer}), so a bundle found feasible is
 * placed once the nodes it needs are empty.
 */
public final class Feasibility {
    private Feasibility() {
    }

    /** True when {@code b} fits nodes of these shapes when they are empty. */
    public static boolean feasible(Bundle b, Collection<NodeShape> shapes) {
        List<NodeSlot> slots = new ArrayList<>(shapes.size());
        int i = 0;
        for (NodeShape s : shapes) slots.add(new NodeSlot("shape-" + (i++), s.inventory(), s.labels(), 0)); // labels sorted by NodeShape
        return feasibleOnEmpty(b, slots);
    }

    /**
     * True when {@code b} fits {@code nodes} as if they were empty and none drained (a draining
     * node's shape still counts: it may be restarted or replaced): imaginary empty copies are
     * searched, the nodes themselves are not touched.
     */
    static boolean feasibleOnEmpty(Bundle b, Collection<NodeSlot> nodes) {
        return feasibleOnEmpty(b, nodes, List.of(), List.of());
    }

    /**
     * As {@link #feasibleOnEmpty(Bundle, Collection)} on {@code nodes} plus, for each launchable
     * node type (a prototype slot and the most nodes of it that may be launched), up to that many
     * more empty nodes of its shape (never more than the bundle has specs: more cannot help).
     */
    static boolean feasibleOnEmpty(Bundle b, Collection<NodeSlot> nodes, List<NodeSlot> launchable, List<Integer> launchableMax) {
        if (b.specs().size() == 1) {
            ResourceSpec spec = b.specs().getFirst();
            for (NodeSlot n : nodes) {
                if (b.matches(n.labels) && n.allocator.fits(spec)) return true;
            }
            for (int i = 0; i < launchable.size(); i++) {
                NodeSlot n = launchable.get(i);
                if (launchableMax.get(i) > 0 && b.matches(n.labels) && n.allocator.fits(spec)) return true;
            }
            return false;
        }
        List<NodeSlot> empty = new ArrayList<>(nodes.size());
        for (NodeSlot n : nodes) {
            if (b.matches(n.labels)) empty.add(new NodeSlot(n.id, n.inventory, n.labels, 0));
        }
        for (int i = 0; i < launchable.size(); i++) {
            NodeSlot n = launchable.get(i);
            if (!b.matches(n.labels)) continue;
            int copies = Math.min(launchableMax.get(i), b.size());
            for (int c = 0; c < copies; c++) empty.add(new NodeSlot(n.id + "#" + c, n.inventory, n.labels, 0));
        }
        if (empty.isEmpty()) return false;
        return BundlePlacer.place(b, empty, new NodeSlot[b.size()], new Allocation[b.size()]);
    }

    /** An empty prototype node of {@code shape} (for launchable node types). */
    static NodeSlot prototype(String name, NodeShape shape) {
        return new NodeSlot(name, shape.inventory(), shape.labels(), 0);
    }

    /** The distinct shapes of {@code nodes} with their counts, e.g. {@code 2 x {cpus 4, memory 16.0GiB, labels zone=a}}. */
    static String describeShapes(Collection<NodeSlot> nodes) {
        if (nodes.isEmpty()) return "no nodes are registered";
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (NodeSlot n : nodes) {
            counts.merge(describe(n.inventory, n.labels) + (n.draining ? " (draining)" : ""), 1, Integer::sum);
        }
        StringBuilder sb = new StringBuilder();
        int shown = 0;
        for (Map.Entry<String, Integer> e : counts.entrySet()) {
            if (shown == 8) {
                sb.append("; and ").append(counts.size() - shown).append(" more shapes");
                break;
            }
            if (shown++ > 0) sb.append("; ");
            sb.append(e.getValue()).append(" x ").append(e.getKey());
        }
        return sb.toString();
    }

    /** One node shape as text. */
    static String describe(NodeInventory inv, Map<String, String> labels) {
        StringBuilder sb = new StringBuilder("{cpus ").append(num(inv.cpus())).append(", memory ").append(Bytes.format(inv.memoryBytes()));
        if (!inv.gpus().isEmpty()) {
            Map<String, Integer> g = new LinkedHashMap<>();
            for (GpuDevice d : inv.gpus()) g.merge(d.name() + " " + Bytes.format(d.memoryTotalBytes()), 1, Integer::sum);
            sb.append(", gpus");
            g.forEach((k, v) -> sb.append(' ').append(v).append(" x ").append(k));
        }
        if (!inv.custom().isEmpty()) sb.append(", custom ").append(new java.util.TreeMap<>(inv.custom()));
        if (!labels.isEmpty()) sb.append(", labels ").append(labels);
        return sb.append('}').toString();
    }

    private static String num(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.2f", v);
    }
}
