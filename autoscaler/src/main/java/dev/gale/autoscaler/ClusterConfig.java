package dev.gale.autoscaler;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.gale.autoscaler.internal.YamlNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A cluster the autoscaler runs: its name, its head node, its provider, how the reconcile loop
 * behaves and the node types it may launch. Usually read from a {@code cluster.yaml}
 * ({@link #load(Path)}, format in {@code docs/autoscaler.md}).
 *
 * <p>Promises: every instance is valid: a name of lower-case letters, digits and dashes (it tags
 * every node the cluster launches, and {@code gale cluster down} finds them by it), at least one
 * node type, distinct type names, and the types' minimums fit {@code maxNodes}. Errors name the
 * YAML field, e.g. {@code nodeTypes[1].resources.cpus = -1: ...}; unknown keys are refused.
 *
 * @param name       the cluster's name
 * @param head       the head node {@code gale cluster up} starts
 * @param provider   which provider launches nodes, and its settings
 * @param autoscaler the reconcile loop's settings
 * @param nodeTypes  the node types, in the order ties are broken
 */
public record ClusterConfig(String name, HeadConfig head, ProviderConfig provider, AutoscalerSettings autoscaler, List<NodeType> nodeTypes) {
    private static final Pattern NAME = Pattern.compile("[a-z0-9]([a-z0-9-]{0,28}[a-z0-9])?");

    public ClusterConfig {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("cluster '" + name + "': use 1-30 lower-case letters, digits and dashes; "
                    + "every node the cluster launches is tagged with it");
        }
        if (head == null) head = HeadConfig.defaults();
        head.check();
        if (provider == null) provider = ProviderConfig.local();
        if (autoscaler == null) autoscaler = AutoscalerSettings.defaults();
        if (nodeTypes == null || nodeTypes.isEmpty()) {
            throw new IllegalArgumentException("nodeTypes: give at least one node type the autoscaler may launch");
        }
        nodeTypes = List.copyOf(nodeTypes);
        Set<String> seen = new HashSet<>();
        int mins = 0;
        for (NodeType t : nodeTypes) {
            if (!seen.add(t.name())) throw new IllegalArgumentException("nodeTypes: '" + t.name() + "' appears twice; give each type its own name");
            mins += t.min();
        }
        if (mins > autoscaler.maxNodes()) {
            throw new IllegalArgumentException("nodeTypes: their min add up to " + mins + ", above autoscaler.maxNodes = "
                    + autoscaler.maxNodes() + ": raise maxNodes or lower a min");
        }
    }

    /** A cluster of these types with default head, local provider and default settings. */
    public static ClusterConfig of(String name, List<NodeType> types) {
        return new ClusterConfig(name, HeadConfig.defaults(), ProviderConfig.local(), AutoscalerSettings.defaults(), types);
    }

    /** The type named {@code typeName}, or null. */
    public NodeType type(String typeName) {
        for (NodeType t : nodeTypes) if (t.name().equals(typeName)) return t;
        return null;
    }

    public ClusterConfig withAutoscaler(AutoscalerSettings s) {
        return new ClusterConfig(name, head, provider, s, nodeTypes);
    }

    public ClusterConfig withProvider(ProviderConfig p) {
        return new ClusterConfig(name, head, p, autoscaler, nodeTypes);
    }

    public ClusterConfig withHead(HeadConfig h) {
        return new ClusterConfig(name, h, provider, autoscaler, nodeTypes);
    }

    /**
     * Reads a {@code cluster.yaml}.
     *
     * @throws IllegalArgumentException naming the file and the field that is wrong
     */
    public static ClusterConfig load(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage(), e);
        }
        Path base = file.toAbsolutePath().getParent();
        try {
            return parse(text, base);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Parses the text of a {@code cluster.yaml}; relative paths (the TLS keystore) are resolved
     * against {@code base}.
     *
     * @throws IllegalArgumentException naming the field that is wrong
     */
    public static ClusterConfig parse(String yaml, Path base) {
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(yaml);
        } catch (IOException e) {
            throw new IllegalArgumentException("not valid YAML: " + e.getMessage(), e);
        }
        if (root == null || root.isNull() || root.isMissingNode()) throw new IllegalArgumentException("the file is empty");
        YamlNode r = new YamlNode(root, "").only("cluster", "head", "provider", "autoscaler", "nodeTypes");
        String name = r.required("cluster");

        YamlNode h = r.child("head").only("host", "port", "resources", "labels", "tls");
        YamlNode tls = h.child("tls").only("keystore", "passwordFile");
        HeadConfig head = new HeadConfig(h.string("host", "127.0.0.1"), h.integer("port", 25520), resourcesText(h),
                h.strings("labels"), path(base, tls.string("keystore", null)), path(base, tls.string("passwordFile", null)));

        Map<String, String> settings = r.flat("provider");
        String type = settings.remove("type");
        if (type == null) type = r.has("provider") ? null : "local";
        ProviderConfig provider = new ProviderConfig(type, settings);

        AutoscalerSettings d = AutoscalerSettings.defaults();
        YamlNode a = r.child("autoscaler").only("maxNodes", "upscalingSpeed", "maxConcurrentLaunches", "tick", "idleTimeout",
                "joinTimeout", "launchBackoff", "maxLaunchBackoff", "drainDeadline", "consolidation");
        AutoscalerSettings as = new AutoscalerSettings(a.integer("maxNodes", d.maxNodes()), a.number("upscalingSpeed", d.upscalingSpeed()),
                a.integer("maxConcurrentLaunches", d.maxConcurrentLaunches()), a.duration("tick", d.tick()),
                a.duration("idleTimeout", d.idleTimeout()), a.duration("joinTimeout", d.joinTimeout()),
                a.duration("launchBackoff", d.launchBackoff()), a.duration("maxLaunchBackoff", d.maxLaunchBackoff()),
                a.duration("drainDeadline", d.drainDeadline()), a.bool("consolidation", d.consolidation()));

        List<NodeType> types = new java.util.ArrayList<>();
        int i = 0;
        for (YamlNode t : r.list("nodeTypes")) {
            String at = "nodeTypes[" + i++ + "]";
            try {
                types.add(nodeType(t));
            } catch (IllegalArgumentException e) {
                throw e.getMessage().startsWith(at) ? e : new IllegalArgumentException(at + ": " + e.getMessage(), e);
            }
        }
        return new ClusterConfig(name, head, provider, as, types);
    }

    private static String resourcesText(YamlNode h) {
        if (!h.has("resources")) return null;
        YamlNode res = h.child("resources").only("cpus", "memory", "custom");
        StringBuilder sb = new StringBuilder();
        if (res.has("cpus")) sb.append("cpus=").append(res.number("cpus", 0));
        if (res.has("memory")) sb.append(sb.isEmpty() ? "" : ",").append("memory=").append(res.bytes("memory", 0));
        res.numbers("custom").forEach((k, v) -> sb.append(sb.isEmpty() ? "" : ",").append(k).append('=').append(v));
        return sb.isEmpty() ? null : sb.toString();
    }

    private static NodeType nodeType(YamlNode t) {
        t.only("name", "resources", "costPerHour", "min", "max", "provider");
        YamlNode res = t.child("resources").only("cpus", "memory", "gpus", "gpuMemory", "acceleratorType", "custom", "labels");
        if (!t.has("resources")) throw new IllegalArgumentException("resources: required (at least cpus)");
        NodeResources resources = new NodeResources(res.number("cpus", 0), res.bytes("memory", 0), res.integer("gpus", 0),
                res.bytes("gpuMemory", 0), res.string("acceleratorType", ""), res.numbers("custom"), res.strings("labels"));
        return new NodeType(t.required("name"), resources, t.number("costPerHour", 0), t.integer("min", 0), t.integer("max", 10),
                t.flat("provider"));
    }

    private static Path path(Path base, String p) {
        if (p == null || p.isBlank()) return null;
        String s = p.startsWith("~/") ? System.getProperty("user.home") + p.substring(1) : p;
        Path path = Path.of(s);
        return path.isAbsolute() || base == null ? path : base.resolve(path);
    }
}
