package dev.gale.autoscaler;

import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A kind of node the autoscaler may launch: what one node offers, what it costs per hour, how
 * many of it the cluster keeps at least and at most, and the provider's settings for it (an EC2
 * instance type and image, a Kubernetes image and node selector, ...).
 *
 * <p>Promises: every instance is valid: a name of lower-case letters, digits and dashes (it ends
 * up in instance ids, pod names and tags), a cost {@code >= 0}, {@code 0 <= min <= max}.
 *
 * @param name        e.g. {@code cpu-small}
 * @param resources   what one node offers
 * @param costPerHour what one node costs per hour (any currency; 0 for local processes)
 * @param min         nodes kept at least (launched at start, never retired below)
 * @param max         nodes at most
 * @param provider    provider settings of this type (flat; nested YAML maps as {@code key.sub})
 */
public record NodeType(String name, NodeResources resources, double costPerHour, int min, int max, Map<String, String> provider) {
    /** The node label naming the cluster, on every node the autoscaler launches. */
    public static final String LABEL_CLUSTER = "gale-cluster";
    /** The node label naming the instance id, on every node the autoscaler launches. */
    public static final String LABEL_INSTANCE = "gale-instance";
    /** The node label naming the node type, on every node the autoscaler launches. */
    public static final String LABEL_TYPE = "gale-node-type";

    private static final Pattern NAME = Pattern.compile("[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?");

    public NodeType {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("name '" + name + "': use 1-40 lower-case letters, digits and dashes (e.g. cpu-small); "
                    + "it becomes part of instance ids, pod names and tags");
        }
        if (resources == null) throw new IllegalArgumentException("nodeType " + name + ": resources are required (cpus, memory, ...)");
        if (!Double.isFinite(costPerHour) || costPerHour < 0) {
            throw new IllegalArgumentException("nodeType " + name + ": costPerHour = " + costPerHour + ": must be a number >= 0");
        }
        if (min < 0) throw new IllegalArgumentException("nodeType " + name + ": min = " + min + ": must be >= 0");
        if (max < min) throw new IllegalArgumentException("nodeType " + name + ": max = " + max + " is below min = " + min + ": raise max");
        provider = provider == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(provider));
    }

    /** A type without provider settings. */
    public static NodeType of(String name, NodeResources resources, double costPerHour, int min, int max) {
        return new NodeType(name, resources, costPerHour, min, max, Map.of());
    }

    /** True when a node of this type has GPUs. */
    public boolean hasGpus() {
        return resources.gpus() > 0;
    }

    /** A provider setting of this type, or {@code fallback}. */
    public String setting(String key, String fallback) {
        String v = provider.get(key);
        return v == null || v.isBlank() ? fallback : v;
    }
}
