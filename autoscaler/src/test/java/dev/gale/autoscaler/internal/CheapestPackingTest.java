package dev.gale.autoscaler.internal;

import dev.gale.autoscaler.NodeResources;
import dev.gale.autoscaler.NodeType;
import dev.gale.cluster.Bundle;
import dev.gale.cluster.Placement;
import dev.gale.gpu.ResourceSpec;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The cheapest packing against answers worked out by hand, with types cpu-16 (0.76/h), cpu-4
 * (0.20/h) and a GPU type (0.80/h): CPU counts, STRICT_SPREAD gangs (distinct nodes), STRICT_PACK
 * and PACK bundles, label selectors, and a per-type max the optimum would break (then a lower bound,
 * said so).
 */
class CheapestPackingTest {
    static final long GIB = 1L << 30;
    static final NodeType CPU16 = NodeType.of("cpu-16", NodeResources.cpu(16, 64 * GIB), 0.76, 0, 100);
    static final NodeType CPU4 = NodeType.of("cpu-4", NodeResources.cpu(4, 16 * GIB), 0.20, 0, 100);
    static final NodeType GPU = NodeType.of("gpu-1", NodeResources.cpu(8, 64 * GIB).withGpus(1, 24 * GIB, "L4"), 0.80, 0, 10);
    static final Bundle ONE = Bundle.of(ResourceSpec.ofCpus(1));
    static final Bundle GANG = Bundle.gang(3, ResourceSpec.ofCpus(2), Placement.STRICT_SPREAD);

    final CheapestPacking packing = new CheapestPacking(List.of(GPU, CPU16, CPU4), 300);

    static Map<Bundle, Integer> running(Object... bundleAndCount) {
        Map<Bundle, Integer> m = new LinkedHashMap<>();
        for (int i = 0; i < bundleAndCount.length; i += 2) m.put((Bundle) bundleAndCount[i], (Integer) bundleAndCount[i + 1]);
        return m;
    }

    void assertCheapest(double perHour, int[] nodes, Map<Bundle, Integer> running) {
        CheapestPacking.Result r = packing.cheapest(running);
        assertTrue(r.exact(), r.why());
        assertEquals(perHour, r.lower(), 1e-9, running.toString());
        assertArrayEquals(nodes, r.nodesPerType(), "nodes per type (gpu-1, cpu-16, cpu-4) for " + running);
    }

    @Test
    void cpuTrialsGoOnTheCheapestMixOfTypes() {
        assertCheapest(0, new int[0], running());
        assertCheapest(0.20, new int[]{0, 0, 1}, running(ONE, 1));
        assertCheapest(0.40, new int[]{0, 0, 2}, running(ONE, 5));    // 2 x cpu-4 beat 1 x cpu-16 (0.76)
        assertCheapest(0.76, new int[]{0, 1, 0}, running(ONE, 16));   // 1 x cpu-16 beats 4 x cpu-4 (0.80)
        assertCheapest(0.96, new int[]{0, 1, 1}, running(ONE, 17));   // cpu-16 + cpu-4 beat 5 x cpu-4 (1.00) and 2 x cpu-16
        assertCheapest(0.76 + 0.20, new int[]{0, 1, 1}, running(ONE, 4, Bundle.of(ResourceSpec.ofCpus(4)), 4)); // 20 CPUs
    }

    @Test
    void strictSpreadGangsTakeDistinctNodesAndShareNodesAcrossGangs() {
        // one gang: three nodes; a cpu-16 holds one worker of it only, so 3 x cpu-4
        assertCheapest(0.60, new int[]{0, 0, 3}, running(GANG, 1));
        // three gangs: a node holds at most 3 workers; 9 workers: 5 x cpu-4 (2 each) = 1.00 beats 1 x cpu-16 + 3 x cpu-4 = 1.36
        assertCheapest(1.00, new int[]{0, 0, 5}, running(GANG, 3));
        // eight gangs: 24 workers, 8 per cpu-16: 3 x cpu-16 = 2.28 beats 12 x cpu-4 = 2.40
        assertCheapest(2.28, new int[]{0, 3, 0}, running(GANG, 8));
    }

    @Test
    void strictPackIsOneItemPackIsBestEffortAndLabelsSelectTypes() {
        assertCheapest(0.76, new int[]{0, 1, 0}, running(Bundle.gang(2, ResourceSpec.ofCpus(3), Placement.STRICT_PACK), 1));
        assertCheapest(0.20, new int[]{0, 0, 1}, running(Bundle.gang(2, ResourceSpec.ofCpus(2), Placement.PACK), 1));
        assertCheapest(0.80, new int[]{1, 0, 0}, running(Bundle.of(ResourceSpec.ofCpus(1).withGpus(1)), 1));
        CheapestPacking labelled = new CheapestPacking(List.of(CPU16, NodeType.of("cpu-4-ssd",
                NodeResources.cpu(4, 16 * GIB).withLabels(Map.of("disk", "ssd")), 0.30, 0, 10)), 300);
        CheapestPacking.Result r = labelled.cheapest(running(ONE.withLabels(Map.of("disk", "ssd")), 5));
        assertEquals(0.60, r.lower(), 1e-9, "only the ssd type matches: 2 x 0.30");
    }

    @Test
    void anOptimumAboveATypesMaxIsReportedAsALowerBound() {
        CheapestPacking capped = new CheapestPacking(List.of(CPU16, NodeType.of("cpu-4", NodeResources.cpu(4, 16 * GIB), 0.20, 0, 1)), 300);
        CheapestPacking.Result r = capped.cheapest(running(ONE, 5));
        assertFalse(r.exact(), "2 x cpu-4 is above cpu-4's max of 1");
        assertTrue(r.why().contains("above its max"), r.why());
        assertTrue(r.lower() <= 0.76 + 1e-9, "a lower bound of the real cheapest (1 x cpu-16 = 0.76): " + r.lower());
        assertEquals(0.40, r.lower(), 1e-9);
    }

    @Test
    void repeatedDemandIsAnsweredFromTheTableAndGrowingDemandExtendsIt() {
        for (int n = 1; n <= 200; n++) {
            CheapestPacking.Result r = packing.cheapest(running(ONE, n));
            int big = n / 16;
            int rest = n % 16;
            // the rest on cpu-4 nodes unless one more cpu-16 is cheaper (rest > 12: 4 x cpu-4 = 0.80 > 0.76)
            double want = big * 0.76 + Math.min(Math.ceil(rest / 4.0) * 0.20, rest > 0 ? 0.76 : 0);
            assertEquals(want, r.lower(), 1e-9, n + " one-CPU trials");
        }
    }
}
