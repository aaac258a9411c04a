package dev.gale.cluster;

import dev.gale.gpu.Allocation;
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
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A NodeAgent's own accounting of the leases running on its node (the ground truth after a
 * ResourceManager failover): it reports them, starts work whose allocation fits, makes work that
 * conflicts wait for running work to end and refuses it after the wait, and ends a lease the
 * ResourceManager released or revoked.
 */
class NodeAgentGroundTruthTest {
    static final Duration WAIT = Duration.ofSeconds(10);
    static final long GIB = 1L << 30;
    static final NodeInventory INV = new NodeInventory(2, 4 * GIB,
            List.of(new GpuDevice(0, "GPU-0", "Fake A100", 40 * GIB, 0, 0)), Map.of());

    ActorTestKit kit;
    TestProbe<ResourceManager.Command> rm;
    TestProbe<WorkEvent> events;
    TestProbe<Object> owner;
    ActorRef<NodeAgent.Command> agent;

    @BeforeEach
    void start() {
        kit = ActorTestKit.create();
        rm = kit.createTestProbe();
        events = kit.createTestProbe();
        owner = kit.createTestProbe();
        agent = kit.spawn(NodeAgent.create("node-x", INV, Map.of("zone", "a"), rm.ref(), Duration.ofSeconds(1)));
    }

    @AfterEach
    void stop() {
        kit.shutdownTestKit();
    }

    static Allocation cpus(double n) {
        return new Allocation(ResourceSpec.ofCpus(n), n, 0, List.of(), Map.of());
    }

    void startSleepy(String workId, String leaseId, Allocation a) {
        agent.tell(new NodeAgent.StartWork(workId, leaseId, a, NodeAgentTest.SleepyWork.class.getName(), "", owner.ref(),
                events.ref()));
    }

    NodeAgent.Allocations allocations() {
        TestProbe<NodeAgent.Allocations> p = kit.createTestProbe();
        agent.tell(new NodeAgent.GetAllocations(p.ref()));
        return p.receiveMessage(WAIT);
    }

    @Test
    void reportsWhatRunsAndMakesConflictingWorkWaitForItsEnd() {
        ResourceManager.RegisterNode first = assertInstanceOf(ResourceManager.RegisterNode.class, rm.receiveMessage(WAIT));
        assertEquals(Map.of("zone", "a"), first.labels());
        assertEquals(List.of(), first.leases());

        startSleepy("w1", "L1", cpus(1.5));
        assertEquals("sleeping", owner.receiveMessage(WAIT));
        NodeAgent.Allocations a = allocations();
        assertEquals(1, a.leases().size());
        assertEquals("L1", a.leases().getFirst().leaseId());
        assertEquals(List.of("w1"), a.leases().getFirst().workIds());

        // the periodic advertisement carries the running lease (what a new ResourceManager re-adopts)
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            ResourceManager.RegisterNode r = assertInstanceOf(ResourceManager.RegisterNode.class, rm.receiveMessage(WAIT));
            if (!r.leases().isEmpty()) {
                assertEquals("L1", r.leases().getFirst().leaseId());
                assertEquals(cpus(1.5), r.leases().getFirst().allocation());
                break;
            }
            assertTrue(System.nanoTime() < deadline, "no advertisement with the running lease");
        }

        // 1 CPU more does not fit next to 1.5 of 2: it waits, and starts once L1's work ends
        startSleepy("w2", "L2", cpus(1));
        owner.expectNoMessage(Duration.ofMillis(300));
        agent.tell(new NodeAgent.StopWork("L1"));
        assertEquals("interrupted, cancelled=true", owner.receiveMessage(WAIT));
        assertEquals("sleeping", owner.receiveMessage(WAIT), "w2 started once w1 ended");
        assertEquals(new WorkEvent.Finished("w1", "L1"), events.receiveMessage(WAIT));

        // a GPU lease that fits starts at once; one that wants the same whole GPU is refused after the wait
        Allocation gpu = new Allocation(ResourceSpec.ofCpus(0).withGpus(1), 0, 0, List.of(new GpuShare(0, 1.0, 40 * GIB)), Map.of());
        startSleepy("w3", "L3", gpu);
        assertEquals("sleeping", owner.receiveMessage(WAIT));
        startSleepy("w4", "L4", gpu);
        WorkEvent.Failed f = assertInstanceOf(WorkEvent.Failed.class, events.receiveMessage(WAIT));
        assertEquals("w4", f.workId());
        assertTrue(f.error().contains("lease L4") && f.error().contains("conflicts for 1.0 s") && f.error().contains("L3"), f.error());
        assertEquals(2, allocations().leases().size(), "L2 and L3 run; L4 never did");
    }

    @Test
    void aLeaseTheResourceManagerEndedStopsItsWorkAndTakesNoMore() {
        startSleepy("w1", "L1", cpus(1));
        assertEquals("sleeping", owner.receiveMessage(WAIT));
        agent.tell(new NodeAgent.LeaseEnded("L1"));
        assertEquals("interrupted, cancelled=true", owner.receiveMessage(WAIT));
        assertEquals(new WorkEvent.Finished("w1", "L1"), events.receiveMessage(WAIT));
        startSleepy("w2", "L1", cpus(1));
        WorkEvent.Failed f = assertInstanceOf(WorkEvent.Failed.class, events.receiveMessage(WAIT));
        assertTrue(f.error().contains("lease L1 was released or revoked"), f.error());
        assertEquals(List.of(), allocations().leases());
        // the node's resources are free again
        startSleepy("w3", "L3", cpus(2));
        assertEquals("sleeping", owner.receiveMessage(WAIT));
        agent.tell(new NodeAgent.StopWork("L3"));
        assertEquals("interrupted, cancelled=true", owner.receiveMessage(WAIT));
    }
}
