package dev.gale.cluster;

import dev.gale.gpu.GpuDevice;
import dev.gale.gpu.GpuShare;
import dev.gale.gpu.NodeInventory;
import dev.gale.gpu.ResourceSpec;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Placement across several nodes by one ResourceManager: CPU work kept off GPU nodes while CPU
 * nodes have room, GPU work only on GPU nodes and packed by GPU memory, PACK and SPREAD, fair
 * queueing across groups with contention notices, revocation when a node goes. Nodes are
 * registered with probe agents (the multi-JVM tests place real trials on real nodes).
 */
class PlacementTest {
    static final long GIB = 1L << 30;
    static final Duration NONE = Duration.ofMillis(200);

    ActorTestKit kit;
    ActorRef<ResourceManager.Command> rm;
    final Map<String, TestProbe<NodeAgent.Command>> agents = new HashMap<>();
    int ids;

    @BeforeEach
    void start() {
        kit = ActorTestKit.create();
        rm = kit.spawn(ResourceManager.create());
    }

    @AfterEach
    void stop() {
        kit.shutdownTestKit();
    }

    void node(String id, NodeInventory inv) {
        TestProbe<NodeAgent.Command> agent = kit.createTestProbe();
        agents.put(id, agent);
        rm.tell(new ResourceManager.RegisterNode(id, inv, agent.ref()));
    }

    static NodeInventory cpus(double n) {
        return new NodeInventory(n, 16 * GIB, List.of(), Map.of());
    }

    static NodeInventory gpuNode(double cpus, long... gpuMem) {
        List<GpuDevice> gpus = new ArrayList<>();
        for (int i = 0; i < gpuMem.length; i++) gpus.add(new GpuDevice(i, "GPU-" + i, "Fake A100", gpuMem[i], 0, 0));
        return new NodeInventory(cpus, 64 * GIB, gpus, Map.of());
    }

    Lease grant(TestProbe<LeaseReply> p, ResourceSpec spec, String group, Placement placement) {
        String id = "r" + (++ids);
        rm.tell(new ResourceManager.RequestLease(id, spec, p.ref(), group, placement));
        LeaseReply r = p.receiveMessage(Duration.ofSeconds(5));
        LeaseReply.Granted g = assertInstanceOf(LeaseReply.Granted.class, r, "request " + id + " of " + spec);
        return g.lease();
    }

    ClusterStatus status() {
        TestProbe<ClusterStatus> p = kit.createTestProbe();
        rm.tell(new ResourceManager.GetStatus(p.ref()));
        return p.receiveMessage(Duration.ofSeconds(5));
    }

    @Test
    void cpuWorkStaysOffGpuNodesWhileCpuNodesHaveRoom() {
        node("gpu", gpuNode(8, 40 * GIB, 40 * GIB));
        node("cpu", cpus(2));
        TestProbe<LeaseReply> p = kit.createTestProbe();
        assertEquals("cpu", grant(p, ResourceSpec.ofCpus(1), "", Placement.PACK).nodeId());
        assertEquals("cpu", grant(p, ResourceSpec.ofCpus(1), "", Placement.SPREAD).nodeId());
        // the CPU node is full: CPU work may now use the GPU node's CPUs rather than wait
        assertEquals("gpu", grant(p, ResourceSpec.ofCpus(1), "", Placement.PACK).nodeId());
    }

    @Test
    void gpuWorkLandsOnlyOnGpuNodesAndFractionsPackOneGpuWithinItsMemory() {
        node("cpu-a", cpus(16));
        node("gpu", gpuNode(8, 40 * GIB, 40 * GIB));
        node("cpu-b", cpus(16));
        TestProbe<LeaseReply> p = kit.createTestProbe();
        ResourceSpec share = ResourceSpec.ofCpus(1).withGpus(0.25).withGpuMemory(16 * GIB);
        Lease a = grant(p, share, "", Placement.PACK);
        Lease b = grant(p, share, "", Placement.PACK);
        assertEquals("gpu", a.nodeId());
        assertEquals("gpu", b.nodeId());
        GpuShare sa = a.allocation().gpus().getFirst();
        GpuShare sb = b.allocation().gpus().getFirst();
        assertEquals(sa.index(), sb.index(), "two 16 GiB shares pack onto one 40 GiB GPU");
        Lease c = grant(p, share, "", Placement.PACK);
        assertFalse(c.allocation().gpus().getFirst().index() == sa.index(),
                "a third 16 GiB share would exceed the 40 GiB of the first GPU: it goes to the other one");
        ClusterStatus.Node g = status().nodes().stream().filter(n -> n.nodeId().equals("gpu")).findFirst().orElseThrow();
        assertEquals(3, g.leases());
        assertEquals(8 * GIB, g.freeGpuMemory().get(sa.index()));
        assertEquals(24 * GIB, g.freeGpuMemory().get(c.allocation().gpus().getFirst().index()));
        // a whole GPU fits no GPU now (both are shared): it waits, and is not unmet demand
        rm.tell(new ResourceManager.RequestLease("whole", ResourceSpec.ofCpus(1).withGpus(1), p.ref()));
        p.expectNoMessage(NONE);
        assertEquals(List.of(), status().unmetDemand());
        rm.tell(new ResourceManager.ReleaseLease(c.leaseId()));
        Lease whole = assertInstanceOf(LeaseReply.Granted.class, p.receiveMessage(Duration.ofSeconds(5))).lease();
        assertEquals("gpu", whole.nodeId());
        assertEquals(c.allocation().gpus().getFirst().index(), whole.allocation().gpus().getFirst().index());
        assertEquals(1.0, whole.allocation().gpus().getFirst().fraction(), 1e-9);
    }

    @Test
    void packFillsOneNodeSpreadUsesAll() {
        node("n1", cpus(4));
        node("n2", cpus(4));
        node("n3", cpus(4));
        TestProbe<LeaseReply> p = kit.createTestProbe();
        List<String> packed = new ArrayList<>();
        for (int i = 0; i < 4; i++) packed.add(grant(p, ResourceSpec.ofCpus(1), "", Placement.PACK).nodeId());
        assertEquals(1, packed.stream().distinct().count(), "PACK fills one node first: " + packed);
        List<String> spread = new ArrayList<>();
        for (int i = 0; i < 2; i++) spread.add(grant(p, ResourceSpec.ofCpus(1), "", Placement.SPREAD).nodeId());
        assertEquals(2, spread.stream().distinct().count(), "SPREAD uses the empty nodes: " + spread);
        assertFalse(spread.contains(packed.getFirst()));
    }

    @Test
    void acceleratorTypeAndUnmetDemand() {
        node("cpu", cpus(4));
        node("gpu", gpuNode(4, 40 * GIB));
        TestProbe<LeaseReply> p = kit.createTestProbe();
        assertEquals("gpu", grant(p, ResourceSpec.ofCpus(1).withGpus(1).withAcceleratorType("A100"), "", Placement.PACK).nodeId());
        ResourceSpec h100 = ResourceSpec.ofCpus(1).withGpus(1).withAcceleratorType("H100");
        rm.tell(new ResourceManager.RequestLease("h100", h100, p.ref()));
        p.expectNoMessage(NONE);
        assertEquals(List.of(h100), status().unmetDemand());
    }

    @Test
    void freedResourcesGoToTheGroupHoldingFewestLeasesAndHoldersHearOfContention() {
        node("n", cpus(2));
        TestProbe<LeaseReply> a = kit.createTestProbe();
        TestProbe<LeaseReply> b = kit.createTestProbe();
        Lease a1 = grant(a, ResourceSpec.ofCpus(1), "expA", Placement.PACK);
        Lease a2 = grant(a, ResourceSpec.ofCpus(1), "expA", Placement.PACK);
        rm.tell(new ResourceManager.RequestLease("a3", ResourceSpec.ofCpus(1), a.ref(), "expA", null));
        a.expectNoMessage(NONE); // queued, same group: no contention
        rm.tell(new ResourceManager.RequestLease("b1", ResourceSpec.ofCpus(1), b.ref(), "expB", null));
        LeaseReply.Contention c = assertInstanceOf(LeaseReply.Contention.class, a.receiveMessage(Duration.ofSeconds(5)));
        assertTrue(c.othersWaiting());
        assertEquals("expA", c.group());

        rm.tell(new ResourceManager.ReleaseLease(a1.leaseId()));
        // a3 asked first, but expB holds nothing: b1 is served
        LeaseReply.Granted gb = assertInstanceOf(LeaseReply.Granted.class, b.receiveMessage(Duration.ofSeconds(5)));
        assertEquals("b1", gb.requestId());
        LeaseReply.Contention over = assertInstanceOf(LeaseReply.Contention.class, a.receiveMessage(Duration.ofSeconds(5)));
        assertFalse(over.othersWaiting(), "nothing of another group waits any more");

        rm.tell(new ResourceManager.ReleaseLease(a2.leaseId()));
        assertEquals("a3", assertInstanceOf(LeaseReply.Granted.class, a.receiveMessage(Duration.ofSeconds(5))).requestId());
        ClusterStatus st = status();
        assertEquals(List.of("expA/a3", "expB/b1"), st.nodes().getFirst().holders());
    }

    @Test
    void aLostNodesLeasesAreRevokedAndItsWorkCanGoElsewhere() {
        node("n1", cpus(1));
        node("n2", cpus(1));
        TestProbe<LeaseReply> p = kit.createTestProbe();
        Lease l1 = grant(p, ResourceSpec.ofCpus(1), "", Placement.PACK);
        Lease l2 = grant(p, ResourceSpec.ofCpus(1), "", Placement.PACK);
        rm.tell(new ResourceManager.RequestLease("queued", ResourceSpec.ofCpus(1), p.ref()));
        p.expectNoMessage(NONE);
        agents.get(l1.nodeId()).stop();
        LeaseReply.Revoked r = assertInstanceOf(LeaseReply.Revoked.class, p.receiveMessage(Duration.ofSeconds(5)));
        assertEquals(l1.leaseId(), r.leaseId());
        rm.tell(new ResourceManager.ReleaseLease(l2.leaseId()));
        Lease again = assertInstanceOf(LeaseReply.Granted.class, p.receiveMessage(Duration.ofSeconds(5))).lease();
        assertEquals(l2.nodeId(), again.nodeId());
        assertEquals(1, status().nodes().size());
    }
}
