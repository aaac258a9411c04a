package dev.gale.cluster;

import dev.gale.gpu.Allocation;
import dev.gale.gpu.ResourceSpec;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The holder side alone, against a probe standing in for the ResourceManager: what it sends for
 * {@code want} (nothing when unchanged), how it counts grants, releases stale ones, reports losses,
 * refusals and timeouts, follows contention, syncs and closes.
 */
class LeasePoolTest {
    static final Duration WAIT = Duration.ofSeconds(5);
    static final Duration NONE = Duration.ofMillis(200);
    static final Bundle ONE = Bundle.of(ResourceSpec.ofCpus(1));

    ActorTestKit kit;
    TestProbe<ResourceManager.Command> rm;
    TestProbe<LeaseReply> self;
    TestProbe<NodeAgent.Command> agent;
    LeasePool pool;
    int leases;

    @BeforeEach
    void start() {
        kit = ActorTestKit.create();
        rm = kit.createTestProbe();
        self = kit.createTestProbe();
        agent = kit.createTestProbe();
        pool = new LeasePool(rm.ref(), self.ref(), "holder-1", "exp", Clock.systemUTC());
    }

    @AfterEach
    void stop() {
        kit.shutdownTestKit();
    }

    Lease lease(String key) {
        return new Lease("L" + (++leases), key, "node-a", agent.ref(), new Allocation(ResourceSpec.ofCpus(1), 1, 0, List.of(), Map.of()));
    }

    ResourceManager.Want expectWant() {
        ResourceManager.Demand d = assertInstanceOf(ResourceManager.Demand.class, rm.receiveMessage(WAIT));
        assertEquals("holder-1", d.holderId());
        assertEquals("exp", d.group());
        assertEquals(self.ref(), d.replyTo());
        return d.want();
    }

    @Test
    void wantSendsOnlyChangesAndCountsGrants() {
        pool.want("k", ONE, 2, null);
        ResourceManager.Want w = expectWant();
        assertEquals(new ResourceManager.Want("k", ONE, 2, 0, null, true), w);
        pool.want("k", ONE, 2, null);
        rm.expectNoMessage(NONE); // unchanged: nothing sent

        Lease a = lease("k");
        LeasePool.Event e = pool.accept(new LeaseReply.BundleGranted("holder-1", "k", List.of(a)));
        assertEquals(new LeasePool.Event.Granted("k", List.of(a)), e);
        assertEquals(List.of(a), List.copyOf(pool.held()));
        assertEquals(1, pool.wanted("k"), "one of the two arrived");
        pool.want("k", ONE, 1, null);
        rm.expectNoMessage(NONE); // what the pool counts already: nothing to send
        pool.want("k", ONE, 3, Duration.ofSeconds(30));
        assertEquals(new ResourceManager.Want("k", ONE, 3, 1, Duration.ofSeconds(30), true), expectWant(),
                "the count goes with the grants received so far");
        assertEquals(LeasePool.Event.Ignored.class, pool.accept(new LeaseReply.BundleGranted("holder-1", "k", List.of(a))).getClass(),
                "a duplicate grant is ignored");
        assertEquals(LeasePool.Event.Ignored.class, pool.accept(new LeaseReply.BundleGranted("holder-2", "k", List.of(lease("k"))))
                .getClass(), "another holder's grant is ignored");
        rm.expectNoMessage(NONE);
    }

    @Test
    void aGrantThatArrivesAfterTheOwnerLoweredItsCountIsReleased() {
        pool.want("k", ONE, 1, null);
        expectWant();
        pool.want("k", ONE, 0, null);
        assertEquals(0, expectWant().count());
        Lease late = lease("k");
        assertInstanceOf(LeasePool.Event.Ignored.class, pool.accept(new LeaseReply.BundleGranted("holder-1", "k", List.of(late))));
        assertEquals(new ResourceManager.ReleaseLease(late.leaseId()), rm.receiveMessage(WAIT));
        assertTrue(pool.held().isEmpty());
        pool.want("k", ONE, 1, null);
        assertEquals(1, expectWant().received(), "the stale grant counts as received");
    }

    @Test
    void lossRefusalTimeoutAndContention() {
        pool.want("k", ONE, 1, null);
        expectWant();
        Lease a = lease("k");
        pool.accept(new LeaseReply.BundleGranted("holder-1", "k", List.of(a)));
        assertEquals(new LeasePool.Event.Lost(a, "node gone"), pool.accept(new LeaseReply.Revoked("k", a.leaseId(), "node gone")));
        assertTrue(pool.held().isEmpty());
        assertInstanceOf(LeasePool.Event.Ignored.class, pool.accept(new LeaseReply.Revoked("k", a.leaseId(), "again")));

        pool.want("big", ONE, 2, null);
        expectWant();
        assertEquals(new LeasePool.Event.Refused("big", "fits nothing"), pool.accept(new LeaseReply.Refused("big", "fits nothing")));
        assertEquals(0, pool.wanted("big"));
        assertNull(pool.waitingSince("big"));
        assertInstanceOf(LeasePool.Event.Ignored.class, pool.accept(new LeaseReply.Refused("big", "again")));

        pool.want("slow", ONE, 1, Duration.ofSeconds(1));
        expectWant();
        assertEquals(new LeasePool.Event.TimedOut("slow", "starved"), pool.accept(new LeaseReply.TimedOut("slow", "starved")));
        assertEquals(0, pool.wanted("slow"));

        assertTrue(pool.reuseAllowed());
        assertInstanceOf(LeasePool.Event.Ignored.class, pool.accept(new LeaseReply.Contention("exp", true)));
        assertFalse(pool.reuseAllowed(), "other groups wait: give freed leases back");
        pool.accept(new LeaseReply.Contention("exp", false));
        assertTrue(pool.reuseAllowed());
    }

    @Test
    void syncListsHeldLeasesAndCurrentDemandAndCloseGivesEverythingBack() {
        pool.want("k", ONE, 3, null);
        expectWant();
        Lease a = lease("k");
        Lease b = lease("k");
        pool.accept(new LeaseReply.BundleGranted("holder-1", "k", List.of(a)));
        pool.accept(new LeaseReply.BundleGranted("holder-1", "k", List.of(b)));
        pool.want("other", ONE, 0, null); // never wanted: nothing sent
        rm.expectNoMessage(NONE);
        pool.sync();
        ResourceManager.SyncHolder s = assertInstanceOf(ResourceManager.SyncHolder.class, rm.receiveMessage(WAIT));
        assertEquals("holder-1", s.holderId());
        assertEquals(List.of(a, b), s.held());
        assertEquals(List.of(new ResourceManager.Want("k", ONE, 1, 2, null, true)), s.wants());
        pool.release(a);
        assertEquals(new ResourceManager.ReleaseLease(a.leaseId()), rm.receiveMessage(WAIT));
        pool.release(a); // not held any more: nothing
        rm.expectNoMessage(NONE);

        pool.close();
        assertEquals(new ResourceManager.ReleaseLease(b.leaseId()), rm.receiveMessage(WAIT));
        assertEquals(new ResourceManager.WithdrawHolder("holder-1"), rm.receiveMessage(WAIT));
        assertTrue(pool.held().isEmpty());
        Lease late = lease("k");
        assertInstanceOf(LeasePool.Event.Ignored.class, pool.accept(new LeaseReply.BundleGranted("holder-1", "k", List.of(late))));
        assertEquals(new ResourceManager.ReleaseLease(late.leaseId()), rm.receiveMessage(WAIT), "a grant after close goes back");
        assertThrows(IllegalStateException.class, () -> pool.want("k", ONE, 1, null));
        assertThrows(IllegalArgumentException.class, () -> new LeasePool(rm.ref(), self.ref(), " ", "g", Clock.systemUTC()));
    }
}
