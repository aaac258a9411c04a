package dev.gale.cluster;

import dev.gale.gpu.GpuDevice;
import dev.gale.gpu.GpuShare;
import dev.gale.gpu.NodeInventory;
import dev.gale.gpu.ResourceSpec;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ResourceManager of an embedded one-node cluster with a fixed inventory (2 CPUs, 8 GiB, a
 * fake 40 GiB "A100" and a fake 16 GiB "T4"): grants while requests fit, queues the rest and
 * grants it on release, and reports free resources and unmet demand.
 */
class ResourceManagerTest {
    static final long GIB = 1L << 30;
    static final NodeInventory INVENTORY = new NodeInventory(2, 8 * GIB, List.of(
            new GpuDevice(0, "GPU-fake-0", "Fake A100-SXM4-40GB", 40 * GIB, 0, 0),
            new GpuDevice(1, "GPU-fake-1", "Fake Tesla T4", 16 * GIB, 0, 0)), Map.of());
    static final Duration NONE = Duration.ofMillis(300);
    static final AtomicInteger IDS = new AtomicInteger();

    static GaleNode node;
    TestProbe<LeaseReply> probe;
    final List<Lease> held = new ArrayList<>();
    final List<String> requested = new ArrayList<>();

    @BeforeAll
    static void start() {
        node = GaleNode.start(NodeConfig.embedded().withInventory(INVENTORY));
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    @BeforeEach
    void probe() {
        probe = TestProbe.create(node.system());
    }

    /** Gives back what a test left, so each test starts from an empty node. */
    @AfterEach
    void cleanUp() {
        for (String r : requested) node.resourceManager().tell(new ResourceManager.CancelRequest(r));
        for (Lease l : held) node.resourceManager().tell(new ResourceManager.ReleaseLease(l.leaseId()));
        probe.awaitAssert(Duration.ofSeconds(5), () -> {
            ClusterStatus st = status();
            assertEquals(0, st.queued());
            assertEquals(0, st.nodes().getFirst().leases());
            return null;
        });
        probe.stop();
    }

    ClusterStatus status() {
        return node.status(Duration.ofSeconds(5));
    }

    String request(ResourceSpec spec) {
        String id = "req-" + IDS.incrementAndGet();
        requested.add(id);
        node.resourceManager().tell(new ResourceManager.RequestLease(id, spec, probe.ref()));
        return id;
    }

    Lease expectGranted(String requestId) {
        LeaseReply r = probe.receiveMessage(Duration.ofSeconds(5));
        LeaseReply.Granted g = assertInstanceOf(LeaseReply.Granted.class, r);
        assertEquals(requestId, g.requestId());
        assertEquals(requestId, g.lease().requestId());
        assertEquals(node.nodeId(), g.lease().nodeId());
        held.add(g.lease());
        return g.lease();
    }

    void release(Lease l) {
        held.remove(l);
        node.resourceManager().tell(new ResourceManager.ReleaseLease(l.leaseId()));
    }

    @Test
    void statusOfAnIdleNode() {
        ClusterStatus st = status();
        assertEquals(1, st.nodes().size());
        ClusterStatus.Node n = st.nodes().getFirst();
        assertEquals(node.nodeId(), n.nodeId());
        assertEquals(INVENTORY, n.inventory());
        assertEquals(2.0, n.freeCpus(), 1e-9);
        assertEquals(8 * GIB, n.freeMemoryBytes());
        assertEquals(List.of(1.0, 1.0), n.freeGpuFraction());
        assertEquals(List.of(40 * GIB, 16 * GIB), n.freeGpuMemory());
        assertEquals(0, st.queued());
        assertEquals(List.of(), st.unmetDemand());
        assertTrue(st.feasible(ResourceSpec.ofCpus(2).withGpus(2)));
        assertFalse(st.feasible(ResourceSpec.ofCpus(3)));
    }

    @Test
    void grantsWhileRequestsFitQueuesTheRestAndGrantsItOnRelease() {
        ResourceSpec one = ResourceSpec.ofCpus(1).withMemory(GIB);
        Lease a = expectGranted(request(one));
        Lease b = expectGranted(request(one));
        assertTrue(!a.leaseId().equals(b.leaseId()));
        assertEquals(1.0, a.allocation().cpus(), 1e-9);
        assertEquals(one, a.allocation().spec());
        assertEquals(List.of(), a.allocation().gpus(), "CPU work gets no GPU");

        String third = request(one);
        probe.expectNoMessage(NONE);
        ClusterStatus st = status();
        assertEquals(1, st.queued());
        assertEquals(List.of(), st.unmetDemand(), "it fits an empty node: waiting, not unmet");
        assertEquals(0.0, st.nodes().getFirst().freeCpus(), 1e-9);
        assertEquals(6 * GIB, st.nodes().getFirst().freeMemoryBytes());
        assertEquals(2, st.nodes().getFirst().leases());

        release(a);
        Lease c = expectGranted(third);
        assertEquals(node.nodeId(), c.nodeId());
        st = status();
        assertEquals(0, st.queued());
        assertEquals(2, st.nodes().getFirst().leases());

        release(b);
        release(c);
        probe.awaitAssert(Duration.ofSeconds(5), () -> {
            ClusterStatus s = status();
            assertEquals(2.0, s.nodes().getFirst().freeCpus(), 1e-9);
            assertEquals(8 * GIB, s.nodes().getFirst().freeMemoryBytes());
            return null;
        });
    }

    @Test
    void queuedRequestsAreGrantedInArrivalOrder() {
        Lease a = expectGranted(request(ResourceSpec.ofCpus(2)));
        String first = request(ResourceSpec.ofCpus(1));
        String second = request(ResourceSpec.ofCpus(1));
        String third = request(ResourceSpec.ofCpus(1));
        probe.expectNoMessage(NONE);
        release(a);
        expectGranted(first);
        expectGranted(second);
        probe.expectNoMessage(NONE);
        release(held.getFirst());
        expectGranted(third);
    }

    @Test
    void aRequestThatCannotFitYetDoesNotBlockALaterOneThatCan() {
        Lease a = expectGranted(request(ResourceSpec.ofCpus(1)));
        String big = request(ResourceSpec.ofCpus(2)); // must wait for a
        probe.expectNoMessage(NONE);
        String small = request(ResourceSpec.ofCpus(1)); // fits the free CPU now
        expectGranted(small);
        release(a);
        probe.expectNoMessage(NONE); // big still needs the CPU that small holds
        release(held.getFirst());
        expectGranted(big);
    }

    @Test
    void unmetDemandReportsSpecsThatFitNoNodeAndDoesNotBlockOthers() {
        ResourceSpec tooMany = ResourceSpec.ofCpus(8);
        ResourceSpec h100 = ResourceSpec.ofCpus(1).withGpus(1).withAcceleratorType("H100");
        String r1 = request(tooMany);
        String r2 = request(h100);
        probe.expectNoMessage(NONE);
        ClusterStatus st = status();
        assertEquals(2, st.queued());
        assertEquals(List.of(tooMany, h100), st.unmetDemand());

        // work that fits is still granted at once
        Lease ok = expectGranted(request(ResourceSpec.ofCpus(1)));
        release(ok);

        node.resourceManager().tell(new ResourceManager.CancelRequest(r1));
        node.resourceManager().tell(new ResourceManager.CancelRequest(r2));
        probe.awaitAssert(Duration.ofSeconds(5), () -> {
            ClusterStatus s = status();
            assertEquals(0, s.queued());
            assertEquals(List.of(), s.unmetDemand());
            return null;
        });
        probe.expectNoMessage(NONE);
    }

    @Test
    void gpuRequestsGetTheRightGpusAndShares() {
        Lease a100 = expectGranted(request(ResourceSpec.ofCpus(0).withGpus(1).withAcceleratorType("a100")));
        assertEquals(1, a100.allocation().gpus().size());
        assertEquals(0, a100.allocation().gpus().getFirst().index());
        assertEquals("0", a100.allocation().cudaVisibleDevices());

        ResourceSpec halfT4 = ResourceSpec.ofCpus(0).withGpus(0.5).withAcceleratorType("T4");
        Lease s1 = expectGranted(request(halfT4));
        Lease s2 = expectGranted(request(halfT4));
        for (Lease s : List.of(s1, s2)) {
            GpuShare share = s.allocation().gpus().getFirst();
            assertEquals(1, share.index());
            assertEquals(0.5, share.fraction(), 1e-9);
            assertEquals(8 * GIB, share.memoryBytes());
        }
        ClusterStatus st = status();
        assertEquals(List.of(0.0, 0.0), st.nodes().getFirst().freeGpuFraction());
        assertEquals(List.of(0L, 0L), st.nodes().getFirst().freeGpuMemory());

        String third = request(halfT4);
        probe.expectNoMessage(NONE);
        assertEquals(List.of(), status().unmetDemand());
        release(s1);
        Lease s3 = expectGranted(third);
        assertEquals(1, s3.allocation().gpus().getFirst().index());

        // a whole GPU without a type: only the A100 could hold it, and it is busy
        String any = request(ResourceSpec.ofCpus(0).withGpus(1));
        probe.expectNoMessage(NONE);
        release(a100);
        Lease g = expectGranted(any);
        assertEquals(0, g.allocation().gpus().getFirst().index());
    }

    @Test
    void releasingAnUnknownLeaseIsIgnored() {
        node.resourceManager().tell(new ResourceManager.ReleaseLease("no-such-lease"));
        Lease a = expectGranted(request(ResourceSpec.ofCpus(2)));
        node.resourceManager().tell(new ResourceManager.ReleaseLease(a.leaseId()));
        held.remove(a);
        node.resourceManager().tell(new ResourceManager.ReleaseLease(a.leaseId())); // twice: ignored
        expectGranted(request(ResourceSpec.ofCpus(2)));
        assertEquals(0.0, status().nodes().getFirst().freeCpus(), 1e-9);
    }
}
