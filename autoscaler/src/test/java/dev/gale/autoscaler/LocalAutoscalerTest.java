package dev.gale.autoscaler;

import dev.gale.cluster.Bundle;
import dev.gale.cluster.GaleNode;
import dev.gale.cluster.Lease;
import dev.gale.cluster.LeasePool;
import dev.gale.cluster.LeaseReply;
import dev.gale.cluster.NodeConfig;
import dev.gale.cluster.Placement;
import dev.gale.gpu.NodeInventory;
import dev.gale.gpu.ResourceSpec;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The autoscaler end to end on loopback with the {@code local} provider: a head in this JVM that
 * offers 1 CPU, node types whose nodes are real worker JVMs. Demand beyond the head is launched
 * for, granted on the new nodes, and the nodes are retired after the idle timeout; a 3-worker
 * gang no node holds alone gets 3 nodes; GPU demand with only CPU types is unsatisfiable and
 * launches nothing.
 */
class LocalAutoscalerTest {
    static final long GIB = 1L << 30;
    static final Duration LONG = Duration.ofSeconds(120);

    /** Node logs stay here for a look after a failure. */
    final Path dir = Path.of("target", "local-nodes").toAbsolutePath();
    GaleNode head;
    ActorTestKit kit;
    NodeProvider provider;
    Autoscaler autoscaler;

    @BeforeEach
    void startHead() {
        head = GaleNode.start(new NodeConfig("127.0.0.1", 0, List.of(), new NodeInventory(1, 2 * GIB, List.of(), Map.of())));
        kit = ActorTestKit.create(head.system());
    }

    @AfterEach
    void stop() {
        try {
            if (autoscaler != null) autoscaler.close();
            if (provider != null) Autoscaler.down(provider);
        } finally {
            // the testkit shares the head's actor system: closing the head ends both
            if (head != null) head.close();
        }
    }

    ClusterConfig cluster(String name, Duration idle, NodeType... types) {
        AutoscalerSettings s = AutoscalerSettings.defaults().withTick(Duration.ofSeconds(1)).withIdleTimeout(idle)
                .withJoinTimeout(Duration.ofSeconds(90)).withDrainDeadline(Duration.ofSeconds(30));
        return new ClusterConfig(name, HeadConfig.defaults(), ProviderConfig.local(), s, List.of(types));
    }

    void startAutoscaler(ClusterConfig c) {
        provider = NodeProviderFactory.open(new ProviderContext(c, dir, Clock.systemUTC()));
        autoscaler = Autoscaler.start(head, c, provider, Clock.systemUTC(), new SplittableRandom(7));
    }

    /** A lease pool in the head's actor system whose replies a probe collects. */
    final class Holder {
        final TestProbe<LeaseReply> inbox = kit.createTestProbe();
        final LeasePool pool = new LeasePool(head.resourceManager(), inbox.ref(), "holder-" + System.nanoTime(), "test", Clock.systemUTC());

        LeasePool.Event.Granted granted() {
            while (true) {
                LeasePool.Event e = pool.accept(inbox.receiveMessage(LONG));
                if (e instanceof LeasePool.Event.Ignored) continue;
                return assertInstanceOf(LeasePool.Event.Granted.class, e, () -> "expected a grant; status: " + autoscaler.status(LONG));
            }
        }
    }

    static void await(String what, Duration timeout, BooleanSupplier cond) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for " + what);
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what);
            }
        }
    }

    String typeOf(String nodeId) {
        AutoscalerStatus s = autoscaler.status(LONG);
        for (AutoscalerStatus.InstanceStatus i : s.instances()) if (i.nodeId().equals(nodeId)) return i.nodeType();
        throw new AssertionError("node " + nodeId + " was not launched by the autoscaler: " + s.instances());
    }

    @Test
    void demandBeyondTheHeadLaunchesNodesThatRunItAndIdleNodesAreRetired() {
        NodeType cpu2 = NodeType.of("cpu-2", NodeResources.cpu(2, 1 * GIB), 0.10, 0, 3);
        NodeType gpu = new NodeType("gpu-1", NodeResources.cpu(4, 1 * GIB).withGpus(1, 16 * GIB, "T4"), 0.50, 0, 3, Map.of());
        startAutoscaler(cluster("e2e-scale", Duration.ofSeconds(4), gpu, cpu2));
        Holder h = new Holder();
        h.pool.want("trial", Bundle.of(ResourceSpec.ofCpus(2)), 2, null);
        List<Lease> leases = new ArrayList<>(h.granted().leases());
        leases.addAll(h.granted().leases());
        Set<String> nodes = new HashSet<>();
        for (Lease l : leases) nodes.add(l.nodeId());
        assertEquals(2, nodes.size(), "two 2-CPU trials need two cpu-2 nodes");
        await("the autoscaler sees the two nodes joined", LONG, () -> autoscaler.status(LONG).type("cpu-2").joined() == 2);
        for (Lease l : leases) assertEquals("cpu-2", typeOf(l.nodeId()), "CPU demand goes to the CPU type, never the GPU type");
        AutoscalerStatus s = autoscaler.status(LONG);
        assertEquals(2, s.type("cpu-2").joined(), s.toString());
        assertEquals(0, s.type("gpu-1").joined() + s.type("gpu-1").pending(), "no GPU node for CPU demand: " + s);
        assertEquals(0.20, s.costPerHour(), 1e-9);

        h.pool.want("trial", Bundle.of(ResourceSpec.ofCpus(2)), 0, null);
        for (Lease l : leases) h.pool.release(l);
        await("both idle nodes drained and terminated", LONG, () -> provider.list().isEmpty()
                && autoscaler.status(LONG).count(InstanceState.TERMINATED) == 2);
        await("the retired nodes left the cluster", LONG, () -> head.status(LONG).nodes().size() == 1);
        AutoscalerStatus after = autoscaler.status(LONG);
        assertTrue(String.join("\n", after.events()).contains("JOINED -> DRAINING (idle for"), after.events().toString());
    }

    @Test
    void aGangNoNodeHoldsAloneGetsThreeNodesAndGpuDemandIsUnsatisfiable() {
        NodeType cpu2 = NodeType.of("cpu-2", NodeResources.cpu(2, 1 * GIB), 0.10, 0, 4);
        startAutoscaler(cluster("e2e-gang", Duration.ofMinutes(5), cpu2));
        Holder gpu = new Holder();
        gpu.pool.want("gpu", Bundle.of(ResourceSpec.ofCpus(1).withGpus(1)), 1, null, false);
        Holder h = new Holder();
        h.pool.want("gang", Bundle.gang(3, ResourceSpec.ofCpus(2), Placement.STRICT_SPREAD), 1, null);
        LeasePool.Event.Granted g = h.granted();
        Set<String> nodes = new HashSet<>();
        for (Lease l : g.leases()) nodes.add(l.nodeId());
        assertEquals(3, nodes.size(), "three workers on three distinct nodes");
        await("the autoscaler sees the three nodes joined", LONG, () -> autoscaler.status(LONG).type("cpu-2").joined() == 3);
        AutoscalerStatus s = autoscaler.status(LONG);
        assertEquals(3, s.type("cpu-2").joined(), s.toString());
        assertEquals(1, s.unsatisfiable().size(), "the GPU demand is reported: " + s);
        assertTrue(s.unsatisfiable().getFirst().reason().contains("no node type can hold it"), s.unsatisfiable().toString());
        assertEquals(3, s.instances().size(), "nothing was launched for the GPU demand: " + s.instances());
        try (GaleNode client = GaleNode.connect(head.address())) {
            AutoscalerStatus remote = Autoscaler.find(client, LONG).orElseThrow(() -> new AssertionError("no autoscaler registered"));
            assertEquals(3, remote.type("cpu-2").joined(), "the status travels to another member: " + remote);
            assertEquals(1, remote.unsatisfiable().size());
            assertTrue(Autoscaler.format(remote).contains("Unsatisfiable: 1 x"), Autoscaler.format(remote));
        }
        for (Lease l : g.leases()) h.pool.release(l);
    }
}
