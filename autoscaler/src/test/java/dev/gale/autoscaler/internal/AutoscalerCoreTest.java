package dev.gale.autoscaler.internal;

import dev.gale.autoscaler.AutoscalerSettings;
import dev.gale.autoscaler.AutoscalerStatus;
import dev.gale.autoscaler.ClusterConfig;
import dev.gale.autoscaler.HeadConfig;
import dev.gale.autoscaler.InstanceState;
import dev.gale.autoscaler.LaunchException;
import dev.gale.autoscaler.NodeResources;
import dev.gale.autoscaler.NodeType;
import dev.gale.autoscaler.ProviderConfig;
import dev.gale.autoscaler.ProviderInstance;
import dev.gale.cluster.Bundle;
import dev.gale.cluster.DemandSnapshot;
import dev.gale.cluster.Placement;
import dev.gale.cluster.testkit.ManualClock;
import dev.gale.gpu.NodeInventory;
import dev.gale.gpu.ResourceSpec;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The reconcile core without actors or I/O, on a manual clock: node type choice (no GPU type for
 * CPU demand, cheapest, least waste, a burst's tail on the smaller type), limits (type max,
 * cluster max, upscaling speed, concurrent launches), back-off to the next type after launch failures, join timeouts, idle scale-down that
 * keeps the min and never touches a node holding a lease, unsatisfiable demand, requested
 * capacity, consolidation (asked only while nothing waits or launches, among the nodes it launched
 * whose types keep their min; the nodes emptied are drained and terminated) and the instance state
 * machine.
 */
class AutoscalerCoreTest {
    static final long GIB = 1L << 30;
    static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");
    final ManualClock clock = new ManualClock(T0);

    /** The world the core acts on: nodes that joined (by instance id), launch answers given by the test. */
    final class World {
        final AutoscalerCore core;
        final Map<String, DemandSnapshot.NodeState> nodes = new LinkedHashMap<>();
        final List<DemandSnapshot.Waiting> waiting = new ArrayList<>();
        final List<AutoscalerCore.Action.Launch> launches = new ArrayList<>();
        final List<AutoscalerCore.Action.Drain> drains = new ArrayList<>();
        final List<AutoscalerCore.Action.Terminate> terminates = new ArrayList<>();
        final List<AutoscalerCore.Action.Consolidate> consolidations = new ArrayList<>();

        World(ClusterConfig cfg) {
            core = new AutoscalerCore(cfg, "127.0.0.1:25520", false, clock, new SplittableRandom(1));
            nodes.put("head", node("head", new NodeInventory(1, 2 * GIB, List.of(), Map.of()), Map.of(), 0, 0));
        }

        void want(Bundle b, int count) {
            waiting.add(new DemandSnapshot.Waiting("h", "k" + waiting.size(), "g", b, count, clock.instant(), Duration.ZERO, true));
        }

        List<AutoscalerCore.Action> reconcile() {
            core.snapshot(new DemandSnapshot(clock.instant(), List.copyOf(waiting), 0, List.copyOf(nodes.values())));
            List<AutoscalerCore.Action> a = core.reconcile();
            sort(a);
            return a;
        }

        void sort(List<AutoscalerCore.Action> actions) {
            for (AutoscalerCore.Action a : actions) {
                switch (a) {
                    case AutoscalerCore.Action.Launch l -> launches.add(l);
                    case AutoscalerCore.Action.Drain d -> drains.add(d);
                    case AutoscalerCore.Action.Terminate t -> terminates.add(t);
                    case AutoscalerCore.Action.Consolidate c -> consolidations.add(c);
                }
            }
        }

        /** Every joined node but the head holds one lease (1 of its resources used, 2 in all) and nothing waits; returns instance id to node id. */
        Map<String, String> oneLeaseEachNothingWaits() {
            waiting.clear();
            Map<String, String> nodeOf = new HashMap<>();
            for (Map.Entry<String, DemandSnapshot.NodeState> e : new ArrayList<>(nodes.entrySet())) {
                if (e.getKey().equals("head")) continue;
                DemandSnapshot.NodeState n = e.getValue();
                nodes.put(e.getKey(), node(n.nodeId(), n.inventory(), n.labels(), 1, 2));
                nodeOf.put(e.getKey(), n.nodeId());
            }
            return nodeOf;
        }

        /** The provider accepts every launch asked so far and the nodes join (empty, idle since now). */
        void acceptAndJoinAll() {
            while (!launches.isEmpty()) {
                AutoscalerCore.Action.Launch l = launches.removeFirst();
                sort(core.launched(l.instanceId(), new ProviderInstance(l.instanceId(), "p-" + l.instanceId(), l.request().type().name(),
                        ProviderInstance.State.PENDING, "")));
                NodeType t = l.request().type();
                nodes.put(l.instanceId(), node("node-" + l.instanceId(), t.resources().inventory(), l.request().nodeLabels(), 0, 0));
            }
        }

        Map<String, Integer> launchedTypes() {
            Map<String, Integer> out = new HashMap<>();
            for (AutoscalerCore.Action.Launch l : launches) out.merge(l.request().type().name(), 1, Integer::sum);
            return out;
        }
    }

    DemandSnapshot.NodeState node(String id, NodeInventory inv, Map<String, String> labels, int leases, double usedCpus) {
        return new DemandSnapshot.NodeState(id, inv, inv.cpus() - usedCpus, inv.memoryBytes(), List.of(), List.of(), Map.of(), labels, false,
                null, leases > 0 ? null : clock.instant(), leases);
    }

    static ClusterConfig cfg(AutoscalerSettings s, NodeType... types) {
        return new ClusterConfig("test", HeadConfig.defaults(), ProviderConfig.local(), s, List.of(types));
    }

    static AutoscalerSettings settings() {
        return AutoscalerSettings.defaults().withTick(Duration.ofSeconds(5)).withIdleTimeout(Duration.ofMinutes(5))
                .withJoinTimeout(Duration.ofMinutes(2)).withLaunchBackoff(Duration.ofSeconds(30), Duration.ofMinutes(4));
    }

    static final NodeType CPU4 = NodeType.of("cpu-4", NodeResources.cpu(4, 16 * GIB), 0.20, 0, 10);
    static final NodeType CPU16 = NodeType.of("cpu-16", NodeResources.cpu(16, 64 * GIB), 0.70, 0, 10);
    static final NodeType GPU = NodeType.of("gpu-a100", NodeResources.cpu(8, 64 * GIB).withGpus(1, 40 * GIB, "A100"), 0.10, 0, 10);

    @Test
    void cpuDemandNeverGoesToAGpuTypeEvenWhenItIsCheaperAndTheCheapestPackingWins() {
        World w = new World(cfg(settings(), GPU, CPU16, CPU4));
        w.want(Bundle.of(ResourceSpec.ofCpus(2)), 8);
        w.reconcile();
        // 16 CPUs: 4 x cpu-4 = 0.80/h, 1 x cpu-16 = 0.70/h; the GPU type (0.10/h) is never used for CPU demand
        assertEquals(Map.of("cpu-16", 1), w.launchedTypes());
        w.waiting.clear();
        w.want(Bundle.of(ResourceSpec.ofCpus(2).withGpus(1)), 2);
        w.acceptAndJoinAll();
        w.reconcile();
        assertEquals(Map.of("gpu-a100", 2), w.launchedTypes(), "GPU demand goes to the GPU type");
    }

    @Test
    void demandIsPackedOntoFreeCapacityAndPendingNodesBeforeAnythingIsLaunchedAgain() {
        World w = new World(cfg(settings(), CPU4));
        w.want(Bundle.of(ResourceSpec.ofCpus(1)), 1);
        w.reconcile();
        assertEquals(0, w.launches.size(), "the head's free CPU holds it");
        w.want(Bundle.of(ResourceSpec.ofCpus(2)), 4);
        w.reconcile();
        assertEquals(Map.of("cpu-4", 2), w.launchedTypes());
        w.reconcile();
        assertEquals(2, w.launches.size(), "the same demand launches nothing twice while its nodes boot");
    }

    @Test
    void aBurstsTailLaunchesTheSmallerTypeThatHoldsWhatWaits() {
        World w = new World(cfg(settings(), CPU16, CPU4));
        w.want(Bundle.of(ResourceSpec.ofCpus(1)), 16);
        w.reconcile();
        assertEquals(Map.of("cpu-16", 1), w.launchedTypes(), "16 one-CPU trials: one cpu-16 (0.70/h) beats 4 x cpu-4 (0.80/h)");
        w.acceptAndJoinAll();
        // the cpu-16 took the 16; three more arrive at the burst's end: a cpu-4 (0.20/h) holds them, not a second cpu-16 (0.70/h)
        String id = w.nodes.keySet().stream().filter(k -> !k.equals("head")).findFirst().orElseThrow();
        DemandSnapshot.NodeState joined = w.nodes.get(id);
        w.nodes.put(id, node(joined.nodeId(), joined.inventory(), joined.labels(), 16, 16));
        w.waiting.clear();
        w.want(Bundle.of(ResourceSpec.ofCpus(1)), 3);
        w.reconcile();
        assertEquals(Map.of("cpu-4", 1), w.launchedTypes());
    }

    @Test
    void limitsTypeMaxClusterMaxUpscalingSpeedAndConcurrentLaunchesAreKept() {
        NodeType small = NodeType.of("cpu-1", NodeResources.cpu(1, 4 * GIB), 0.05, 0, 7);
        World w = new World(cfg(settings().withMaxNodes(20).withMaxConcurrentLaunches(3), small));
        w.want(Bundle.of(ResourceSpec.ofCpus(1)), 100);
        w.reconcile();
        assertEquals(3, w.launches.size(), "3 launch calls at most in flight");
        assertEquals(5, w.core.count(InstanceState.QUEUED) + w.core.count(InstanceState.REQUESTED),
                "pending at most max(5, 1.0 x 1 node)");
        for (int round = 0; round < 4; round++) {
            w.acceptAndJoinAll();
            w.reconcile();
        }
        assertEquals(7, w.core.count(InstanceState.JOINED), "never more than the type's max of 7");
        AutoscalerStatus s = w.core.status();
        assertTrue(s.waiting().getFirst().reason().contains("cpu-1 is at its max (7)"), s.waiting().toString());
    }

    @Test
    void aLaunchFailureBacksTheTypeOffExponentiallyAndTheNextTypeServesTheDemand() {
        World w = new World(cfg(settings(), CPU4, CPU16));
        w.want(Bundle.of(ResourceSpec.ofCpus(4)), 1);
        w.reconcile();
        assertEquals(Map.of("cpu-4", 1), w.launchedTypes());
        AutoscalerCore.Action.Launch first = w.launches.removeFirst();
        w.sort(w.core.launchFailed(first.instanceId(), new LaunchException(LaunchException.Kind.CAPACITY, "InsufficientInstanceCapacity")));
        assertEquals(InstanceState.TERMINATED, w.core.state(first.instanceId()));
        w.reconcile();
        assertEquals(Map.of("cpu-16", 1), w.launchedTypes(), "cpu-4 backs off; cpu-16 holds the demand meanwhile");
        AutoscalerCore.Action.Launch second = w.launches.removeFirst();
        w.sort(w.core.launchFailed(second.instanceId(), new LaunchException(LaunchException.Kind.QUOTA, "VcpuLimitExceeded")));
        w.reconcile();
        assertEquals(0, w.launches.size(), "both types back off: nothing is launched");
        assertTrue(w.core.status().waiting().getFirst().reason().contains("backing off"), w.core.status().waiting().toString());
        clock.advance(Duration.ofSeconds(31));
        w.reconcile();
        assertEquals(Map.of("cpu-4", 1), w.launchedTypes(), "after 30 s cpu-4 is tried again");
        AutoscalerCore.Action.Launch third = w.launches.removeFirst();
        w.sort(w.core.launchFailed(third.instanceId(), new LaunchException(LaunchException.Kind.CAPACITY, "again")));
        AutoscalerStatus.TypeStatus t = w.core.status().type("cpu-4");
        assertEquals(2, t.failures());
        assertEquals(clock.instant().plus(Duration.ofSeconds(60)), t.backoffUntil(), "the second failure in a row doubles the back-off");
    }

    @Test
    void aNodeThatDoesNotJoinInTimeIsTerminatedAndCountsAsAFailure() {
        World w = new World(cfg(settings(), CPU4));
        w.want(Bundle.of(ResourceSpec.ofCpus(4)), 1);
        w.reconcile();
        AutoscalerCore.Action.Launch l = w.launches.removeFirst();
        w.sort(w.core.launched(l.instanceId(), new ProviderInstance(l.instanceId(), "i-1", "cpu-4", ProviderInstance.State.PENDING, "")));
        assertEquals(InstanceState.ALLOCATED, w.core.state(l.instanceId()));
        clock.advance(Duration.ofMinutes(2));
        w.reconcile();
        assertEquals(InstanceState.TERMINATED, w.core.state(l.instanceId()));
        assertEquals(1, w.terminates.size());
        assertEquals("i-1", w.terminates.getFirst().target().providerId());
        assertEquals(1, w.core.status().type("cpu-4").failures());
    }

    @Test
    void idleNodesAreDrainedThenTerminatedKeepingTheMinAndNeverANodeHoldingALease() {
        NodeType kept = NodeType.of("cpu-4", NodeResources.cpu(4, 16 * GIB), 0.20, 1, 10);
        World w = new World(cfg(settings(), kept));
        w.reconcile();
        assertEquals(1, w.launches.size(), "the min is launched at once");
        w.want(Bundle.of(ResourceSpec.ofCpus(4)), 3);
        w.acceptAndJoinAll();
        w.reconcile();
        assertEquals(2, w.launches.size(), "one of three fits the min node");
        w.acceptAndJoinAll();
        w.waiting.clear();
        List<String> ids = new ArrayList<>(w.nodes.keySet());
        ids.remove("head");
        // one node keeps working
        String busy = ids.get(1);
        DemandSnapshot.NodeState b = w.nodes.get(busy);
        w.nodes.put(busy, node(b.nodeId(), b.inventory(), b.labels(), 1, 4));
        clock.advance(Duration.ofMinutes(4));
        w.reconcile();
        assertEquals(0, w.drains.size(), "idle 4 min < 5 min");
        clock.advance(Duration.ofMinutes(1));
        w.reconcile();
        assertEquals(2, w.drains.size(), "both idle nodes go (the busy one keeps the min): " + w.drains);
        for (AutoscalerCore.Action.Drain d : w.drains) {
            assertEquals(InstanceState.DRAINING, w.core.state(d.instanceId()));
            assertTrue(!d.nodeId().equals(b.nodeId()), "never the node holding a lease");
            w.sort(w.core.drained(d.nodeId(), 0));
            w.core.terminated(d.instanceId());
            assertEquals(InstanceState.TERMINATED, w.core.state(d.instanceId()));
            w.nodes.remove(d.instanceId());
        }
        assertEquals(2, w.terminates.size(), "terminated once drained");
        w.nodes.put(busy, node(b.nodeId(), b.inventory(), b.labels(), 0, 0));
        clock.advance(Duration.ofMinutes(10));
        w.reconcile();
        assertEquals(2, w.drains.size(), "the last node is kept for the type's min of 1");
    }

    @Test
    void demandNoTypeCanHoldIsUnsatisfiableAndLaunchesNothingWhileAGangGetsAsManyNodesAsItNeeds() {
        NodeType cpu2 = NodeType.of("cpu-2", NodeResources.cpu(2, 8 * GIB), 0.10, 0, 10);
        World w = new World(cfg(settings(), cpu2));
        w.want(Bundle.of(ResourceSpec.ofCpus(1).withGpus(1)), 5);
        w.want(Bundle.of(ResourceSpec.ofCpus(3)), 1);
        w.want(Bundle.gang(3, ResourceSpec.ofCpus(2), Placement.STRICT_SPREAD), 1);
        w.reconcile();
        assertEquals(Map.of("cpu-2", 3), w.launchedTypes(), "the gang gets three nodes, nothing else is launched");
        AutoscalerStatus s = w.core.status();
        assertEquals(2, s.unsatisfiable().size(), s.unsatisfiable().toString());
        for (int i = 0; i < 3; i++) w.reconcile();
        assertEquals(3, w.launches.size(), "no endless launching");
    }

    @Test
    void requestedCapacityIsLaunchedAndKeptWhileRequested() {
        World w = new World(cfg(settings().withIdleTimeout(Duration.ofSeconds(30)), CPU4));
        w.core.requestResources(List.of(Bundle.of(ResourceSpec.ofCpus(4)), Bundle.of(ResourceSpec.ofCpus(4))));
        w.reconcile();
        assertEquals(Map.of("cpu-4", 2), w.launchedTypes());
        w.acceptAndJoinAll();
        clock.advance(Duration.ofMinutes(1));
        w.reconcile();
        assertEquals(0, w.drains.size(), "requested capacity is not retired");
        w.core.requestResources(List.of());
        clock.advance(Duration.ofSeconds(5));
        w.reconcile();
        assertEquals(2, w.drains.size(), "withdrawn: idle nodes go");
    }

    @Test
    void consolidationIsAskedOnlyWhileNothingWaitsAndTheNodesEmptiedAreDrainedThenTerminated() {
        NodeType min1 = NodeType.of("cpu-4-min1", NodeResources.cpu(4, 16 * GIB), 0.20, 1, 10);
        World w = new World(cfg(settings(), CPU4, min1));
        w.want(Bundle.of(ResourceSpec.ofCpus(4)), 3);
        w.reconcile();
        assertEquals(0, w.consolidations.size(), "demand waits: no consolidation");
        w.acceptAndJoinAll();
        w.reconcile();
        assertEquals(0, w.consolidations.size(), "nodes are launching: no consolidation");
        // every node joins and holds one lease; nothing waits any more
        Map<String, String> nodeOf = w.oneLeaseEachNothingWaits();
        w.reconcile();
        assertEquals(1, w.consolidations.size(), "nothing waits or launches: one ask");
        AutoscalerCore.Action.Consolidate c = w.consolidations.getFirst();
        assertEquals(1, c.maxNodes(), "a tenth of the joined nodes, at least one");
        assertTrue(!c.only().contains("head"), "the head was not launched by the autoscaler: " + c.only());
        for (String id : c.only()) assertTrue(nodeOf.containsValue(id), id);
        for (Map.Entry<String, String> e : nodeOf.entrySet()) {
            boolean atMin = w.core.status().instances().stream().anyMatch(i -> i.instanceId().equals(e.getKey()) && i.nodeType().equals("cpu-4-min1"));
            assertEquals(!atMin, c.only().contains(e.getValue()), "a node of a type at its min is never emptied: " + e);
        }
        w.reconcile();
        assertEquals(1, w.consolidations.size(), "one ask at a time");

        String emptied = c.only().iterator().next();
        String instance = nodeOf.entrySet().stream().filter(e -> e.getValue().equals(emptied)).findFirst().orElseThrow().getKey();
        w.sort(w.core.consolidating(List.of(emptied)));
        assertEquals(InstanceState.DRAINING, w.core.state(instance));
        assertEquals(1, w.drains.size());
        assertEquals(emptied, w.drains.getFirst().nodeId());
        w.sort(w.core.drained(emptied, 0));
        assertEquals(1, w.terminates.size());
        assertEquals(instance, w.terminates.getFirst().instanceId());

        w.reconcile();
        assertEquals(2, w.consolidations.size(), "asked again once answered");

        // a type with min 1 and three joined nodes has two to spare: its nodes may be emptied
        NodeType minOne = NodeType.of("cpu-4-min1", NodeResources.cpu(4, 16 * GIB), 0.20, 1, 10);
        World three = new World(cfg(settings(), minOne));
        three.want(Bundle.of(ResourceSpec.ofCpus(4)), 3);
        three.reconcile();
        three.acceptAndJoinAll();
        three.oneLeaseEachNothingWaits();
        three.reconcile();
        assertEquals(1, three.consolidations.size());
        assertEquals(3, three.consolidations.getFirst().only().size(), "min 1 of 3: each node may go (one per ask)");

        World off = new World(cfg(settings().withConsolidation(false), CPU4));
        off.want(Bundle.of(ResourceSpec.ofCpus(4)), 2);
        off.reconcile();
        off.acceptAndJoinAll();
        off.oneLeaseEachNothingWaits();
        off.reconcile();
        assertEquals(0, off.consolidations.size(), "consolidation: false");
    }

    @Test
    void theStateMachineRefusesIllegalMoves() {
        assertTrue(InstanceState.QUEUED.next().contains(InstanceState.REQUESTED));
        assertTrue(!InstanceState.QUEUED.next().contains(InstanceState.JOINED));
        assertTrue(InstanceState.TERMINATED.next().isEmpty());
        World w = new World(cfg(settings(), CPU4));
        w.want(Bundle.of(ResourceSpec.ofCpus(4)), 1);
        w.reconcile();
        String id = w.launches.getFirst().instanceId();
        w.core.terminated(id);
        assertEquals(InstanceState.TERMINATED, w.core.state(id));
        List<AutoscalerCore.Action> late = w.core.launched(id, new ProviderInstance(id, "i-9", "cpu-4", ProviderInstance.State.PENDING, ""));
        assertTrue(late.stream().anyMatch(a -> a instanceof AutoscalerCore.Action.Terminate), "a launch that returns after it was given up is terminated");
        assertThrows(IllegalArgumentException.class, () -> NodeType.of("Bad_Name", NodeResources.cpu(1, GIB), 0, 0, 1));
    }
}
