package dev.gale.cluster.internal;

import dev.gale.cluster.Bundle;
import dev.gale.cluster.Placement;
import dev.gale.cluster.testkit.ManualClock;
import dev.gale.gpu.ResourceSpec;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Which nodes consolidation would empty: only nodes whose every lease (and every lease of the same
 * grants) is movable, whose work fits on the nodes that stay, least-used first, never a node that
 * is both emptied and filled, gangs moved whole, and nothing changed in the engine.
 */
class ConsolidatorTest {
    final ManualClock clock = new ManualClock(Instant.parse("2025-01-01T00:00:00Z"));
    final List<List<EngineLease<String>>> grants = new ArrayList<>();
    PlacementEngine<String> engine;

    @BeforeEach
    void setUp() {
        engine = new PlacementEngine<>(clock, "L-", new PlacementEngine.Listener<>() {
            @Override
            public void granted(DemandEntry<String> e, List<EngineLease<String>> leases) {
                grants.add(List.copyOf(leases));
            }

            @Override
            public void refused(DemandEntry<String> e, String reason) {
            }

            @Override
            public void timedOut(DemandEntry<String> e, String reason) {
            }
        });
    }

    /** Grants {@code count} bundles of {@code b} now; returns their leases, grant by grant. */
    List<List<EngineLease<String>>> grant(String key, Bundle b, int count) {
        int before = grants.size();
        engine.want("h", key, "h", "g", b, count, 0, -1, true, false);
        engine.drain();
        assertEquals(before + count, grants.size(), "granted " + key);
        return List.copyOf(grants.subList(before, grants.size()));
    }

    void movable(List<List<EngineLease<String>>> gs) {
        for (List<EngineLease<String>> g : gs) for (EngineLease<String> h : g) engine.setMovable(h.leaseId(), true);
    }

    String nodeOf(List<List<EngineLease<String>>> gs) {
        return gs.getFirst().getFirst().node().id();
    }

    /** Grants on {@code node} only (the other nodes drained meanwhile). */
    List<List<EngineLease<String>>> grantOn(String node, String key, Bundle b, int count) {
        List<String> others = new ArrayList<>();
        for (NodeSlot n : engine.nodes()) if (!n.id().equals(node) && !n.draining()) others.add(n.id());
        for (String o : others) engine.setDraining(o, clock.millis() + 60_000);
        var out = grant(key, b, count);
        for (String o : others) engine.setDraining(o, -1);
        for (List<EngineLease<String>> g : out) for (EngineLease<String> h : g) assertEquals(node, h.node().id());
        return out;
    }

    @Test
    void theLeastUsedNodeWhoseMovableWorkFitsElsewhereIsChosenAndNothingChanges() {
        for (String n : List.of("a", "b")) engine.addNode(n, PlacementEngineTest.cpus(16), null);
        engine.addNode("c", PlacementEngineTest.cpus(4), null);
        var onA = grantOn("a", "big", Bundle.of(ResourceSpec.ofCpus(12)), 1);
        var onB = grantOn("b", "small", Bundle.of(ResourceSpec.ofCpus(1)), 2);
        movable(onA);
        movable(onB);
        // b (2 CPUs used) is tried first: its trials fit on a or c; a's 12-CPU trial then fits nowhere (b is being emptied, c has 4)
        assertEquals(List.of("b"), Consolidator.choose(engine, id -> true, 5, 10));
        assertEquals(4, engine.node("a").allocator().freeCpus(), 1e-9, "the engine is not changed");
        assertEquals(2, engine.node("b").leases());
        assertEquals(List.of(), Consolidator.choose(engine, id -> true, 0, 10), "maxNodes 0");
    }

    @Test
    void aNodeWithWorkNotMarkedMovableIsNeverChosen() {
        for (String n : List.of("a", "b")) engine.addNode(n, PlacementEngineTest.cpus(16), null);
        var onA = grantOn("a", "t", Bundle.of(ResourceSpec.ofCpus(1)), 2);
        var onB = grantOn("b", "u", Bundle.of(ResourceSpec.ofCpus(1)), 1);
        movable(onA);
        engine.setMovable(onB.getFirst().getFirst().leaseId(), false);
        // b is not movable; a's two trials would fit on b, but a is tried only after b and is chosen
        assertEquals(List.of("a"), Consolidator.choose(engine, id -> true, 5, 10));
        movable(onB);
        assertEquals(List.of("b"), Consolidator.choose(engine, id -> true, 5, 10), "b uses 1 CPU, a 2: b first, fits on a, then a has nowhere to go");
        for (List<EngineLease<String>> g : onA) engine.setMovable(g.getFirst().leaseId(), false);
        assertEquals(List.of("b"), Consolidator.choose(engine, id -> true, 5, 10));
    }

    @Test
    void chosenNodesAreNeverTargetsAndTheirWorkFitsTogether() {
        for (String n : List.of("a", "b", "c")) engine.addNode(n, PlacementEngineTest.cpus(4), null);
        movable(grantOn("a", "x", Bundle.of(ResourceSpec.ofCpus(1)), 2));
        movable(grantOn("b", "y", Bundle.of(ResourceSpec.ofCpus(1)), 2));
        movable(grantOn("c", "z", Bundle.of(ResourceSpec.ofCpus(1)), 3));
        // a and b (2 of 4 used) could each go to the other, c has 1 free: only one of a, b is emptied
        assertEquals(List.of("a"), Consolidator.choose(engine, id -> true, 5, 10), "equal use: by id; then b's 2 fit nowhere, c's 3 neither");
        assertEquals(List.of("a"), Consolidator.choose(engine, id -> true, 5, 1), "maxTried 1");
        assertEquals(List.of("b"), Consolidator.choose(engine, id -> !id.equals("a"), 5, 10), "a may not be emptied: b goes to a");
    }

    @Test
    void aGangMovesWholeAndOnlyWhenEveryMemberIsMovable() {
        for (String n : List.of("a", "b", "c", "d")) engine.addNode(n, PlacementEngineTest.cpus(4), null);
        var gang = grant("gang", Bundle.gang(3, ResourceSpec.ofCpus(2), Placement.STRICT_SPREAD), 1);
        List<String> members = new ArrayList<>();
        for (EngineLease<String> h : gang.getFirst()) members.add(h.node().id());
        assertEquals(3, members.size());
        engine.setMovable(gang.getFirst().get(0).leaseId(), true);
        engine.setMovable(gang.getFirst().get(1).leaseId(), true);
        assertEquals(List.of(), Consolidator.choose(engine, id -> true, 5, 10), "one member is not movable");
        engine.setMovable(gang.getFirst().get(2).leaseId(), true);
        // the gang's nodes each use 2 of 4 CPUs; moving the gang off one of them needs three other distinct nodes with 2 free:
        // the fourth node and the gang's own two other nodes, which its members leave
        List<String> chosen = Consolidator.choose(engine, id -> true, 1, 10);
        assertEquals(1, chosen.size());
        assertTrue(members.contains(chosen.getFirst()), chosen + " among " + members);
    }
}
