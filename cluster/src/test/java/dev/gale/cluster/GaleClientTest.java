package dev.gale.cluster;

import dev.gale.gpu.NodeInventory;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A client member (in the same JVM as a node here): it joins, sees the node through the
 * ResourceManager, is not a node itself, and leaves gracefully on close (the node sees it removed
 * after Exiting, not downed); connecting where no cluster runs fails with the address in the message.
 */
class GaleClientTest {
    static final NodeInventory INV = new NodeInventory(2, 1L << 30, List.of(), Map.of());

    /**
     * A node that joins is a full (Up) member when start returns, not only registered with the
     * ResourceManager: the split-brain resolver counts Up members only, so a node still Joining
     * when another crashed left the survivors a minority (a clean-clone CI run downed a healthy
     * head that way, its new peer not yet counted).
     */
    @Test
    void aJoiningNodeIsAnUpMemberWhenStartReturns() {
        try (GaleNode seed = GaleNode.start(NodeConfig.embedded().withInventory(INV))) {
            for (int i = 0; i < 3; i++) {
                try (GaleNode joined = GaleNode.start(NodeConfig.embedded().withInventory(INV).withSeedNodes(List.of(seed.address())))) {
                    assertEquals(MemberStatus.up(), Cluster.get(joined.system()).selfMember().status(),
                            "join " + (i + 1) + ": " + Cluster.get(joined.system()).selfMember());
                }
            }
        }
    }

    @Test
    void clientJoinsSeesTheNodesAndLeavesGracefully() {
        try (GaleNode node = GaleNode.start(NodeConfig.embedded().withInventory(INV))) {
            assertFalse(node.isClient());
            assertTrue(Cluster.get(node.system()).selfMember().hasRole(NodeConfig.ROLE_NODE));
            TestProbe<ClusterEvent.MemberRemoved> removed = TestProbe.create(node.system());
            Cluster.get(node.system()).subscriptions().tell(Subscribe.create(removed.ref(), ClusterEvent.MemberRemoved.class));

            GaleNode client = GaleNode.connect(node.address());
            String clientId = client.nodeId();
            try {
                assertTrue(client.isClient());
                assertNull(client.agent());
                assertTrue(Cluster.get(client.system()).selfMember().hasRole(NodeConfig.ROLE_CLIENT));
                ClusterStatus st = client.status(Duration.ofSeconds(5));
                assertEquals(1, st.nodes().size(), st.toString());
                assertEquals(node.nodeId(), st.nodes().get(0).nodeId());
                assertEquals(INV, st.nodes().get(0).inventory());
            } finally {
                client.close();
            }
            assertTrue(client.system().getWhenTerminated().toCompletableFuture().isDone());
            ClusterEvent.MemberRemoved ev = removed.expectMessageClass(ClusterEvent.MemberRemoved.class, Duration.ofSeconds(15));
            assertEquals(clientId, ev.member().address().toString());
            assertEquals(MemberStatus.exiting(), ev.previousStatus(), "a graceful leave, not a downing: " + ev);
            assertEquals(1, node.status(Duration.ofSeconds(5)).nodes().size());
        }
    }

    @Test
    void connectingWhereNoClusterRunsNamesTheAddress() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String addr = "127.0.0.1:" + port;
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> GaleNode.connect(NodeConfig.client(List.of(addr)), Duration.ofSeconds(3)));
        assertTrue(e.getMessage().contains(addr) && e.getMessage().contains("gale cluster start"), e.getMessage());
    }

    @Test
    void badConfigsNameTheField() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NodeConfig.client(List.of()));
        assertTrue(e.getMessage().contains("seedNodes"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> NodeConfig.client(List.of("localhost")));
        assertTrue(e.getMessage().contains("host:port"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> NodeConfig.client(List.of("h:99999")));
        assertTrue(e.getMessage().contains("1..65535"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> NodeConfig.client(List.of("h:1")).withInventory(INV));
        assertTrue(e.getMessage().contains("inventory"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> GaleNode.connect(NodeConfig.embedded()));
        assertTrue(e.getMessage().contains("NodeConfig.client"), e.getMessage());
        // the four-argument constructor is a node without TLS
        NodeConfig c = new NodeConfig("10.0.0.1", 25520, List.of("10.0.0.2:25520"), INV);
        assertFalse(c.client());
        assertNull(c.tls());
        assertEquals(NodeConfig.ROLE_NODE, c.role());
        assertEquals(NodeConfig.ROLE_CLIENT, NodeConfig.client(List.of("h:1")).role());
    }
}
