package dev.gale.cluster;

import dev.gale.gpu.ResourceSpec;

import java.util.List;
import java.util.Map;

/**
 * Resources placed all or nothing: one or more specs, a placement strategy and a node-label selector.
 *
 * @param specs     the specs, in order (at least one)
 * @param strategy  how they are placed across nodes
 * @param labels    labels a node must have (with these values) to hold any of them; empty for any node
 */
public record Bundle(List<ResourceSpec> specs, Placement strategy, Map<String, String> labels) {
    public Bundle {
        if (specs == null || specs.isEmpty()) throw new IllegalArgumentException("a bundle needs at least one ResourceSpec");
        specs = List.copyOf(specs);
        if (strategy == null) strategy = Placement.PACK;
        labels = labels == null ? Map.of() : Map.copyOf(labels);
    }
}
