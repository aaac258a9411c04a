package dev.gale.cluster;

import dev.gale.cluster.internal.Feasibility;
import dev.gale.gpu.ResourceSpec;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one grant is for: an ordered list of one or more {@link ResourceSpec}s (the workers of a
 * gang, or a single trial) placed <em>all or nothing</em>, a {@link Placement} strategy, and a
 * node-label selector.
 *
 * <p>Promises: every instance is valid and immutable: at least one and at most {@value #MAX_SPECS}
 * specs, none null; labels neither blank nor containing {@code ,} or {@code =}. A grant of a bundle
 * holds one {@link Lease} per spec, in spec order; no spec of it is ever granted without the
 * others. A node qualifies for a bundle when it has every label of the selector with that value
 * (an empty selector matches every node).
 *
 * @param specs     the resources of each member, in order
 * @param placement how the members are placed (null: {@link Placement#PACK})
 * @param labels    node-label selector (null or empty: any node)
 */
public record Bundle(List<ResourceSpec> specs, Placement placement, Map<String, String> labels) {
    /** The largest bundle accepted (placement of a bundle searches its members' nodes). */
    public static final int MAX_SPECS = 256;

    public Bundle {
        if (specs == null || specs.isEmpty()) {
            throw new IllegalArgumentException("specs is empty: a bundle holds at least one ResourceSpec");
        }
        if (specs.size() > MAX_SPECS) {
            throw new IllegalArgumentException("specs has " + specs.size() + " entries: at most " + MAX_SPECS
                    + " per bundle (split the gang, or ask for bigger specs)");
        }
        for (int i = 0; i < specs.size(); i++) {
            if (specs.get(i) == null) throw new IllegalArgumentException("specs[" + i + "] is null: give every member a ResourceSpec");
        }
        specs = List.copyOf(specs);
        if (placement == null) placement = Placement.PACK;
        labels = checkLabels("labels", labels);
    }

    /** A bundle of one spec, packed, on any node. */
    public static Bundle of(ResourceSpec spec) {
        return new Bundle(List.of(spec), Placement.PACK, Map.of());
    }

    /** A bundle of one spec placed with {@code placement}, on any node. */
    public static Bundle of(ResourceSpec spec, Placement placement) {
        return new Bundle(List.of(spec), placement, Map.of());
    }

    /** A gang of {@code n} members of the same spec, placed with {@code placement}, on any node. */
    public static Bundle gang(int n, ResourceSpec spec, Placement placement) {
        if (n < 1) throw new IllegalArgumentException("n = " + n + ": a gang has at least one member");
        return new Bundle(java.util.Collections.nCopies(n, spec), placement, Map.of());
    }

    /** This bundle restricted to nodes with all of {@code selector}'s labels. */
    public Bundle withLabels(Map<String, String> selector) {
        return new Bundle(specs, placement, selector);
    }

    /** How many leases a grant of this bundle holds. */
    public int size() {
        return specs.size();
    }

    /** True when a node with {@code nodeLabels} qualifies for this bundle. */
    public boolean matches(Map<String, String> nodeLabels) {
        if (labels.isEmpty()) return true;
        for (Map.Entry<String, String> e : labels.entrySet()) {
            if (!e.getValue().equals(nodeLabels.get(e.getKey()))) return false;
        }
        return true;
    }

    /**
     * Whether this bundle could be placed on a cluster of nodes of these shapes, all empty (the
     * check behind an immediate {@link LeaseReply.Refused}). An autoscaler adds the shapes of node
     * types it could launch to ask "would it fit if I launched one?".
     */
    public boolean feasibleOn(Collection<NodeShape> shapes) {
        return Feasibility.feasible(this, shapes);
    }

    /** E.g. {@code 2 x [cpus=1, gpus=1] STRICT_SPREAD on {zone=a}}. */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        boolean same = true;
        for (ResourceSpec s : specs) same &= s.equals(specs.getFirst());
        if (same) sb.append(specs.size()).append(" x [").append(specs.getFirst()).append(']');
        else {
            sb.append('[');
            for (int i = 0; i < specs.size(); i++) sb.append(i == 0 ? "" : "; ").append(specs.get(i));
            sb.append(']');
        }
        sb.append(' ').append(placement);
        if (!labels.isEmpty()) sb.append(" on ").append(labels);
        return sb.toString();
    }

    /**
     * Validates a label map (node labels or a selector) and returns it as an immutable sorted copy.
     *
     * @param field named in the error
     * @throws IllegalArgumentException naming the label and the fix
     */
    public static Map<String, String> checkLabels(String field, Map<String, String> labels) {
        if (labels == null || labels.isEmpty()) return Map.of();
        TreeMap<String, String> out = new TreeMap<>();
        for (Map.Entry<String, String> e : labels.entrySet()) {
            String k = e.getKey();
            String v = e.getValue();
            if (k == null || k.isBlank() || v == null || v.isBlank()) {
                throw new IllegalArgumentException(field + ": label '" + k + "=" + v + "' has a blank name or value: use name=value");
            }
            if (k.contains(",") || k.contains("=") || v.contains(",") || v.contains("=")) {
                throw new IllegalArgumentException(field + ": label '" + k + "=" + v + "' may not contain ',' or '=': use name=value");
            }
            out.put(k.strip(), v.strip());
        }
        return java.util.Collections.unmodifiableMap(out);
    }

    /**
     * Parses {@code k=v,k2=v2} (as {@code --labels} takes it) into a label map.
     *
     * @throws IllegalArgumentException naming the entry and the expected form
     */
    public static Map<String, String> parseLabels(String field, String text) {
        if (text == null || text.isBlank()) return Map.of();
        TreeMap<String, String> out = new TreeMap<>();
        for (String part : text.split(",")) {
            if (part.isBlank()) continue;
            int eq = part.indexOf('=');
            if (eq <= 0 || eq == part.length() - 1) {
                throw new IllegalArgumentException(field + " '" + part.strip() + "': expected name=value, e.g. zone=a,disk=ssd");
            }
            out.put(part.substring(0, eq).strip(), part.substring(eq + 1).strip());
        }
        return checkLabels(field, out);
    }
}
