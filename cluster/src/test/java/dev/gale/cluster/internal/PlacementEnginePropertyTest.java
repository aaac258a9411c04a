package dev.gale.cluster.internal;

import dev.gale.cluster.Bundle;
import dev.gale.cluster.Placement;
import dev.gale.cluster.testkit.ManualClock;
import dev.gale.gpu.Allocation;
import dev.gale.gpu.GpuDevice;
import dev.gale.gpu.GpuShare;
import dev.gale.gpu.NodeAllocator;
import dev.gale.gpu.NodeInventory;
import dev.gale.gpu.ResourceSpec;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Long random sequences of competing demand against the placement engine: several holders in
 * several groups wanting bundles of 1–4 specs with every strategy and label selectors, grants
 * that reach their holders late (so updates cross grants), releases, nodes joining, leaving,
 * draining and being revoked. After every step the invariants are checked from the leases alone
 * (not the allocators' counters): no node is over-committed, no bundle is ever half placed, the
 * STRICT_* and label promises hold, no holder ever gets more grants than it asked for. At the end
 * everything is released and the queue must drain: every waiting bundle that fits the (empty)
 * cluster is granted.
 */
class PlacementEnginePropertyTest {
    static final long GIB = 1L << 30;
    static final int STEPS = 4000;
    static final double TOL = NodeAllocator.EPS + 1e-12;

    /** A grant as the engine made it. */
    record Grant(String holder, String key, Bundle bundle, List<EngineLease<String>> leases) {
    }

    static final class KeyState {
        Bundle bundle;
        int count;
        long received;
        long issued;
        long issuedAtUpdate;
        long cap;
    }

    final class Holder {
        final String id;
        final String group;
        final boolean single;
        final Map<String, KeyState> keys = new LinkedHashMap<>();
        final List<Grant> inbox = new ArrayList<>();
        final List<Grant> held = new ArrayList<>();
        int nextKey;

        Holder(String id, String group, boolean single) {
            this.id = id;
            this.group = group;
            this.single = single;
        }

        void update(Random r) {
            String key;
            KeyState ks;
            if (single) {
                key = "req-" + (++nextKey);
                ks = new KeyState();
                ks.bundle = new Bundle(List.of(randomSpec(r)), r.nextBoolean() ? Placement.PACK : Placement.SPREAD, randomSelector(r));
                keys.put(key, ks);
                ks.count = 1;
            } else {
                key = "k" + r.nextInt(3);
                ks = keys.computeIfAbsent(key, k -> new KeyState());
                if (ks.bundle == null || r.nextInt(10) == 0) ks.bundle = randomBundle(r);
                ks.count = r.nextInt(4);
            }
            ks.issuedAtUpdate = ks.issued;
            ks.cap = ks.received + ks.count;
            engine.want(id, key, id, group, ks.bundle, ks.count, ks.received, -1, !single && r.nextInt(4) != 0, single);
        }

        void process() {
            List<Grant> arrived = new ArrayList<>(inbox);
            inbox.clear(); // releasing below may grant more: they arrive in the next round
            for (Grant g : arrived) {
                KeyState ks = keys.get(g.key());
                ks.received++;
                List<EngineLease<String>> alive = new ArrayList<>();
                for (EngineLease<String> h : g.leases()) if (engine.lease(h.leaseId()) == h) alive.add(h);
                if (ks.count > 0 && !releaseAll) {
                    ks.count--;
                    held.add(new Grant(g.holder(), g.key(), g.bundle(), alive));
                } else {
                    release(alive);
                }
            }
        }

        void releaseOne(Random r) {
            if (held.isEmpty()) return;
            release(held.remove(r.nextInt(held.size())).leases());
        }

        void releaseEverything() {
            for (Grant g : held) release(g.leases());
            held.clear();
        }
    }

    final ManualClock clock = new ManualClock(Instant.parse("2025-01-01T00:00:00Z"));
    PlacementEngine<String> engine;
    final Map<String, Holder> holders = new LinkedHashMap<>();
    final Map<String, NodeInventory> shapes = new LinkedHashMap<>();
    boolean releaseAll;
    int grants, refusals, gangs, strict;

    void release(List<EngineLease<String>> leases) {
        for (EngineLease<String> h : leases) engine.release(h.leaseId());
        engine.drain();
    }

    static ResourceSpec randomSpec(Random r) {
        return switch (r.nextInt(6)) {
            case 0 -> ResourceSpec.ofCpus(0.5);
            case 1 -> ResourceSpec.ofCpus(1);
            case 2 -> ResourceSpec.ofCpus(2).withMemory(4 * GIB);
            case 3 -> ResourceSpec.ofCpus(3);
            case 4 -> ResourceSpec.ofCpus(1).withGpus(0.5);
            default -> ResourceSpec.ofCpus(1).withGpus(1);
        };
    }

    static Map<String, String> randomSelector(Random r) {
        return switch (r.nextInt(8)) {
            case 0 -> Map.of("zone", "a");
            case 1 -> Map.of("zone", "b");
            default -> Map.of();
        };
    }

    static Bundle randomBundle(Random r) {
        int n = 1 + (r.nextBoolean() ? 1 + r.nextInt(3) : 0);
        List<ResourceSpec> specs = new ArrayList<>();
        ResourceSpec first = randomSpec(r);
        for (int i = 0; i < n; i++) specs.add(r.nextBoolean() ? first : randomSpec(r));
        return new Bundle(specs, Placement.values()[r.nextInt(Placement.values().length)], randomSelector(r));
    }

    static NodeInventory randomInventory(Random r) {
        return switch (r.nextInt(4)) {
            case 0 -> new NodeInventory(2, 8 * GIB, List.of(), Map.of());
            case 1 -> new NodeInventory(4, 16 * GIB, List.of(), Map.of());
            case 2 -> new NodeInventory(4, 32 * GIB, List.of(new GpuDevice(0, "g0", "Fake A100", 40 * GIB, 0, 0)), Map.of());
            default -> new NodeInventory(8, 64 * GIB, List.of(new GpuDevice(0, "g0", "Fake A100", 40 * GIB, 0, 0),
                    new GpuDevice(1, "g1", "Fake A100", 40 * GIB, 0, 0)), Map.of());
        };
    }

    void checkGrant(DemandEntry<String> e, List<EngineLease<String>> leases) {
        Bundle b = e.bundle();
        assertEquals(b.size(), leases.size(), "a grant holds one lease per spec: " + b.describe());
        Set<String> nodes = new HashSet<>();
        for (int i = 0; i < leases.size(); i++) {
            EngineLease<String> h = leases.get(i);
            assertEquals(b.specs().get(i), h.allocation().spec(), "leases in spec order");
            assertTrue(b.matches(h.node().labels()), "label selector " + b.labels() + " on " + h.node().labels());
            assertFalse(h.node().draining(), "granted on a draining node " + h.node().id());
            nodes.add(h.node().id());
        }
        if (b.placement() == Placement.STRICT_PACK) assertEquals(1, nodes.size(), "STRICT_PACK on one node: " + nodes);
        if (b.placement() == Placement.STRICT_SPREAD) assertEquals(b.size(), nodes.size(), "STRICT_SPREAD on distinct nodes");
        if (b.size() > 1) gangs++;
        if (b.size() > 1 && (b.placement() == Placement.STRICT_PACK || b.placement() == Placement.STRICT_SPREAD)) strict++;
        Holder h = holders.get(e.holderId());
        KeyState ks = h.keys.get(e.demandKey());
        ks.issued++;
        assertTrue(ks.issued <= Math.max(ks.issuedAtUpdate, ks.cap), () -> "over-grant for " + e.holderId() + "/" + e.demandKey()
                + ": issued " + ks.issued + ", asked for at most " + ks.cap + " in all");
        h.inbox.add(new Grant(e.holderId(), e.demandKey(), b, List.copyOf(leases)));
        grants++;
    }

    /** Nothing over-committed, computed from the leases alone. */
    void checkCapacity(int step) {
        Map<String, List<Allocation>> byNode = new HashMap<>();
        for (EngineLease<String> h : engine.leases()) {
            assertTrue(engine.node(h.node().id()) == h.node(), "lease " + h.leaseId() + " on a node that left");
            byNode.computeIfAbsent(h.node().id(), k -> new ArrayList<>()).add(h.allocation());
        }
        for (NodeSlot n : engine.nodes()) {
            List<Allocation> as = byNode.getOrDefault(n.id(), List.of());
            assertEquals(as.size(), n.leases(), "lease count of " + n.id());
            double cpus = 0;
            long mem = 0;
            Map<Integer, Double> frac = new HashMap<>();
            Map<Integer, Long> gmem = new HashMap<>();
            Map<Integer, Integer> whole = new HashMap<>();
            Map<Integer, Integer> holdersOn = new HashMap<>();
            for (Allocation a : as) {
                cpus += a.cpus();
                mem += a.memoryBytes();
                for (GpuShare g : a.gpus()) {
                    frac.merge(g.index(), g.fraction(), Double::sum);
                    gmem.merge(g.index(), g.memoryBytes(), Long::sum);
                    holdersOn.merge(g.index(), 1, Integer::sum);
                    if (g.fraction() >= 1) whole.merge(g.index(), 1, Integer::sum);
                }
            }
            final double c = cpus;
            assertTrue(c <= n.inventory().cpus() + TOL, () -> "step " + step + ": cpus of " + n.id() + " over-committed: " + c);
            assertTrue(mem <= n.inventory().memoryBytes(), "step " + step + ": memory of " + n.id() + " over-committed");
            for (GpuDevice g : n.inventory().gpus()) {
                assertTrue(frac.getOrDefault(g.index(), 0.0) <= 1 + TOL, "step " + step + ": gpu fraction over-committed");
                assertTrue(gmem.getOrDefault(g.index(), 0L) <= g.memoryTotalBytes(), "step " + step + ": gpu memory over-committed");
                if (whole.getOrDefault(g.index(), 0) > 0) assertEquals(1, holdersOn.get(g.index()), "a whole GPU is exclusive");
            }
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5})
    void randomCompetingBundlesKeepEveryPromiseAndTheQueueDrains(long seed) {
        Random r = new Random(seed);
        engine = new PlacementEngine<>(clock, "L" + seed + "-", new PlacementEngine.Listener<>() {
            @Override
            public void granted(DemandEntry<String> e, List<EngineLease<String>> leases) {
                checkGrant(e, leases);
            }

            @Override
            public void refused(DemandEntry<String> e, String reason) {
                assertFalse(engine.feasible(e), "refused although feasible: " + reason);
                holders.get(e.holderId()).keys.get(e.demandKey()).count = 0;
                refusals++;
            }

            @Override
            public void timedOut(DemandEntry<String> e, String reason) {
                fail("no pending timeouts in this test: " + reason);
            }
        });
        for (int i = 0; i < 5; i++) holders.put("h" + i, new Holder("h" + i, "g" + (i % 3), false));
        holders.put("single", new Holder("single", "g-single", true));
        int nodeIds = 0;
        for (int i = 0; i < 3; i++) addNode(r, "n" + (++nodeIds));
        List<Holder> hs = new ArrayList<>(holders.values());
        for (int step = 0; step < STEPS; step++) {
            Holder h = hs.get(r.nextInt(hs.size()));
            int op = r.nextInt(100);
            if (op < 35) h.update(r);
            else if (op < 60) h.process();
            else if (op < 85) h.releaseOne(r);
            else if (op < 89 && engine.nodes().size() < 7) {
                addNode(r, "n" + (++nodeIds));
                engine.drain();
            } else if (op < 92 && engine.nodes().size() > 1) {
                String id = pickNode(r);
                engine.removeNode(id);
                shapes.remove(id);
                engine.drain();
            } else if (op < 96 && !engine.nodes().isEmpty()) {
                String id = pickNode(r);
                boolean draining = engine.node(id).draining();
                engine.setDraining(id, draining ? -1 : clock.millis() + 1000);
                engine.drain();
            } else if (!engine.nodes().isEmpty()) {
                String id = pickNode(r);
                if (engine.node(id).draining()) {
                    engine.revokeNode(id);
                    engine.drain();
                }
            }
            clock.advance(Duration.ofMillis(10));
            checkCapacity(step);
        }
        assertTrue(grants > 300 && gangs > 50 && strict > 10 && refusals > 0,
                "a meaningful mix: " + grants + " grants, " + gangs + " gangs, " + strict + " strict, " + refusals + " refusals");

        // everything is released: the queue drains
        for (NodeSlot n : new ArrayList<>(engine.nodes())) if (n.draining()) engine.setDraining(n.id(), -1);
        releaseAll = true;
        int rounds = 0;
        while (true) {
            for (Holder h : hs) {
                h.process();
                h.releaseEverything();
            }
            engine.drain();
            checkCapacity(STEPS + rounds);
            boolean inboxes = false;
            for (Holder h : hs) inboxes |= !h.inbox.isEmpty();
            if (!inboxes) break;
            assertTrue(++rounds < 10_000, "the queue does not drain");
        }
        assertEquals(0, engine.leases().size(), "everything was released");
        for (NodeSlot n : engine.nodes()) {
            assertTrue(n.allocator().isEmpty(), n.id());
            assertEquals(n.inventory().cpus(), n.allocator().freeCpus(), 1e-9);
        }
        for (DemandEntry<String> e : engine.waiting()) {
            assertFalse(engine.feasible(e), "waits on an empty cluster although it fits: " + e.bundle().describe());
        }
    }

    private void addNode(Random r, String id) {
        NodeInventory inv = randomInventory(r);
        Map<String, String> labels = switch (r.nextInt(3)) {
            case 0 -> Map.of("zone", "a");
            case 1 -> Map.of("zone", "b");
            default -> Map.of();
        };
        engine.addNode(id, inv, labels);
        shapes.put(id, inv);
    }

    private String pickNode(Random r) {
        List<String> ids = new ArrayList<>();
        for (NodeSlot n : engine.nodes()) ids.add(n.id());
        return ids.get(r.nextInt(ids.size()));
    }
}
