package dev.gale.cluster;

import dev.gale.gpu.NodeInventory;

import java.util.List;

/**
 * How to start a cluster member: a node that hosts work (Pekko role {@value #ROLE_NODE}) or a
 * client (role {@value #ROLE_CLIENT}: a driver or a CLI tool that offers no resources and runs no
 * {@link NodeAgent}).
 *
 * <p>Promises: every instance is valid: the port is 0..65535, every seed is {@code host:port}, a
 * client has at least one seed and no inventory. {@code new NodeConfig(host, port, seeds,
 * inventory)} is a node without TLS.
 *
 * @param host      the address other members reach this one at (default {@code 127.0.0.1})
 * @param port      the Artery TCP port; 0 picks a free one
 * @param seedNodes {@code host:port} of members to join; empty makes this node a cluster of its own
 * @param inventory what this node offers; null discovers it from the machine (always null for a client)
 * @param client    true for a client member (role {@value #ROLE_CLIENT})
 * @param tls       TLS between members with a cluster secret; null for plain TCP
 * @param labels    the node's labels ({@code zone=a}), which a {@link Bundle}'s selector matches; empty for a client
 */
public record NodeConfig(String host, int port, List<String> seedNodes, NodeInventory inventory, boolean client,
                         TlsSettings tls, java.util.Map<String, String> labels) {
    /** The actor system name every Gale member uses. */
    public static final String SYSTEM_NAME = "gale";
    /** The Pekko role of members that host work (and the ResourceManager singleton). */
    public static final String ROLE_NODE = "gale-node";
    /** The Pekko role of client members (drivers, CLI tools). */
    public static final String ROLE_CLIENT = "gale-client";

    public NodeConfig {
        if (host == null || host.isBlank()) host = "127.0.0.1";
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port = " + port + ": must be 0..65535 (0 = any free port)");
        seedNodes = seedNodes == null ? List.of() : List.copyOf(seedNodes);
        for (String s : seedNodes) checkHostPort("seed node", s);
        if (client && seedNodes.isEmpty()) {
            throw new IllegalArgumentException("seedNodes: a client joins an existing cluster; give the host:port of one of its nodes");
        }
        if (client && inventory != null) {
            throw new IllegalArgumentException("inventory: a client offers no resources; leave it null (start a node to add resources)");
        }
        labels = Bundle.checkLabels("labels", labels);
        if (client && !labels.isEmpty()) {
            throw new IllegalArgumentException("labels: a client runs no work and has no labels; give labels to nodes");
        }
    }

    /** A member without labels. */
    public NodeConfig(String host, int port, List<String> seedNodes, NodeInventory inventory, boolean client, TlsSettings tls) {
        this(host, port, seedNodes, inventory, client, tls, java.util.Map.of());
    }

    /** A node (role {@value #ROLE_NODE}) without TLS. */
    public NodeConfig(String host, int port, List<String> seedNodes, NodeInventory inventory) {
        this(host, port, seedNodes, inventory, false, null);
    }

    /** An embedded one-node cluster on loopback, on a free port, with the machine's inventory. */
    public static NodeConfig embedded() {
        return new NodeConfig("127.0.0.1", 0, List.of(), null);
    }

    /** A client on loopback and a free port that joins the cluster through {@code seeds} ({@code host:port}). */
    public static NodeConfig client(List<String> seeds) {
        return new NodeConfig("127.0.0.1", 0, seeds, null, true, null);
    }

    /** This config with an explicit inventory. */
    public NodeConfig withInventory(NodeInventory inv) {
        return new NodeConfig(host, port, seedNodes, inv, client, tls, labels);
    }

    /** This config with TLS (null: plain TCP). */
    public NodeConfig withTls(TlsSettings settings) {
        return new NodeConfig(host, port, seedNodes, inventory, client, settings, labels);
    }

    /** This config with another address for this member. */
    public NodeConfig withAddress(String newHost, int newPort) {
        return new NodeConfig(newHost, newPort, seedNodes, inventory, client, tls, labels);
    }

    /** This config joining {@code seeds}. */
    public NodeConfig withSeedNodes(List<String> seeds) {
        return new NodeConfig(host, port, seeds, inventory, client, tls, labels);
    }

    /** This config with node labels (e.g. {@code zone=a}); a bundle's label selector matches them. */
    public NodeConfig withLabels(java.util.Map<String, String> nodeLabels) {
        return new NodeConfig(host, port, seedNodes, inventory, client, tls, nodeLabels);
    }

    /** The Pekko role of this member: {@value #ROLE_NODE} or {@value #ROLE_CLIENT}. */
    public String role() {
        return client ? ROLE_CLIENT : ROLE_NODE;
    }

    /**
     * Checks that {@code s} is {@code host:port} with a port 1..65535.
     *
     * @param field named in the error
     * @throws IllegalArgumentException naming {@code field} and the expected form
     */
    public static void checkHostPort(String field, String s) {
        int c = s == null ? -1 : s.lastIndexOf(':');
        if (c <= 0 || c == s.length() - 1) {
            throw new IllegalArgumentException(field + " '" + s + "': expected host:port, e.g. 127.0.0.1:25520");
        }
        int p;
        try {
            p = Integer.parseInt(s.substring(c + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(field + " '" + s + "': the port must be a number, e.g. 127.0.0.1:25520");
        }
        if (p < 1 || p > 65535) {
            throw new IllegalArgumentException(field + " '" + s + "': the port must be 1..65535");
        }
    }
}
