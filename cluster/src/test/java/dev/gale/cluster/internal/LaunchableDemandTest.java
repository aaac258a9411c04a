package dev.gale.cluster.internal;

import dev.gale.cluster.Bundle;
import dev.gale.cluster.DemandSnapshot;
import dev.gale.cluster.NodeShape;
import dev.gale.cluster.Placement;
import dev.gale.cluster.PlacementModel;
import dev.gale.cluster.ResourceManager;
import dev.gale.cluster.SimulatedPlacement;
import dev.gale.cluster.testkit.ManualClock;
import dev.gale.gpu.GpuDevice;
import dev.gale.gpu.NodeInventory;
import dev.gale.gpu.ResourceSpec;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Node types an autoscaler may launch ({@link PlacementEngine#setLaunchable}): demand that fits
 * no current node but fits such types waits instead of being refused, and is refused when they
 * are withdrawn; {@link PlacementModel} and {@link SimulatedPlacement} place as the engine does.
 */
class LaunchableDemandTest {
    static final long GIB = 1L << 30;
    final ManualClock clock = new ManualClock(Instant.parse("2025-01-01T00:00:00Z"));
    final List<String> granted = new ArrayList<>();
    final List<String> refused = new ArrayList<>();
    PlacementEngine<String> engine;

    @BeforeEach
    void setUp() {
        engine = new PlacementEngine<>(clock, "L-", new PlacementEngine.Listener<>() {
            @Override
            public void granted(DemandEntry<String> e, List<EngineLease<String>> leases) {
                granted.add(e.demandKey());
            }

            @Override
            public void refused(DemandEntry<String> e, String reason) {
                refused.add(e.demandKey() + ": " + reason);
            }

            @Override
            public void timedOut(DemandEntry<String> e, String reason) {
                refused.add(e.demandKey() + ": " + reason);
            }
        });
    }

    static NodeInventory cpus(double n) {
        return new NodeInventory(n, 16 * GIB, List.of(), Map.of());
    }

    static NodeShape cpuShape(double n) {
        return new NodeShape(cpus(n), Map.of());
    }

    void want(String key, Bundle b) {
        engine.want("h", key, "h", "h", b, 1, 0, -1, true, false);
    }

    @Test
    void demandThatFitsOnlyALaunchableTypeWaitsAndIsGrantedWhenSuchANodeJoins() {
        engine.addNode("head", cpus(2), Map.of());
        engine.drain();
        engine.setLaunchable(List.of(new ResourceManager.Launchable("cpu-8", cpuShape(8), 3)));
        want("big", Bundle.of(ResourceSpec.ofCpus(6)));
        engine.drain();
        assertEquals(List.of(), refused, "it fits a cpu-8 node: it waits");
        assertEquals(1, engine.waitingBundles());
        engine.addNode("n1", cpus(8), Map.of());
        engine.drain();
        assertEquals(List.of("big"), granted);
    }

    @Test
    void aGangIsHeldOnlyWithAsManyLaunchableNodesAsItNeeds() {
        engine.addNode("head", cpus(2), Map.of());
        engine.drain();
        Bundle gang = Bundle.gang(3, ResourceSpec.ofCpus(4), Placement.STRICT_SPREAD);
        engine.setLaunchable(List.of(new ResourceManager.Launchable("cpu-4", cpuShape(4), 2)));
        want("gang-two", gang);
        engine.drain();
        assertEquals(1, refused.size(), "two cpu-4 nodes and a 2-CPU head cannot hold 3 x 4 CPUs spread: " + refused);
        assertTrue(refused.getFirst().contains("cpu-4 (up to 2)"), "the reason names the launchable types: " + refused);
        engine.setLaunchable(List.of(new ResourceManager.Launchable("cpu-4", cpuShape(4), 3)));
        want("gang-three", gang);
        engine.drain();
        assertEquals(1, refused.size(), "three cpu-4 nodes hold it: it waits");
        assertEquals(1, engine.waitingBundles());
    }

    @Test
    void withdrawingTheTypesRefusesDemandThatFitsNothingThen() {
        engine.addNode("head", cpus(2), Map.of());
        engine.drain();
        engine.setLaunchable(List.of(new ResourceManager.Launchable("cpu-8", cpuShape(8), 1)));
        want("big", Bundle.of(ResourceSpec.ofCpus(6)));
        engine.drain();
        assertEquals(0, refused.size());
        engine.setLaunchable(List.of());
        assertEquals(1, refused.size(), "no cpu-8 may be launched any more: refused then");
        assertTrue(refused.getFirst().startsWith("big: "), refused.toString());
        assertEquals(0, engine.waitingBundles());
    }

    @Test
    void gpuDemandIsStillRefusedWithOnlyCpuTypes() {
        engine.addNode("head", cpus(2), Map.of());
        engine.drain();
        engine.setLaunchable(List.of(new ResourceManager.Launchable("cpu-8", cpuShape(8), 10)));
        want("gpu", Bundle.of(ResourceSpec.ofCpus(1).withGpus(1)));
        engine.drain();
        assertEquals(1, refused.size(), "no launchable type has a GPU: " + refused);
    }

    @Test
    void theClusterStatusCountsLaunchableTypesAsFeasibleSoAClientWaitsForTheirNodes() {
        engine.addNode("head", cpus(1), Map.of());
        engine.drain();
        dev.gale.cluster.ClusterStatus before = StatusViews.status(engine, clock);
        assertFalse(before.feasible(ResourceSpec.ofCpus(2)), "no node holds 2 CPUs and nothing may be launched");
        engine.setLaunchable(List.of(new ResourceManager.Launchable("cpu-2", cpuShape(2), 2)));
        dev.gale.cluster.ClusterStatus st = StatusViews.status(engine, clock);
        assertEquals(List.of(new ResourceManager.Launchable("cpu-2", cpuShape(2), 2)), st.launchable());
        assertTrue(st.feasible(ResourceSpec.ofCpus(2)), "a cpu-2 node may be launched for it");
        assertFalse(st.feasible(ResourceSpec.ofCpus(3)), "no type holds 3 CPUs");
        assertFalse(st.feasible(ResourceSpec.ofCpus(1).withGpus(1)), "no type has a GPU");
        engine.setLaunchable(List.of(new ResourceManager.Launchable("cpu-2", cpuShape(2), 0)));
        assertFalse(StatusViews.status(engine, clock).feasible(ResourceSpec.ofCpus(2)), "no more cpu-2 nodes may be added");
    }

    @Test
    void placementModelPlacesOnEmptyAndPartlyUsedNodesWithTheEnginesRules() {
        PlacementModel m = new PlacementModel();
        int a = m.addEmpty("a", cpuShape(4));
        assertTrue(m.place(Bundle.gang(2, ResourceSpec.ofCpus(2), Placement.STRICT_PACK)));
        assertEquals(a, m.lastNode(0));
        assertEquals(2, m.placedOn(a));
        assertEquals(0.0, m.freeCpus(a), 1e-9);
        assertFalse(m.place(Bundle.of(ResourceSpec.ofCpus(1))), "the node is full: nothing over-committed");
        int b = m.addCurrent(new DemandSnapshot.NodeState("b", cpus(4), 1.0, 16 * GIB, List.of(), List.of(), Map.of(),
                Map.of(), false, null, null, 1));
        assertFalse(m.place(Bundle.of(ResourceSpec.ofCpus(2))), "3 of b's 4 CPUs are in use");
        assertTrue(m.place(Bundle.of(ResourceSpec.ofCpus(1))));
        assertEquals(b, m.lastNode(0));
        assertFalse(m.place(Bundle.gang(2, ResourceSpec.ofCpus(1), Placement.STRICT_SPREAD)), "all or nothing");
        assertEquals(2, m.placedOn(a), "a failed bundle leaves no trace");
    }

    @Test
    void simulatedPlacementGrantsWhenNodesJoinAndGivesLeasesBackWhenTheyGo() {
        List<String> nodesGranted = new ArrayList<>();
        SimulatedPlacement sim = new SimulatedPlacement(clock, (holder, key, leases, nodes) -> nodesGranted.addAll(nodes));
        sim.want("t", "k", "g", Bundle.of(ResourceSpec.ofCpus(2)), 3, 0);
        assertEquals(3, sim.waitingBundles());
        assertEquals(3, sim.snapshot().waitingBundles());
        sim.addNode("n1", cpus(4), Map.of());
        assertEquals(List.of("n1", "n1"), nodesGranted);
        assertEquals(2, sim.leasesOn("n1"));
        assertEquals(1, sim.waitingBundles());
        assertEquals(2, sim.removeNode("n1").size());
        assertNotEquals(0, sim.waitingBundles());
    }
}
