package dev.gale.autoscaler;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One node to launch.
 *
 * @param clusterName the cluster it belongs to (tag / label {@link NodeType#LABEL_CLUSTER})
 * @param instanceId  the autoscaler's id for it (tag / label {@link NodeType#LABEL_INSTANCE}); unique, lower-case, DNS-safe
 * @param type        its node type
 * @param joinAddress the {@code host:port} of the head it joins
 * @param tls         true when the cluster talks TLS (the provider gives the node the cluster secret its own way)
 */
public record LaunchRequest(String clusterName, String instanceId, NodeType type, String joinAddress, boolean tls) {
    public LaunchRequest {
        if (clusterName == null || clusterName.isBlank()) throw new IllegalArgumentException("clusterName is blank");
        if (instanceId == null || !instanceId.matches("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")) {
            throw new IllegalArgumentException("instanceId '" + instanceId + "': lower-case letters, digits and dashes, at most 63");
        }
        if (type == null) throw new IllegalArgumentException("type is null");
        if (joinAddress == null || joinAddress.isBlank()) throw new IllegalArgumentException("joinAddress is blank: the node must know the head");
    }

    /** The labels the node starts with: the type's own plus cluster, instance and type. */
    public Map<String, String> nodeLabels() {
        TreeMap<String, String> l = new TreeMap<>(type.resources().labels());
        l.put(NodeType.LABEL_CLUSTER, clusterName);
        l.put(NodeType.LABEL_INSTANCE, instanceId);
        l.put(NodeType.LABEL_TYPE, type.name());
        return l;
    }

    /** The labels as {@code --labels} takes them. */
    public String labelsArgument() {
        StringBuilder sb = new StringBuilder();
        nodeLabels().forEach((k, v) -> sb.append(sb.isEmpty() ? "" : ",").append(k).append('=').append(v));
        return sb.toString();
    }

    /** The arguments of {@code gale node start --foreground} / {@code NodeMain} for this node (no TLS, no host). */
    public List<String> nodeArguments() {
        List<String> a = new ArrayList<>(List.of("--join", joinAddress, "--resources", type.resources().resourcesArgument(),
                "--labels", labelsArgument()));
        return a;
    }
}
