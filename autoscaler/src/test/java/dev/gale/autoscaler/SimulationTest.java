package dev.gale.autoscaler;

import dev.gale.cluster.Bundle;
import dev.gale.cluster.Placement;
import dev.gale.cluster.SimulatedPlacement;
import dev.gale.gpu.ResourceSpec;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The autoscaler's reconcile code against a simulated provider: a trace of trials on up to
 * hundreds of nodes runs to its end, never above the cluster's max, every idle node gone within
 * the idle timeout plus one tick (and the simulated terminate call), and the cost within 2x of
 * the cheapest packing's lower bound; launch failures and a capacity limit move demand to the next type;
 * the exact cheapest packing and the cost split (busy, idle gap, idle tail, boot) on a trace worked
 * out by hand; placement on the fullest node that fits (the cluster's PACK), the busy cost split into
 * the moments when some trial waited and the drain-down after them, and consolidation moving
 * checkpointed trials off under-used nodes.
 */
class SimulationTest {
    static final long GIB = 1L << 30;
    static final NodeType CPU4 = NodeType.of("cpu-4", NodeResources.cpu(4, 16 * GIB), 0.20, 0, 500);
    static final NodeType CPU16 = NodeType.of("cpu-16", NodeResources.cpu(16, 64 * GIB), 0.76, 0, 500);

    static ClusterConfig cluster(int maxNodes) {
        AutoscalerSettings s = AutoscalerSettings.defaults().withMaxNodes(maxNodes);
        return new ClusterConfig("sim", HeadConfig.defaults(), ProviderConfig.local(), s, List.of(CPU16, CPU4));
    }

    @Test
    void aTraceOfThousandsOfTrialsRunsWithinTheLimitsAndIdleNodesGoInTime() {
        List<Simulation.Trial> trace = Simulation.tuningDay(3000, 42);
        ClusterConfig c = cluster(200);
        Simulation.Report r = Simulation.autoscaled(c, new Simulation.Provider(60, 30, 0.0, Map.of(), 1), trace);
        assertEquals(3000, r.trials(), "every trial ran");
        assertTrue(r.peakNodes() <= 200, "never above maxNodes: " + r.peakNodes());
        assertTrue(r.peakNodes() >= 100, "the burst needs many nodes: " + r.peakNodes());
        Duration bound = c.autoscaler().idleTimeout().plus(c.autoscaler().tick()).plusSeconds(1);
        assertTrue(r.maxIdleToGone() >= 0 && r.maxIdleToGone() <= bound.toSeconds(), "idle nodes gone within " + bound + ": " + r.maxIdleToGone());
        assertTrue(r.cost() >= r.cheapestCost(), "the lower bound holds: " + r);
        // the bound leaves out boot time, the idle timeout and nodes kept up by their last trial: 2x is the regression line
        assertTrue(r.cost() <= 2.0 * r.cheapestCost(), "cost " + r.cost() + " vs the cheapest packing's lower bound " + r.cheapestCost());
        Simulation.Report again = Simulation.autoscaled(c, new Simulation.Provider(60, 30, 0.0, Map.of(), 1), trace);
        assertEquals(r.cost(), again.cost(), 1e-9, "deterministic for a seed");
    }

    @Test
    void theCheapestPackingAndTheCostSplitAreRightOnATinyHandCheckedTrace() {
        // 16 one-CPU trials at once: 15 of 10 minutes, one of an hour; every node boots in exactly 60 s
        List<Simulation.Trial> trace = new java.util.ArrayList<>();
        for (int i = 0; i < 16; i++) trace.add(new Simulation.Trial(0, i == 0 ? 3600 : 600, Bundle.of(ResourceSpec.ofCpus(1))));
        ClusterConfig c = cluster(10);
        Simulation.Report r = Simulation.autoscaled(c, new Simulation.Provider(60, 0, 0.0, Map.of(), 1), trace);
        assertEquals(16, r.trials());
        // the autoscaler launches one cpu-16 (0.76/h beats 4 x cpu-4 = 0.80/h); it holds a lease for the whole hour
        assertEquals(0.76, r.busyCost(), 1e-9, "one cpu-16 holding leases for 1 h");
        assertEquals(0.76 * 60 / 3600, r.bootCost(), 1e-9, "one node booting for 60 s");
        assertEquals(0, r.idleGapCost(), 1e-9, "every trial was granted the moment the node joined");
        double tail = c.autoscaler().idleTimeout().toSeconds();
        assertTrue(r.idleTailCost() >= 0.76 * tail / 3600 - 1e-9 && r.idleTailCost() <= 0.76 * (tail + 5 + 1) / 3600 + 1e-9,
                "idle tail between idleTimeout and idleTimeout + a tick + the terminate call: " + r.idleTailCost());
        assertEquals(r.cost(), r.busyCost() + r.idleGapCost() + r.idleTailCost() + r.bootCost(), 1e-9, "the split adds up");
        // cheapest packing: 16 CPUs for 10 min (1 x cpu-16 = 0.76/h), then 1 CPU for 50 min (1 x cpu-4 = 0.20/h)
        double packing = 0.76 * 600 / 3600 + 0.20 * 3000 / 3600;
        assertEquals(packing, r.packingCost(), 1e-9);
        assertEquals(packing, r.packingCostUpper(), 1e-9, "exact: no upper bound apart");
        assertEquals(1.0, r.packingExactShare(), 1e-12);
        assertEquals(0.76 / packing, r.packingRatio(), 1e-9, "x2.59: the long trial keeps the whole cpu-16 up");
        // the old bound: 12,600 CPU-seconds at cpu-16's 0.0475 per CPU-hour
        assertEquals(12_600 * 0.76 / 16 / 3600, r.cheapestCost(), 1e-9);

        // one STRICT_SPREAD gang of 3 x 2 CPUs for an hour: three distinct nodes, 3 x cpu-4 = 0.60/h, and the autoscaler's choice too
        Simulation.Report g = Simulation.autoscaled(c, new Simulation.Provider(60, 0, 0.0, Map.of(), 1),
                List.of(new Simulation.Trial(0, 3600, Bundle.gang(3, ResourceSpec.ofCpus(2), Placement.STRICT_SPREAD))));
        assertEquals(0.60, g.packingCost(), 1e-9);
        assertEquals(0.60, g.busyCost(), 1e-9);
        assertEquals(1.0, g.packingRatio(), 1e-9);

        // on a tuning day: the old bound <= the cheapest packing <= what the nodes holding leases cost
        Simulation.Report day = Simulation.autoscaled(cluster(200), new Simulation.Provider(60, 30, 0.0, Map.of(), 1), Simulation.tuningDay(600, 3));
        assertEquals(1.0, day.packingExactShare(), 1e-12, "few shapes: exact throughout");
        assertTrue(day.cheapestCost() <= day.packingCost() + 1e-9 && day.packingCost() <= day.busyCost() + 1e-9, day.toString());
        assertEquals(day.cost(), day.busyCost() + day.idleGapCost() + day.idleTailCost() + day.bootCost(), 1e-6, "the split adds up");
    }

    @Test
    void theSimulationPlacesATrialOnTheFullestNodeThatFitsAsTheClusterDoes() {
        // the simulation's placement is the cluster's own engine with its default (PACK): a new trial goes to the node with
        // the fewest free CPUs that holds it, so lightly used nodes empty and can be retired
        List<String> grantedOn = new ArrayList<>();
        SimulatedPlacement p = new SimulatedPlacement(Clock.systemUTC(),
                (holder, key, leases, nodes) -> grantedOn.add(nodes.getFirst()));
        p.addNode("a", CPU4.resources().inventory(), Map.of());
        p.addNode("b", CPU4.resources().inventory(), Map.of());
        p.want("h", "two", "h", Bundle.of(ResourceSpec.ofCpus(2)), 1, 0);
        p.want("h", "three", "h", Bundle.of(ResourceSpec.ofCpus(3)), 1, 0);
        assertEquals(List.of("a", "b"), grantedOn, "2 CPUs on a (tie: the first node), 3 CPUs only fit b");
        // a has 2 CPUs free, b has 1: one-CPU trials go to b first, then to a
        p.want("h", "one", "h", Bundle.of(ResourceSpec.ofCpus(1)), 2, 0);
        assertEquals(List.of("a", "b", "b", "a"), grantedOn);
    }

    @Test
    void theCostWhileDemandWaitsIsSplitFromTheDrainDown() {
        // one cpu-16 at most (maxNodes 1); 17 one-CPU trials at once: 15 of 10 min, one of 20 min, one that must wait
        List<Simulation.Trial> trace = new ArrayList<>();
        for (int i = 0; i < 17; i++) trace.add(new Simulation.Trial(0, i == 0 ? 1200 : 600, Bundle.of(ResourceSpec.ofCpus(1))));
        Simulation.Report r = Simulation.autoscaled(cluster(1), new Simulation.Provider(60, 0, 0.0, Map.of(), 1), trace);
        assertEquals(17, r.trials());
        // the node joins at 61 s and takes 16; the 17th waits until 15 end at 661 s, then runs to 1,261 s beside the 20-min one
        assertEquals(0.76 * 1200 / 3600, r.busyCost(), 1e-9, "the cpu-16 holds leases from 61 s to 1,261 s");
        assertEquals(0.76 * 600 / 3600, r.busyCostWhileWaiting(), 1e-9, "from 61 s to 661 s a trial waited");
        assertEquals(0.76 * 600 / 3600, r.packingCostWhileWaiting(), 1e-9, "16 CPUs on one node at most: a cpu-16");
        assertEquals(1.0, r.packingRatioWhileWaiting(), 1e-9, "while demand waits the node is full");
        // then 2 trials run on the cpu-16 for 10 min; the cheapest packing holds them on a cpu-4 (0.20/h)
        assertEquals(0.76 * 600 / 3600 + 0.20 * 600 / 3600, r.packingCost(), 1e-9);
        assertEquals(0.76 / 0.20, r.packingRatioNothingWaiting(), 1e-9, "the drain-down: 2 trials keep the cpu-16 up");

        // on a tuning day: while trials wait, the nodes holding leases are within 10 % of the cheapest packing
        Simulation.Report day = Simulation.autoscaled(cluster(200), new Simulation.Provider(60, 30, 0.0, Map.of(), 1), Simulation.tuningDay(600, 3));
        assertTrue(day.packingRatioWhileWaiting() <= 1.10, "while demand waits: x" + day.packingRatioWhileWaiting());
        assertTrue(day.busyCostWhileWaiting() <= day.busyCost() && day.packingCostWhileWaiting() <= day.packingCost(), day.toString());
    }

    @Test
    void consolidationMovesCheckpointedTrialsOffUnderUsedNodesAndTheDrainDownCostsWhatThePackingDoes() {
        // the tuning day's one-CPU burst alone: 16 trials of 2-20 min per cpu-16 drain down unevenly
        List<Simulation.Trial> burst = new ArrayList<>();
        for (Simulation.Trial t : Simulation.tuningDay(1000, 7)) if (t.bundle().size() == 1 && t.bundle().specs().getFirst().cpus() == 1) burst.add(t);
        assertTrue(burst.size() >= 400, "the burst: " + burst.size());
        Simulation.Provider p = new Simulation.Provider(60, 30, 0.0, Map.of(), 3);
        Simulation.Report off = Simulation.autoscaled(new ClusterConfig("sim", HeadConfig.defaults(), ProviderConfig.local(),
                AutoscalerSettings.defaults().withMaxNodes(200).withConsolidation(false), List.of(CPU16, CPU4)), p, burst);
        Simulation.Report on = Simulation.autoscaled(cluster(200), p, burst);
        assertEquals(0, off.moves());
        assertTrue(on.moves() > 0, "trials moved: " + on.moves());
        assertEquals(burst.size(), on.trials(), "every trial ran to its end");
        assertTrue(off.packingRatio() > 1.3, "without consolidation the drain-down costs: x" + off.packingRatio());
        assertTrue(on.packingRatio() <= 1.10, "with it the nodes holding leases cost within 10 % of the cheapest packing: x" + on.packingRatio());
        // against the demand as given (without the work the moves ran again) the busy cost is still below what it was
        assertTrue(on.busyCost() < off.busyCost(), on.busyCost() + " vs " + off.busyCost());
        assertTrue(on.redoneSeconds() > 0 && on.redoneSeconds() <= on.moves() * (Simulation.DAY_CHECKPOINT_EVERY + Simulation.DAY_RESUME_COST),
                "a move loses at most a checkpoint interval plus the resume: " + on.redoneSeconds() + " s for " + on.moves());
        // trials that never checkpoint are never moved
        List<Simulation.Trial> plain = new ArrayList<>();
        for (Simulation.Trial t : burst) plain.add(new Simulation.Trial(t.arrival(), t.duration(), t.bundle()));
        assertEquals(0, Simulation.autoscaled(cluster(200), p, plain).moves());
    }

    @Test
    void launchFailuresAndACapacityLimitMoveDemandToTheNextType() {
        List<Simulation.Trial> trace = Simulation.tuningDay(800, 7);
        Simulation.Report r = Simulation.autoscaled(cluster(300), new Simulation.Provider(60, 30, 0.2, Map.of("cpu-16", 5), 2), trace);
        assertEquals(800, r.trials(), "every trial ran despite failures");
        assertTrue(r.failedLaunches() > 0, "some launches were refused: " + r.failedLaunches());
        assertTrue(r.peakNodes() > 5, "cpu-4 nodes were launched past cpu-16's capacity of 5: " + r.peakNodes());
    }

    @Test
    void aFixedClusterOfTheSameCostRunsTheSameTrace() {
        List<Simulation.Trial> trace = Simulation.tuningDay(600, 3);
        Simulation.Report auto = Simulation.autoscaled(cluster(200), new Simulation.Provider(60, 30, 0.0, Map.of(), 1), trace);
        int nodes = Math.max(1, (int) Math.round(auto.cost() / (CPU16.costPerHour() * auto.makespan() / 3600)));
        Simulation.Report fixed = Simulation.fixed(CPU16, nodes, trace);
        assertEquals(600, fixed.trials());
        assertEquals(nodes, fixed.peakNodes());
        assertTrue(fixed.idleNodeHours() > 0);
    }
}
