package dev.gale.cluster.internal;

import dev.gale.cluster.Bundle;
import dev.gale.cluster.NodeShape;
import dev.gale.cluster.Placement;
import dev.gale.cluster.testkit.ManualClock;
import dev.gale.gpu.Allocation;
import dev.gale.gpu.GpuDevice;
import dev.gale.gpu.NodeInventory;
import dev.gale.gpu.ResourceSpec;
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
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The placement engine without actors: bundles all or nothing, STRICT_PACK / STRICT_SPREAD and
 * the best-effort strategies, labels, refusal with the node shapes named, pending timeouts that
 * only count while the group holds nothing, count-based demand that never over-grants, fairness
 * across groups, draining, pause/resume and re-adoption of leases.
 */
class PlacementEngineTest {
    static final long GIB = 1L << 30;

    record Grant(String holder, String key, List<EngineLease<String>> leases) {
        Set<String> nodes() {
            Set<String> s = new HashSet<>();
            for (EngineLease<String> h : leases) s.add(h.node().id());
            return s;
        }
    }

    final ManualClock clock = new ManualClock(Instant.parse("2025-01-01T00:00:00Z"));
    final List<Grant> grants = new ArrayList<>();
    final List<String> refused = new ArrayList<>();
    final List<String> timedOut = new ArrayList<>();
    PlacementEngine<String> engine;

    @BeforeEach
    void setUp() {
        engine = new PlacementEngine<>(clock, "L-", new PlacementEngine.Listener<>() {
            @Override
            public void granted(DemandEntry<String> e, List<EngineLease<String>> leases) {
                grants.add(new Grant(e.holder(), e.demandKey(), List.copyOf(leases)));
            }

            @Override
            public void refused(DemandEntry<String> e, String reason) {
                refused.add(e.demandKey() + ": " + reason);
            }

            @Override
            public void timedOut(DemandEntry<String> e, String reason) {
                timedOut.add(e.demandKey() + ": " + reason);
            }
        });
    }

    static NodeInventory cpus(double n) {
        return new NodeInventory(n, 16 * GIB, List.of(), Map.of());
    }

    static NodeInventory gpus(double cpus, int n) {
        List<GpuDevice> g = new ArrayList<>();
        for (int i = 0; i < n; i++) g.add(new GpuDevice(i, "GPU-" + i, "Fake A100", 40 * GIB, 0, 0));
        return new NodeInventory(cpus, 64 * GIB, g, Map.of());
    }

    DemandEntry<String> want(String holder, String key, Bundle b, int count) {
        return engine.want(holder, key, holder, holder, b, count, 0, -1, true, false);
    }

    Grant last() {
        return grants.getLast();
    }

    @Test
    void strictPackPutsTheWholeBundleOnOneNodeOrWaits() {
        engine.addNode("a", cpus(4), Map.of());
        engine.addNode("b", cpus(4), Map.of());
        engine.drain();
        want("h", "one", Bundle.of(ResourceSpec.ofCpus(1)), 1);
        assertEquals(1, grants.size());
        // 3 + 3 CPUs free on two nodes: 6 CPUs in all, but no node has 4
        want("h", "four", Bundle.gang(4, ResourceSpec.ofCpus(1), Placement.STRICT_PACK), 1);
        Grant g = last();
        assertEquals(1, g.nodes().size(), "STRICT_PACK: one node");
        assertEquals(4, g.leases().size());
        assertNotNullOfOtherNode(g);
        want("h", "four-more", Bundle.gang(4, ResourceSpec.ofCpus(1), Placement.STRICT_PACK), 1);
        assertEquals(2, grants.size(), "3 CPUs free on one node, none on the other: it waits");
        assertEquals(1, engine.waiting().size());
        engine.release(grants.getFirst().leases().getFirst().leaseId());
        engine.drain();
        assertEquals(3, grants.size(), "once one node has 4 free it is granted there");
        assertEquals(1, last().nodes().size());
    }

    private void assertNotNullOfOtherNode(Grant g) {
        String first = grants.getFirst().leases().getFirst().node().id();
        assertFalse(g.nodes().contains(first), "the node with 4 CPUs free is the other one");
    }

    @Test
    void strictSpreadUsesDistinctNodesAndWaitsForEnough() {
        engine.addNode("a", cpus(2), Map.of());
        engine.addNode("b", cpus(2), Map.of());
        engine.addNode("c", cpus(2), Map.of());
        want("h", "trio", Bundle.gang(3, ResourceSpec.ofCpus(1), Placement.STRICT_SPREAD), 1);
        assertEquals(Set.of("a", "b", "c"), last().nodes());
        want("h", "big", Bundle.of(ResourceSpec.ofCpus(1)), 1); // takes the rest of one node
        String full = last().leases().getFirst().node().id();
        want("h", "trio2", Bundle.gang(3, ResourceSpec.ofCpus(1), Placement.STRICT_SPREAD), 1);
        assertEquals(2, grants.size(), "only two nodes have a CPU free: it waits, nothing is half placed");
        assertEquals(1, engine.node(full).allocator().freeCpus() < 1e-9 ? 1 : 0);
        assertEquals(1.0, engine.node(full.equals("a") ? "b" : "a").allocator().freeCpus(), 1e-9);
        want("h", "gang4", Bundle.gang(4, ResourceSpec.ofCpus(1), Placement.STRICT_SPREAD), 1);
        assertEquals(1, refused.size(), "4 distinct nodes are needed, the cluster has 3: refused at once");
        assertTrue(refused.getFirst().contains("4 x [cpus=1] STRICT_SPREAD") && refused.getFirst().contains("3 x {cpus 2"),
                refused.getFirst());
    }

    @Test
    void packUsesFewNodesAndSpreadManyForSeveralSpecs() {
        for (String n : List.of("a", "b", "c", "d")) engine.addNode(n, cpus(4), Map.of());
        want("h", "p", Bundle.gang(4, ResourceSpec.ofCpus(1), Placement.PACK), 1);
        assertEquals(1, last().nodes().size(), "PACK: one node when it fits");
        want("h", "s", Bundle.gang(3, ResourceSpec.ofCpus(1), Placement.SPREAD), 1);
        assertEquals(3, last().nodes().size(), "SPREAD: distinct nodes while there are");
        want("h", "s2", Bundle.gang(6, ResourceSpec.ofCpus(1), Placement.SPREAD), 1);
        assertEquals(3, last().nodes().size(), "SPREAD (best effort) may share nodes when it must: 3 nodes have room");
        assertEquals(6, last().leases().size());
    }

    @Test
    void aBundleIsPlacedAllOrNothing() {
        engine.addNode("a", cpus(2), Map.of());
        engine.addNode("b", cpus(2), Map.of());
        want("h", "x", Bundle.of(ResourceSpec.ofCpus(1.5)), 2);
        assertEquals(2, grants.size());
        double freeBefore = engine.node("a").allocator().freeCpus() + engine.node("b").allocator().freeCpus();
        want("h", "gang", Bundle.gang(2, ResourceSpec.ofCpus(0.5), Placement.STRICT_SPREAD), 1);
        assertEquals(3, grants.size(), "0.5 free on each node: a STRICT_SPREAD pair fits");
        want("h", "gang2", Bundle.gang(3, ResourceSpec.ofCpus(0.5), Placement.PACK), 1);
        assertEquals(3, grants.size());
        assertEquals(freeBefore - 1.0, engine.node("a").allocator().freeCpus() + engine.node("b").allocator().freeCpus(), 1e-9,
                "the gang that did not fit took nothing");
    }

    @Test
    void labelsSelectNodesAndABundleNoLabelledNodeCanHoldIsRefusedNamingTheShapes() {
        engine.addNode("plain", cpus(8), Map.of());
        engine.addNode("ssd", cpus(2), Map.of("disk", "ssd", "zone", "a"));
        want("h", "k", new Bundle(List.of(ResourceSpec.ofCpus(1)), Placement.PACK, Map.of("disk", "ssd")), 3);
        assertEquals(2, grants.size(), "only the ssd node qualifies, and it has 2 CPUs");
        for (Grant g : grants) assertEquals(Set.of("ssd"), g.nodes());
        assertEquals(1, engine.waiting().getFirst().outstanding());
        want("h", "big", new Bundle(List.of(ResourceSpec.ofCpus(4)), Placement.PACK, Map.of("disk", "ssd")), 1);
        assertEquals(1, refused.size());
        String r = refused.getFirst();
        assertTrue(r.contains("1 x [cpus=4] PACK on {disk=ssd}"), r);
        assertTrue(r.contains("1 x {cpus 8, memory 16.0GiB}") && r.contains("1 x {cpus 2, memory 16.0GiB, labels {disk=ssd, zone=a}}"), r);
        want("h", "nolabel", new Bundle(List.of(ResourceSpec.ofCpus(1)), Placement.PACK, Map.of("zone", "b")), 1);
        assertEquals(2, refused.size(), "no node has zone=b");
    }

    @Test
    void unmetDemandThatAskedNotToBeRefusedWaitsAsInfeasible() {
        engine.addNode("a", cpus(2), Map.of());
        DemandEntry<String> e = engine.want("h", "huge", "h", "g", Bundle.of(ResourceSpec.ofCpus(64)), 1, 0, -1, false, false);
        assertEquals(List.of(), refused);
        assertTrue(e.waiting);
        assertFalse(engine.feasible(e));
        engine.addNode("big", cpus(64), Map.of());
        engine.drain();
        assertEquals(Set.of("big"), last().nodes(), "a node of the right shape joined: granted");
    }

    @Test
    void countsNeverOverGrantWhenUpdatesCrossGrants() {
        engine.addNode("a", cpus(10), Map.of());
        Bundle one = Bundle.of(ResourceSpec.ofCpus(1));
        engine.want("h", "k", "h", "g", one, 3, 0, -1, true, false);
        assertEquals(3, grants.size(), "3 wanted, 3 granted");
        // the holder has not seen those grants yet (received 0) and says it still wants 3: the
        // engine knows 3 are on their way, so it grants nothing more
        engine.want("h", "k", "h", "g", one, 3, 0, -1, true, false);
        assertEquals(3, grants.size());
        // it received 2 and wants 2 more beyond those it holds: 1 is still on its way, so 1 more
        engine.want("h", "k", "h", "g", one, 2, 2, -1, true, false);
        assertEquals(4, grants.size());
        // all seen (received 4), wants 0: nothing
        engine.want("h", "k", "h", "g", one, 0, 4, -1, true, false);
        assertEquals(4, grants.size());
        engine.want("h", "k", "h", "g", one, 10, 4, -1, true, false);
        assertEquals(10, grants.size(), "10 CPUs in all");
        assertEquals(4, engine.waiting().getFirst().outstanding());
    }

    @Test
    void theGroupHoldingFewestLeasesIsServedFirstAndLaterBundlesThatFitAreNotBlocked() {
        engine.addNode("a", cpus(2), Map.of());
        Bundle one = Bundle.of(ResourceSpec.ofCpus(1));
        engine.want("A", "k", "A", "expA", one, 2, 0, -1, true, false);
        engine.want("A", "k", "A", "expA", one, 3, 0, -1, true, false); // one more queued for expA
        engine.want("B", "k", "B", "expB", one, 1, 0, -1, true, false);
        assertEquals(2, grants.size());
        engine.release(grants.getFirst().leases().getFirst().leaseId());
        engine.drain();
        assertEquals("B", last().holder(), "expB holds nothing: served before expA's older demand");
        // a big bundle waits; a small later one that fits is not blocked by it
        engine.want("C", "big", "C", "expC", Bundle.of(ResourceSpec.ofCpus(2)), 1, 0, -1, true, false);
        engine.release(grants.get(1).leases().getFirst().leaseId());
        engine.drain();
        assertEquals("A", last().holder(), "the freed CPU goes to expA's waiting 1-CPU demand (expC needs 2)");
    }

    @Test
    void pendingTimeoutCountsOnlyWhileTheGroupHoldsNothing() {
        engine.addNode("a", cpus(1), Map.of());
        Bundle one = Bundle.of(ResourceSpec.ofCpus(1));
        engine.want("X", "k", "X", "expX", one, 1, 0, -1, true, false); // expX holds the CPU
        engine.want("Y", "k", "Y", "expY", one, 1, 0, 30_000, true, false);
        engine.want("X", "k2", "X", "expX", one, 1, 0, 30_000, true, false); // queued behind its own work
        clock.advance(Duration.ofSeconds(29));
        assertFalse(engine.expire());
        clock.advance(Duration.ofSeconds(2));
        assertTrue(engine.expire());
        assertEquals(1, timedOut.size(), timedOut.toString());
        String r = timedOut.getFirst();
        assertTrue(r.startsWith("k: bundle 1 x [cpus=1] PACK (Y / k) of group 'expY' waited 31.0 s while its group held no lease"), r);
        assertTrue(r.contains("held by group 'expX' (1 lease)"), r);
        clock.advance(Duration.ofHours(1));
        engine.expire();
        assertEquals(1, timedOut.size(), "expX's own queued demand never times out while expX holds a lease");
    }

    @Test
    void drainingNodesTakeNothingNewAndRevokeGivesTheirLeasesBack() {
        engine.addNode("a", cpus(2), Map.of());
        engine.addNode("b", cpus(2), Map.of());
        Bundle one = Bundle.of(ResourceSpec.ofCpus(1), Placement.SPREAD);
        want("h", "k", one, 2);
        assertEquals(Set.of("a", "b"), new HashSet<>(List.of(grants.get(0).leases().getFirst().node().id(),
                grants.get(1).leases().getFirst().node().id())));
        engine.setDraining("a", clock.millis() + 60_000);
        want("h", "k2", one, 2);
        assertEquals(3, grants.size(), "only b takes new work");
        assertEquals(Set.of("b"), last().nodes());
        List<EngineLease<String>> revoked = engine.revokeNode("a");
        assertEquals(1, revoked.size());
        assertEquals(2.0, engine.node("a").allocator().freeCpus(), 1e-9);
        assertEquals(0, engine.node("a").leases());
        assertTrue(engine.node("a").idleSinceMs() >= 0);
        engine.setDraining("a", -1);
        engine.drain();
        assertEquals(4, grants.size(), "undrained: the waiting demand goes there");
        assertEquals(Set.of("a"), last().nodes());
    }

    @Test
    void pausedEngineNeitherGrantsNorRefusesUntilResumed() {
        engine.pause();
        engine.addNode("a", cpus(2), Map.of());
        want("h", "k", Bundle.of(ResourceSpec.ofCpus(1)), 1);
        want("h", "never", Bundle.of(ResourceSpec.ofCpus(9)), 1);
        assertEquals(List.of(), grants);
        assertEquals(List.of(), refused);
        engine.resume();
        assertEquals(1, grants.size());
        assertEquals(1, refused.size());
    }

    @Test
    void adoptedLeasesAreAccountedExactlyAndConflictsRefused() {
        engine.addNode("g", gpus(8, 2), Map.of());
        ResourceSpec spec = ResourceSpec.ofCpus(2).withGpus(1);
        Allocation onGpu1 = new Allocation(spec, 2, 0, List.of(new dev.gale.gpu.GpuShare(1, 1.0, 40 * GIB)), Map.of());
        EngineLease<String> h = engine.adopt("old-1", "g", onGpu1, "k", "exp", null);
        assertNotNull(h);
        assertEquals(0.0, engine.node("g").allocator().freeGpuFraction(1), 1e-9);
        assertNull(engine.adopt("old-2", "g", onGpu1, "k", "exp", null), "GPU 1 is taken: a second claim on it is refused");
        assertNull(engine.adopt("old-3", "nowhere", onGpu1, "k", "exp", null));
        assertFalse(engine.issuedHere("old-1"));
        want("h", "gpu", Bundle.of(spec), 2);
        assertEquals(1, grants.size(), "one GPU is left");
        assertEquals(0, last().leases().getFirst().allocation().gpus().getFirst().index());
        assertTrue(engine.issuedHere(last().leases().getFirst().leaseId()));
        engine.bind(h, "h", "exp", "k");
        assertEquals(2, engine.heldBy("exp") + engine.heldBy("h"));
        engine.release("old-1");
        engine.drain();
        assertEquals(2, grants.size());
    }

    @Test
    void feasibilityIsAFunctionOfTheBundleAndNodeShapes() {
        NodeShape small = new NodeShape(cpus(2), Map.of());
        NodeShape gpu = new NodeShape(gpus(8, 1), Map.of("pool", "gpu"));
        Bundle pair = Bundle.gang(2, ResourceSpec.ofCpus(1).withGpus(1), Placement.STRICT_SPREAD);
        assertFalse(pair.feasibleOn(List.of(small, gpu)), "one GPU node: a STRICT_SPREAD pair of GPU workers cannot fit");
        assertTrue(pair.feasibleOn(List.of(small, gpu, gpu)), "an autoscaler adding a second GPU node makes it fit");
        assertFalse(Bundle.gang(3, ResourceSpec.ofCpus(1), Placement.STRICT_PACK).feasibleOn(List.of(small, small)));
        assertTrue(Bundle.gang(3, ResourceSpec.ofCpus(1), Placement.PACK).feasibleOn(List.of(small, small)));
        assertFalse(Bundle.of(ResourceSpec.ofCpus(1)).withLabels(Map.of("pool", "cpu")).feasibleOn(List.of(small, gpu)));
        assertTrue(Bundle.of(ResourceSpec.ofCpus(1)).withLabels(Map.of("pool", "gpu")).feasibleOn(List.of(small, gpu)));
    }
}
