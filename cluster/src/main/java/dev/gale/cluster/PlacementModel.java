package dev.gale.cluster;

import dev.gale.cluster.internal.Sandbox;
import dev.gale.gpu.ResourceSpec;

/**
 * A what-if model of placement: imaginary nodes — empty nodes of a {@link NodeShape}, or copies
 * of the cluster's nodes as a {@link DemandSnapshot} shows them — on which bundles are placed with
 * the ResourceManager's own rules (labels, strategies, CPU work kept off GPU nodes, all or
 * nothing). Nothing is sent anywhere. An autoscaler asks it "where would this demand go if nodes
 * of these types joined?".
 *
 * <p>Promises: {@link #place} places a bundle whole or not at all and never over-commits a model
 * node; a bundle placed on a model of empty nodes is placed the way the ResourceManager would
 * place it on a cluster of such nodes. Not thread-safe.
 */
public final class PlacementModel {
    private final Sandbox sandbox = new Sandbox();

    /** Adds an empty node of {@code shape}; returns its index (0, 1, ...). */
    public int addEmpty(String id, NodeShape shape) {
        return sandbox.addEmpty(id, shape.inventory(), shape.labels());
    }

    /** Adds a node as it is in {@code node}: what is leased there stays taken, and a draining node takes nothing. */
    public int addCurrent(DemandSnapshot.NodeState node) {
        return sandbox.addInUse(node.nodeId(), node.inventory(), node.labels(), node.draining(), node.freeCpus(),
                node.freeMemoryBytes(), node.freeGpuFraction(), node.freeGpuMemory(), node.freeCustom());
    }

    /** How many nodes the model has. */
    public int size() {
        return sandbox.size();
    }

    /** Places {@code bundle} on the model's nodes, all or nothing; true when placed (see {@link #lastNode}). */
    public boolean place(Bundle bundle) {
        return sandbox.place(bundle);
    }

    /** Whether {@code spec} could be allocated on node {@code node} now (its labels are not checked). */
    public boolean canAllocate(int node, ResourceSpec spec) {
        return sandbox.canAllocate(node, spec);
    }

    /** The node that spec {@code k} of the last placed bundle went to. */
    public int lastNode(int k) {
        return sandbox.lastNode(k);
    }

    /** How many specs the model placed on {@code node}. */
    public int placedOn(int node) {
        return sandbox.placedOn(node);
    }

    /** The id node {@code node} was added with. */
    public String id(int node) {
        return sandbox.id(node);
    }

    /** Free CPUs of node {@code node}. */
    public double freeCpus(int node) {
        return sandbox.freeCpus(node);
    }

    /** Free memory of node {@code node}. */
    public long freeMemoryBytes(int node) {
        return sandbox.freeMemoryBytes(node);
    }

    /** Free GPU capacity of node {@code node}: the sum of its GPUs' free fractions. */
    public double freeGpus(int node) {
        return sandbox.freeGpus(node);
    }
}
