package dev.gale.cluster.internal;

import dev.gale.cluster.Bundle;
import dev.gale.gpu.Allocation;
import dev.gale.gpu.GpuDevice;
import dev.gale.gpu.GpuShare;
import dev.gale.gpu.NodeInventory;
import dev.gale.gpu.ResourceSpec;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Imaginary nodes on which bundles are placed with {@link BundlePlacer}'s rules, for what-if
 * questions (the public face is {@code dev.gale.cluster.PlacementModel}). Not thread-safe.
 */
public final class Sandbox {
    private final List<NodeSlot> slots = new ArrayList<>();
    /** The slots with free CPU, in the order added: bundles whose every spec needs CPU are placed only among them. */
    private final List<NodeSlot> withCpu = new ArrayList<>();
    private int[] placed = new int[16];
    private NodeSlot[] nodes = new NodeSlot[4];
    private Allocation[] allocs = new Allocation[4];
    private int[] last = new int[4];
    private int lastSize;
    private static final double CPU_EPSILON = 1e-9;

    /** Adds an empty node; returns its index. */
    public int addEmpty(String id, NodeInventory inventory, Map<String, String> labels) {
        NodeSlot s = new NodeSlot(id, inventory, Bundle.checkLabels("labels", labels), 0);
        s.index = slots.size();
        slots.add(s);
        if (inventory.cpus() > 0) withCpu.add(s);
        if (placed.length < slots.size()) placed = java.util.Arrays.copyOf(placed, placed.length * 2);
        return s.index;
    }

    /**
     * Adds a node with part of it in use: everything but the free amounts given is taken by one
     * imaginary allocation.
     *
     * @param freeGpuFraction per GPU in inventory order, the fraction not in use
     * @param freeGpuMemory   per GPU in inventory order, the memory not in use
     */
    public int addInUse(String id, NodeInventory inv, Map<String, String> labels, boolean draining, double freeCpus,
                        long freeMemoryBytes, List<Double> freeGpuFraction, List<Long> freeGpuMemory, Map<String, Double> freeCustom) {
        int i = addEmpty(id, inv, labels);
        NodeSlot s = slots.get(i);
        s.draining = draining;
        double cpus = Math.max(0, inv.cpus() - freeCpus);
        long mem = Math.max(0, inv.memoryBytes() - freeMemoryBytes);
        List<GpuShare> shares = new ArrayList<>();
        List<GpuDevice> gpus = inv.gpus();
        for (int g = 0; g < gpus.size(); g++) {
            double freeFrac = g < freeGpuFraction.size() ? freeGpuFraction.get(g) : 1.0;
            long freeMem = g < freeGpuMemory.size() ? freeGpuMemory.get(g) : gpus.get(g).memoryTotalBytes();
            double used = Math.min(1.0, Math.max(0, 1.0 - freeFrac));
            long usedMem = Math.max(0, gpus.get(g).memoryTotalBytes() - freeMem);
            if (used > 1e-9) shares.add(new GpuShare(gpus.get(g).index(), used, usedMem));
            else if (usedMem > 0) shares.add(new GpuShare(gpus.get(g).index(), 1e-6, usedMem));
        }
        Map<String, Double> custom = new HashMap<>();
        for (Map.Entry<String, Double> e : inv.custom().entrySet()) {
            double free = freeCustom == null ? e.getValue() : freeCustom.getOrDefault(e.getKey(), e.getValue());
            double used = Math.max(0, e.getValue() - free);
            if (used > 0) custom.put(e.getKey(), used);
        }
        if (cpus > 0 || mem > 0 || !shares.isEmpty() || !custom.isEmpty()) {
            Allocation inUse = new Allocation(new ResourceSpec(cpus, 0, 0, mem, Map.of(), ""), cpus, mem, shares, custom);
            if (!s.allocator.tryAdopt(inUse)) {
                throw new IllegalArgumentException("node " + id + ": the resources in use do not fit its inventory " + inv);
            }
        }
        if ((draining || s.allocator.freeCpus() <= CPU_EPSILON) && !withCpu.isEmpty() && withCpu.getLast() == s) withCpu.removeLast();
        return i;
    }

    /** Nodes in the sandbox. */
    public int size() {
        return slots.size();
    }

    /**
     * Places {@code b} on the sandbox's nodes, all or nothing, as the ResourceManager would on a
     * cluster in this state; true when placed (see {@link #lastNode}).
     */
    public boolean place(Bundle b) {
        int n = b.size();
        if (nodes.length < n) {
            nodes = new NodeSlot[n];
            allocs = new Allocation[n];
            last = new int[n];
        }
        boolean allNeedCpu = true;
        for (ResourceSpec spec : b.specs()) if (spec.cpus() <= CPU_EPSILON) allNeedCpu = false;
        // a node without free CPU holds none of such a bundle's specs: leaving it out changes nothing but the time taken
        if (!BundlePlacer.place(b, allNeedCpu ? withCpu : slots, nodes, allocs)) return false;
        for (int k = 0; k < n; k++) {
            if (nodes[k].allocator.freeCpus() <= CPU_EPSILON) withCpu.remove(nodes[k]);
            int idx = nodes[k].index;
            last[k] = idx;
            placed[idx]++;
            nodes[k] = null;
            allocs[k] = null;
        }
        lastSize = n;
        return true;
    }

    /** Whether {@code spec} could be allocated on node {@code node} now (labels not checked). */
    public boolean canAllocate(int node, ResourceSpec spec) {
        NodeSlot s = slots.get(node);
        return !s.draining && s.allocator.canAllocate(spec);
    }

    /** The node that spec {@code k} of the last placed bundle went to. */
    public int lastNode(int k) {
        if (k < 0 || k >= lastSize) throw new IndexOutOfBoundsException("spec " + k + " of a bundle of " + lastSize);
        return last[k];
    }

    /** Specs placed on {@code node} by this sandbox. */
    public int placedOn(int node) {
        if (node < 0 || node >= slots.size()) throw new IndexOutOfBoundsException("node " + node);
        return placed[node];
    }

    /** The id a node was added with. */
    public String id(int node) {
        return slots.get(node).id;
    }

    /** Free CPUs of {@code node} now. */
    public double freeCpus(int node) {
        return slots.get(node).allocator.freeCpus();
    }

    /** Free memory of {@code node} now. */
    public long freeMemoryBytes(int node) {
        return slots.get(node).allocator.freeMemoryBytes();
    }

    /** Free GPU capacity of {@code node}: per GPU the free fraction (0 for a node without GPUs). */
    public double freeGpus(int node) {
        NodeSlot s = slots.get(node);
        double f = 0;
        for (GpuDevice g : s.inventory.gpus()) f += s.allocator.freeGpuFraction(g.index());
        return f;
    }
}
