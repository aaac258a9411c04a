package dev.gale.autoscaler;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The autoscaler's reconcile code against a simulated provider: a trace of trials on up to
 * hundreds of nodes runs to its end, never above the cluster's max, every idle node gone within
 * the idle timeout plus one tick (and the simulated terminate call), and the cost within 2x of
 * the cheapest packing's lower bound; launch failures and a capacity limit move demand to the next type.
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
