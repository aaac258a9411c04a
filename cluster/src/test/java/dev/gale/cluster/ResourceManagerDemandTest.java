package dev.gale.cluster;

import dev.gale.cluster.testkit.ManualClock;
import dev.gale.gpu.NodeInventory;
import dev.gale.gpu.ResourceSpec;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Lease pools against a real ResourceManager (nodes registered with probe agents, a manual
 * clock): gangs granted whole with their strategy, count-based demand, refusal and pending
 * timeouts, the demand stream, draining, and a new ResourceManager re-adopting what nodes run and
 * holders hold without granting anything twice.
 */
class ResourceManagerDemandTest {
    static final long GIB = 1L << 30;
    static final Duration WAIT = Duration.ofSeconds(10);
    static final Duration NONE = Duration.ofMillis(300);

    final ManualClock clock = new ManualClock(Instant.parse("2025-01-01T00:00:00Z"));
    ActorTestKit kit;
    ActorRef<ResourceManager.Command> rm;
    final Map<String, TestProbe<NodeAgent.Command>> agents = new java.util.HashMap<>();

    /** A pool driven from the test thread, its replies collected by a probe. */
    final class Holder {
        final TestProbe<LeaseReply> inbox = kit.createTestProbe();
        final LeasePool pool;

        Holder(String id, String group, ActorRef<ResourceManager.Command> to) {
            pool = new LeasePool(to, inbox.ref(), id, group, clock);
        }

        LeasePool.Event next() {
            while (true) {
                LeasePool.Event e = pool.accept(inbox.receiveMessage(WAIT));
                if (!(e instanceof LeasePool.Event.Ignored)) return e;
            }
        }

        LeasePool.Event.Granted granted() {
            return assertInstanceOf(LeasePool.Event.Granted.class, next());
        }

        /** Nothing but contention notices arrives for a moment. */
        void nothing() {
            while (true) {
                LeaseReply r;
                try {
                    r = inbox.receiveMessage(NONE);
                } catch (AssertionError quiet) {
                    return;
                }
                LeasePool.Event e = pool.accept(r);
                if (!(e instanceof LeasePool.Event.Ignored)) throw new AssertionError("unexpected " + e);
            }
        }
    }

    @BeforeEach
    void start() {
        kit = ActorTestKit.create();
        rm = kit.spawn(ResourceManager.create(clock));
    }

    @AfterEach
    void stop() {
        kit.shutdownTestKit();
    }

    void node(ActorRef<ResourceManager.Command> to, String id, double cpus, Map<String, String> labels,
              List<NodeAgent.RunningLease> running) {
        TestProbe<NodeAgent.Command> agent = agents.computeIfAbsent(id, k -> kit.createTestProbe());
        to.tell(new ResourceManager.RegisterNode(id, new NodeInventory(cpus, 16 * GIB, List.of(), Map.of()), agent.ref(), labels,
                running, -1));
    }

    ClusterStatus status(ActorRef<ResourceManager.Command> to) {
        TestProbe<ClusterStatus> p = kit.createTestProbe();
        to.tell(new ResourceManager.GetStatus(p.ref()));
        return p.receiveMessage(WAIT);
    }

    static Set<String> nodes(List<Lease> leases) {
        Set<String> s = new HashSet<>();
        for (Lease l : leases) s.add(l.nodeId());
        return s;
    }

    @Test
    void gangsAreGrantedWholeWithTheirStrategyAndCountsNeverOverGrant() {
        node(rm, "a", 4, Map.of(), List.of());
        node(rm, "b", 4, Map.of(), List.of());
        node(rm, "c", 4, Map.of("disk", "ssd"), List.of());
        Holder h = new Holder("trainer", "exp", rm);
        Bundle workers = Bundle.gang(3, ResourceSpec.ofCpus(2), Placement.STRICT_SPREAD);
        h.pool.want("workers", workers, 1, null);
        LeasePool.Event.Granted g = h.granted();
        assertEquals(3, g.leases().size());
        assertEquals(Set.of("a", "b", "c"), nodes(g.leases()), "STRICT_SPREAD: one worker per node");
        for (Lease l : g.leases()) assertEquals(ResourceSpec.ofCpus(2), l.allocation().spec());

        Bundle ssd = new Bundle(List.of(ResourceSpec.ofCpus(1)), Placement.PACK, Map.of("disk", "ssd"));
        h.pool.want("ssd", ssd, 5, null);
        assertEquals(Set.of("c"), nodes(h.granted().leases()));
        assertEquals(Set.of("c"), nodes(h.granted().leases()));
        h.nothing(); // c is full: the other 3 wait
        assertEquals(3, h.pool.wanted("ssd"));
        ClusterStatus st = status(rm);
        assertEquals(3, st.queued());
        DemandSnapshot.Waiting w = st.demand().waiting().getFirst();
        assertEquals("trainer", w.holderId());
        assertEquals("ssd", w.demandKey());
        assertEquals("exp", w.group());
        assertEquals(3, w.count());
        assertTrue(w.feasible());
        assertEquals(Map.of("disk", "ssd"), st.demand().node("c").labels());

        h.pool.want("ssd", ssd, 1, null); // wants fewer now
        for (Lease l : g.leases()) h.pool.release(l);
        assertEquals(Set.of("c"), nodes(h.granted().leases()));
        h.nothing(); // never more than it asked for
        assertEquals(0, h.pool.wanted("ssd"));
        assertEquals(0, status(rm).queued());
    }

    @Test
    void aBundleThatFitsNoNodeIsRefusedAtOnceNamingTheShapes() {
        node(rm, "a", 2, Map.of("zone", "a"), List.of());
        Holder h = new Holder("h", "exp", rm);
        h.pool.want("huge", Bundle.of(ResourceSpec.ofCpus(8)), 2, null);
        LeasePool.Event.Refused r = assertInstanceOf(LeasePool.Event.Refused.class, h.next());
        assertEquals("huge", r.demandKey());
        assertTrue(r.reason().contains("1 x [cpus=8] PACK") && r.reason().contains("1 x {cpus 2, memory 16.0GiB, labels {zone=a}}"),
                r.reason());
        assertEquals(0, status(rm).queued());
        // a single request of the old protocol keeps waiting as unmet demand instead
        TestProbe<LeaseReply> single = kit.createTestProbe();
        rm.tell(new ResourceManager.RequestLease("r1", ResourceSpec.ofCpus(8), single.ref()));
        single.expectNoMessage(NONE);
        assertEquals(List.of(ResourceSpec.ofCpus(8)), status(rm).unmetDemand());
    }

    @Test
    void demandThatWaitsPastItsTimeoutWhileItsGroupHoldsNothingTimesOut() {
        node(rm, "a", 1, Map.of(), List.of());
        Holder busy = new Holder("busy", "expA", rm);
        Holder starved = new Holder("starved", "expB", rm);
        busy.pool.want("k", Bundle.of(ResourceSpec.ofCpus(1)), 2, Duration.ofSeconds(5));
        busy.granted();
        starved.pool.want("k", Bundle.of(ResourceSpec.ofCpus(1)), 1, Duration.ofSeconds(5));
        starved.nothing();
        clock.advance(Duration.ofSeconds(6));
        LeasePool.Event.TimedOut t = assertInstanceOf(LeasePool.Event.TimedOut.class, starved.next());
        assertTrue(t.reason().contains("group 'expB' waited") && t.reason().contains("held by group 'expA' (1 lease)"), t.reason());
        busy.nothing(); // expA's second request is queued behind its own lease: no timeout
        assertEquals(1, status(rm).queued());
    }

    @Test
    void theDemandStreamPublishesChangesToSubscribers() {
        TestProbe<DemandSnapshot> sub = kit.createTestProbe();
        rm.tell(new ResourceManager.SubscribeDemand(sub.ref()));
        DemandSnapshot first = sub.receiveMessage(WAIT);
        assertEquals(List.of(), first.waiting());
        node(rm, "a", 2, Map.of("zone", "a"), List.of());
        DemandSnapshot withNode = awaitSnapshot(sub, s -> s.nodes().size() == 1);
        DemandSnapshot.NodeState a = withNode.node("a");
        assertEquals(Map.of("zone", "a"), a.labels());
        assertEquals(clock.instant(), a.idleSince(), "idle since it registered");
        assertFalse(a.draining());

        Holder h = new Holder("h", "exp", rm);
        h.pool.want("k", Bundle.of(ResourceSpec.ofCpus(1)), 3, null);
        DemandSnapshot busy = awaitSnapshot(sub, s -> s.waitingBundles() == 1 && s.node("a").leases() == 2);
        h.granted();
        h.granted();
        assertNull(busy.node("a").idleSince(), "busy");
        assertEquals(0.0, busy.node("a").freeCpus(), 1e-9);
        DemandSnapshot.Waiting w = busy.waiting().getFirst();
        assertEquals(1, w.count());
        assertEquals(Bundle.of(ResourceSpec.ofCpus(1)), w.bundle());
        assertTrue(w.feasible());

        rm.tell(new ResourceManager.UnsubscribeDemand(sub.ref()));
        TestProbe<DemandSnapshot> second = kit.createTestProbe();
        rm.tell(new ResourceManager.SubscribeDemand(second.ref()));
        second.receiveMessage(WAIT);
        h.pool.want("k", Bundle.of(ResourceSpec.ofCpus(1)), 0, null);
        awaitSnapshot(second, s -> s.waitingBundles() == 0);
        for (DemandSnapshot late : drain(sub)) {
            assertEquals(1, late.waitingBundles(), "an unsubscribed probe got a snapshot of a later change");
        }
        second.stop(); // a dead subscriber is dropped; the ResourceManager goes on
        h.pool.want("k", Bundle.of(ResourceSpec.ofCpus(1)), 1, null);
        assertEquals(1, status(rm).queued());
    }

    /** What a probe received until it stayed quiet for a moment. */
    static List<DemandSnapshot> drain(TestProbe<DemandSnapshot> p) {
        List<DemandSnapshot> out = new ArrayList<>();
        while (true) {
            try {
                out.add(p.receiveMessage(NONE));
            } catch (AssertionError quiet) {
                return out;
            }
        }
    }

    static DemandSnapshot awaitSnapshot(TestProbe<DemandSnapshot> p, java.util.function.Predicate<DemandSnapshot> ok) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        DemandSnapshot last = null;
        while (System.nanoTime() < deadline) {
            last = p.receiveMessage(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            if (ok.test(last)) return last;
        }
        throw new AssertionError("no matching snapshot within " + WAIT + "; last: " + last);
    }

    @Test
    void aDrainedNodeTakesNoNewLeasesAndIsRevokedAtItsDeadline() {
        node(rm, "a", 2, Map.of(), List.of());
        node(rm, "b", 2, Map.of(), List.of());
        Holder h = new Holder("h", "exp", rm);
        h.pool.want("k", Bundle.of(ResourceSpec.ofCpus(2), Placement.PACK), 1, null);
        Lease onA = h.granted().leases().getFirst();
        String drained = onA.nodeId();
        String other = drained.equals("a") ? "b" : "a";
        TestProbe<ResourceManager.DrainReply> reply = kit.createTestProbe();
        rm.tell(new ResourceManager.DrainNode(drained, Duration.ofSeconds(30), reply.ref()));
        assertEquals(new NodeAgent.SetDraining(clock.millis() + 30_000), agents.get(drained).receiveMessage(WAIT));
        reply.expectNoMessage(NONE); // its lease still runs
        h.pool.want("k", Bundle.of(ResourceSpec.ofCpus(2), Placement.PACK), 2, null);
        Lease second = h.granted().leases().getFirst();
        assertEquals(other, second.nodeId(), "no new lease on the draining node");
        h.nothing();
        assertTrue(status(rm).demand().node(drained).draining());

        clock.advance(Duration.ofSeconds(31));
        LeasePool.Event.Lost lost = assertInstanceOf(LeasePool.Event.Lost.class, h.next());
        assertEquals(onA, lost.lease());
        assertTrue(lost.reason().contains("drained"), lost.reason());
        assertEquals(new NodeAgent.LeaseEnded(onA.leaseId()), agents.get(drained).receiveMessage(WAIT));
        assertEquals(new ResourceManager.DrainReply.Drained(drained, 1), reply.receiveMessage(WAIT));
        h.nothing(); // the waiting demand does not go to the drained node

        rm.tell(new ResourceManager.DrainNode("nowhere", Duration.ZERO, reply.ref()));
        assertInstanceOf(ResourceManager.DrainReply.UnknownNode.class, reply.receiveMessage(WAIT));
        h.pool.want("k", Bundle.of(ResourceSpec.ofCpus(2), Placement.PACK), 0, null);
        h.pool.release(second);
        assertEquals(new NodeAgent.LeaseEnded(second.leaseId()), agents.get(other).receiveMessage(WAIT), "the agent hears of releases");
        rm.tell(new ResourceManager.DrainNode(other, Duration.ofSeconds(5), reply.ref()));
        assertEquals(new ResourceManager.DrainReply.Drained(other, 0), reply.receiveMessage(WAIT), "nothing held: drained at once");
    }

    @Test
    void aNewResourceManagerReAdoptsWhatNodesRunAndHoldersHoldAndGrantsNothingTwice() {
        TestProbe<ResourceManager.Command> proxy = kit.createTestProbe();
        node(rm, "a", 4, Map.of(), List.of());
        node(rm, "b", 4, Map.of(), List.of());
        Holder h = new Holder("h", "exp", proxy.ref());
        h.pool.want("k", Bundle.of(ResourceSpec.ofCpus(2), Placement.SPREAD), 3, null);
        rm.tell(proxy.receiveMessage(WAIT));
        List<Lease> held = new ArrayList<>();
        for (int i = 0; i < 3; i++) held.addAll(h.granted().leases());
        assertEquals(Set.of("a", "b"), nodes(held));

        // the old ResourceManager dies; a new one starts empty
        kit.stop(rm);
        ActorRef<ResourceManager.Command> rm2 = kit.spawn(ResourceManager.create(clock, true));
        Lease running = held.getFirst(); // its work runs: its node reports it
        Lease idle = held.get(1);        // granted, no work yet: only the holder knows it
        Lease gone = new Lease("gone-1", "k", "c", agents.get("a").ref(), running.allocation()); // on a node that is gone
        List<NodeAgent.RunningLease> onNode = List.of(new NodeAgent.RunningLease(running.leaseId(), running.allocation(),
                List.of("w1"), "pekko://gale@127.0.0.1:1"));
        node(rm2, "a", 4, Map.of(), running.nodeId().equals("a") ? onNode : List.of());
        node(rm2, "b", 4, Map.of(), running.nodeId().equals("b") ? onNode : List.of());
        Holder other = new Holder("other", "exp2", rm2);
        other.pool.want("k", Bundle.of(ResourceSpec.ofCpus(2)), 8, null);
        other.nothing(); // rebuilding: nothing is granted before holders had time to re-attach
        h.pool.sync();
        ResourceManager.SyncHolder sync = assertInstanceOf(ResourceManager.SyncHolder.class, proxy.receiveMessage(WAIT));
        rm2.tell(new ResourceManager.SyncHolder(sync.holderId(), sync.group(), sync.replyTo(),
                List.of(running, idle, held.get(2), gone), sync.wants()));
        LeaseReply r = h.inbox.receiveMessage(WAIT);
        while (r instanceof LeaseReply.Contention) r = h.inbox.receiveMessage(WAIT);
        LeaseReply.Revoked lost = assertInstanceOf(LeaseReply.Revoked.class, r, "the lease on a node that is gone is revoked");
        assertEquals("gone-1", lost.leaseId());
        assertTrue(lost.reason().contains("not in the cluster"), lost.reason());
        // what the three re-adopted leases hold is not granted again: 8 CPUs, 6 held
        LeasePool.Event.Granted g = other.granted();
        other.nothing();
        assertEquals(1, g.leases().size());
        ClusterStatus st = status(rm2);
        int leases = 0;
        double free = 0;
        for (ClusterStatus.Node n : st.nodes()) {
            leases += n.leases();
            free += n.freeCpus();
        }
        assertEquals(4, leases);
        assertEquals(0.0, free, 1e-9);
        List<String> holders = new ArrayList<>();
        for (ClusterStatus.Node n : st.nodes()) holders.addAll(n.holders());
        holders.sort(null);
        assertEquals(List.of("exp/k", "exp/k", "exp/k", "exp2/k"), holders, "the re-adopted leases belong to their holder again");
        // and the holder can release them as usual
        h.pool.release(idle);
        rm2.tell(proxy.receiveMessage(WAIT));
        assertNotNull(other.granted());
    }

    /**
     * The race HeadNodeLossTest met once: a holder re-attaches its lease before the lease's node
     * re-registered with the new ResourceManager (the claim waits for the rebuild to end), the
     * node then reports the lease, and the holder releases it (its task ended) before the rebuild
     * ended. The released lease must not be adopted again by the waiting claim.
     */
    @Test
    void aLeaseReleasedWhileItsClaimWaitsForTheRebuildIsNotAdoptedAgain() {
        TestProbe<ResourceManager.Command> proxy = kit.createTestProbe();
        node(rm, "a", 2, Map.of(), List.of());
        Holder h = new Holder("h", "exp", proxy.ref());
        h.pool.want("k", Bundle.of(ResourceSpec.ofCpus(1)), 2, null);
        rm.tell(proxy.receiveMessage(WAIT));
        List<Lease> held = new ArrayList<>();
        for (int i = 0; i < 2; i++) held.addAll(h.granted().leases());

        kit.stop(rm);
        ActorRef<ResourceManager.Command> rm2 = kit.spawn(ResourceManager.create(clock, true));
        h.pool.sync();
        rm2.tell(proxy.receiveMessage(WAIT)); // the claims arrive first: node a has not re-registered
        List<NodeAgent.RunningLease> onNode = new ArrayList<>();
        for (Lease l : held) {
            onNode.add(new NodeAgent.RunningLease(l.leaseId(), l.allocation(), List.of("w-" + l.leaseId()), "pekko://gale@127.0.0.1:1"));
        }
        node(rm2, "a", 2, Map.of(), onNode);
        assertEquals(2, status(rm2).nodes().getFirst().leases(), "the node's report is adopted");
        for (Lease l : held) {
            h.pool.release(l);
            rm2.tell(proxy.receiveMessage(WAIT));
        }
        // the rebuild ends (holders' grace) and settles the claims that waited; a 2-CPU lease then
        // fits node a only when neither released lease was adopted again
        Holder other = new Holder("other", "exp2", rm2);
        other.pool.want("k", Bundle.of(ResourceSpec.ofCpus(2)), 1, null);
        assertEquals(1, other.granted().leases().size());
        ClusterStatus st = status(rm2);
        assertEquals(List.of("exp2/k"), st.nodes().getFirst().holders(), st.toString());
        LeaseReply r = h.inbox.receiveMessage(WAIT);
        while (r instanceof LeaseReply.Contention) r = h.inbox.receiveMessage(WAIT);
        assertInstanceOf(LeaseReply.Revoked.class, r, "the waiting claim is revoked");
    }
}
