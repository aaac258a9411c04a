package dev.gale.cluster;

import dev.gale.gpu.NodeInventory;

import java.util.List;

/**
 * How to start a node.
 *
 * @param host      the address other nodes reach this one at (default {@code 127.0.0.1})
 * @param port      the Artery TCP port; 0 picks a free one
 * @param seedNodes {@code host:port} of nodes to join; empty makes this node a cluster of its own
 * @param inventory what this node offers; null discovers it from the machine
 */
public record NodeConfig(String host, int port, List<String> seedNodes, NodeInventory inventory) {
    /** The actor system name every Gale node uses. */
    public static final String SYSTEM_NAME = "gale";

    public NodeConfig {
        if (host == null || host.isBlank()) host = "127.0.0.1";
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port = " + port + ": must be 0..65535 (0 = any free port)");
        seedNodes = seedNodes == null ? List.of() : List.copyOf(seedNodes);
        for (String s : seedNodes) {
            int c = s.lastIndexOf(':');
            if (c <= 0 || c == s.length() - 1) {
                throw new IllegalArgumentException("seed node '" + s + "': expected host:port, e.g. 127.0.0.1:25520");
            }
        }
    }

    /** An embedded one-node cluster on loopback, on a free port, with the machine's inventory. */
    public static NodeConfig embedded() {
        return new NodeConfig("127.0.0.1", 0, List.of(), null);
    }

    /** This config with an explicit inventory. */
    public NodeConfig withInventory(NodeInventory inv) {
        return new NodeConfig(host, port, seedNodes, inv);
    }
}
