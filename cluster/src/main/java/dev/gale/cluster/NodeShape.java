package dev.gale.cluster;

import dev.gale.gpu.NodeInventory;

import java.util.Map;

/**
 * The shape of a node for feasibility checks: what it offers when empty and its labels. A node of
 * the cluster has one; an autoscaler's node type has one too.
 *
 * @param inventory what the node offers
 * @param labels    its labels (null: none)
 */
public record NodeShape(NodeInventory inventory, Map<String, String> labels) {
    public NodeShape {
        if (inventory == null) throw new IllegalArgumentException("inventory is null: give what the node offers");
        labels = Bundle.checkLabels("labels", labels);
    }
}
