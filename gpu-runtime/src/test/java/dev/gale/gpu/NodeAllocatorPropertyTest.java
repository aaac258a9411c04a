package dev.gale.gpu;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Random allocate/release sequences against several inventories. After every step the invariants
 * are checked from the {@link Allocation} records alone (not from the allocator's counters): no
 * resource is overcommitted, every grant matches its spec, and a spec is refused only when no
 * placement exists.
 */
class NodeAllocatorPropertyTest {
    private static final long MIB = 1L << 20;
    private static final long GIB = 1L << 30;
    private static final int STEPS = 20_000;
    /** Slack for comparing sums of doubles: the allocator's own tolerance plus rounding. */
    private static final double TOL = NodeAllocator.EPS + 1e-12;
    private static final double[] GPU_CHOICES = {0, 0.25, 0.3, 0.5, 1, 2};
    private static final String[] TYPES = {"A100", "t4", "H100", "v100", "L4"};

    static Stream<Arguments> inventories() {
        return Stream.of(
                Arguments.of("cpu-only", 1L, new NodeInventory(8, 32 * GIB, List.of(), Map.of("license", 2.0))),
                Arguments.of("2 x A100", 2L, new NodeInventory(16, 64 * GIB, List.of(
                        new GpuDevice(0, "GPU-a", "NVIDIA A100-SXM4-40GB", 40960 * MIB, 0, 0),
                        new GpuDevice(1, "GPU-b", "NVIDIA A100-SXM4-40GB", 40960 * MIB, 0, 0)), Map.of())),
                Arguments.of("4 mixed", 3L, new NodeInventory(24, 128 * GIB, List.of(
                        new GpuDevice(0, "GPU-a", "NVIDIA A100-SXM4-80GB", 81920 * MIB, 0, 0),
                        new GpuDevice(1, "GPU-b", "NVIDIA A100-SXM4-40GB", 40960 * MIB, 0, 0),
                        new GpuDevice(2, "GPU-c", "Tesla T4", 15360 * MIB + 7, 0, 0),
                        new GpuDevice(3, "GPU-d", "Tesla V100-SXM2-32GB", 32768 * MIB, 0, 0)), Map.of("license", 3.0))),
                Arguments.of("sparse indexes", 4L, new NodeInventory(6, 24 * GIB, List.of(
                        new GpuDevice(3, "GPU-e", "NVIDIA H100 80GB HBM3", 81559 * MIB, 0, 0),
                        new GpuDevice(7, "GPU-f", "NVIDIA L4", 23034 * MIB, 0, 0)), Map.of())));
    }

    private static ResourceSpec randomSpec(Random r) {
        double cpus = switch (r.nextInt(4)) {
            case 0 -> 0;
            case 1 -> r.nextInt(31) / 10.0; // tenths, to exercise rounding of sums
            default -> r.nextDouble() * 3;
        };
        double gpus = GPU_CHOICES[r.nextInt(GPU_CHOICES.length)];
        long gpuMem = 0;
        if (gpus > 0 && r.nextBoolean()) {
            gpuMem = r.nextInt(8) == 0 ? r.nextLong(24 * GIB, 96 * GIB) : r.nextLong(1, 20 * GIB);
        }
        long mem = r.nextInt(3) == 0 ? 0 : r.nextLong(0, 16 * GIB);
        Map<String, Double> custom = r.nextInt(4) == 0 ? Map.of("license", r.nextInt(3) * 0.5) : Map.of();
        String type = r.nextInt(5) == 0 ? TYPES[r.nextInt(TYPES.length)] : "";
        return new ResourceSpec(cpus, gpus, gpuMem, mem, custom, type);
    }

    /** Totals of the held allocations, computed from the records. */
    private record Usage(double cpus, long mem, Map<String, Double> custom, Map<Integer, Double> frac,
                         Map<Integer, Long> gpuMem, Map<Integer, Integer> holders) {
        static Usage of(List<Allocation> held) {
            double cpus = 0;
            long mem = 0;
            Map<String, Double> custom = new HashMap<>();
            Map<Integer, Double> frac = new HashMap<>();
            Map<Integer, Long> gpuMem = new HashMap<>();
            Map<Integer, Integer> holders = new HashMap<>();
            for (Allocation a : held) {
                cpus += a.cpus();
                mem += a.memoryBytes();
                a.custom().forEach((k, v) -> custom.merge(k, v, Double::sum));
                for (GpuShare g : a.gpus()) {
                    frac.merge(g.index(), g.fraction(), Double::sum);
                    gpuMem.merge(g.index(), g.memoryBytes(), Long::sum);
                    holders.merge(g.index(), 1, Integer::sum);
                }
            }
            return new Usage(cpus, mem, custom, frac, gpuMem, holders);
        }

        double frac(int i) {
            return frac.getOrDefault(i, 0.0);
        }

        long gpuMem(int i) {
            return gpuMem.getOrDefault(i, 0L);
        }

        boolean idle(int i) {
            return holders.getOrDefault(i, 0) == 0;
        }
    }

    private static boolean matches(GpuDevice g, String type) {
        return g.name().toLowerCase().contains(type.toLowerCase());
    }

    private static long shareMemory(ResourceSpec s, GpuDevice g) {
        if (s.gpus() >= 1) return s.gpuMemoryBytes() > 0 ? s.gpuMemoryBytes() : g.memoryTotalBytes();
        return s.gpuMemoryBytes() > 0 ? s.gpuMemoryBytes() : (long) Math.floor(s.gpus() * g.memoryTotalBytes());
    }

    /** Margin by which {@code s} could be placed given {@code u}: > 0 fits, < 0 does not, ~0 is too close to call. */
    private static double placementMargin(NodeInventory inv, Usage u, ResourceSpec s) {
        double m = inv.cpus() + NodeAllocator.EPS - u.cpus() - s.cpus();
        m = Math.min(m, inv.memoryBytes() - u.mem() - s.memoryBytes() + 0.5);
        for (Map.Entry<String, Double> e : s.custom().entrySet()) {
            double cap = inv.custom().getOrDefault(e.getKey(), 0.0);
            m = Math.min(m, cap + NodeAllocator.EPS - u.custom().getOrDefault(e.getKey(), 0.0) - e.getValue());
        }
        if (s.gpus() >= 1) {
            int ok = 0;
            for (GpuDevice g : inv.gpus()) {
                if (u.idle(g.index()) && matches(g, s.acceleratorType()) && s.gpuMemoryBytes() <= g.memoryTotalBytes()) ok++;
            }
            m = Math.min(m, ok >= s.wholeGpus() ? 1 : -1);
        } else if (s.gpus() > 0) {
            double best = -1;
            for (GpuDevice g : inv.gpus()) {
                if (!matches(g, s.acceleratorType())) continue;
                double fracSlack = 1 + NodeAllocator.EPS - u.frac(g.index()) - s.gpus();
                double memSlack = g.memoryTotalBytes() - u.gpuMem(g.index()) - shareMemory(s, g) + 0.5;
                best = Math.max(best, Math.min(fracSlack, memSlack));
            }
            m = Math.min(m, best);
        }
        return m;
    }

    private static void assertWithinCapacity(NodeInventory inv, NodeAllocator alloc, List<Allocation> held, int step) {
        Usage u = Usage.of(held);
        assertTrue(u.cpus() <= inv.cpus() + TOL, () -> "step " + step + ": cpus overcommitted " + u.cpus());
        assertTrue(u.mem() <= inv.memoryBytes(), () -> "step " + step + ": memory overcommitted " + u.mem());
        u.custom().forEach((k, v) -> assertTrue(v <= inv.custom().getOrDefault(k, 0.0) + TOL,
                () -> "step " + step + ": " + k + " overcommitted " + v));
        for (int idx : u.frac().keySet()) {
            assertTrue(inv.gpus().stream().anyMatch(g -> g.index() == idx), "share on unknown GPU " + idx);
        }
        for (GpuDevice g : inv.gpus()) {
            int i = g.index();
            assertTrue(u.frac(i) <= 1 + TOL, () -> "step " + step + ": gpu" + i + " fraction " + u.frac(i));
            assertTrue(u.gpuMem(i) <= g.memoryTotalBytes(), () -> "step " + step + ": gpu" + i + " memory " + u.gpuMem(i));
            assertEquals(Math.max(0, 1 - u.frac(i)), alloc.freeGpuFraction(i), 1e-9, "free fraction of gpu" + i);
            assertEquals(g.memoryTotalBytes() - u.gpuMem(i), alloc.freeGpuMemoryBytes(i), "free memory of gpu" + i);
        }
        assertEquals(Math.max(0, inv.cpus() - u.cpus()), alloc.freeCpus(), 1e-9);
        assertEquals(inv.memoryBytes() - u.mem(), alloc.freeMemoryBytes());
        assertEquals(held.isEmpty(), alloc.isEmpty());
    }

    /** The grant matches its spec: amounts, number and kind of GPU shares, type, memory budget. */
    private static void assertGrantMatchesSpec(NodeInventory inv, Usage before, Allocation a, ResourceSpec s) {
        assertEquals(s, a.spec());
        assertEquals(s.cpus(), a.cpus());
        assertEquals(s.memoryBytes(), a.memoryBytes());
        assertEquals(s.custom(), a.custom());
        if (s.gpus() == 0) {
            assertEquals(List.of(), a.gpus());
            return;
        }
        int expected = s.gpus() >= 1 ? s.wholeGpus() : 1;
        assertEquals(expected, a.gpus().size());
        assertEquals(expected, a.gpus().stream().mapToInt(GpuShare::index).distinct().count(), "distinct GPUs");
        for (GpuShare sh : a.gpus()) {
            GpuDevice g = inv.gpus().stream().filter(d -> d.index() == sh.index()).findFirst().orElseThrow();
            assertTrue(matches(g, s.acceleratorType()), () -> g.name() + " does not match " + s.acceleratorType());
            assertEquals(s.gpus() >= 1 ? 1.0 : s.gpus(), sh.fraction());
            assertEquals(shareMemory(s, g), sh.memoryBytes());
            if (s.gpus() >= 1) assertTrue(before.idle(g.index()), "whole GPU must have been idle");
        }
        if (s.fractionalGpu()) { // best fit: no candidate would have been left with less free fraction
            GpuShare sh = a.gpus().get(0);
            double chosenLeft = 1 - before.frac(sh.index()) - s.gpus();
            for (GpuDevice g : inv.gpus()) {
                if (!matches(g, s.acceleratorType())) continue;
                double left = 1 - before.frac(g.index()) - s.gpus();
                boolean candidate = left >= -NodeAllocator.EPS
                        && g.memoryTotalBytes() - before.gpuMem(g.index()) >= shareMemory(s, g);
                if (candidate) assertTrue(chosenLeft <= left + 1e-9, "best fit: gpu" + g.index() + " fits tighter");
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("inventories")
    void randomAllocateReleaseNeverOvercommits(String name, long seed, NodeInventory inv) {
        Random r = new Random(seed);
        NodeAllocator alloc = new NodeAllocator(inv);
        List<Allocation> held = new ArrayList<>();
        List<Allocation> released = new ArrayList<>();
        int granted = 0, refused = 0, neverFits = 0, doubleReleases = 0;
        for (int step = 0; step < STEPS; step++) {
            if (held.isEmpty() || r.nextDouble() < 0.55) {
                ResourceSpec s = randomSpec(r);
                Usage before = Usage.of(held);
                boolean wasEmpty = alloc.isEmpty();
                boolean fits = alloc.fits(s);
                Optional<Allocation> got = alloc.tryAllocate(s);
                double margin = placementMargin(inv, before, s);
                if (Math.abs(margin) > 1e-12) {
                    final int st = step;
                    assertEquals(margin > 0, got.isPresent(), () -> "step " + st + ": " + s + " with free " + alloc.describeFree());
                }
                if (!fits) {
                    assertTrue(got.isEmpty(), "granted what fits() says never fits: " + s);
                    neverFits++;
                }
                if (wasEmpty && fits) assertTrue(got.isPresent(), "fits() but refused on an empty node: " + s);
                if (got.isPresent()) {
                    assertGrantMatchesSpec(inv, before, got.get(), s);
                    held.add(got.get());
                    granted++;
                } else {
                    refused++;
                }
            } else if (!released.isEmpty() && r.nextInt(50) == 0) {
                Allocation old = released.get(r.nextInt(released.size()));
                if (!held.contains(old)) {
                    assertThrows(IllegalStateException.class, () -> alloc.release(old));
                    doubleReleases++;
                }
            } else {
                int k = r.nextInt(held.size());
                Allocation a = held.get(k);
                held.set(k, held.get(held.size() - 1));
                held.remove(held.size() - 1);
                alloc.release(a);
                if (released.size() < 500) released.add(a);
                else released.set(r.nextInt(released.size()), a);
            }
            assertWithinCapacity(inv, alloc, held, step);
        }
        assertTrue(granted > 1000 && refused > 100, "a meaningful mix: granted " + granted + ", refused " + refused);
        assertTrue(doubleReleases > 10, "double releases tried: " + doubleReleases);
        if (!inv.gpus().isEmpty()) assertTrue(neverFits > 0, "some specs never fit");

        while (!held.isEmpty()) {
            alloc.release(held.remove(r.nextInt(held.size())));
            assertWithinCapacity(inv, alloc, held, STEPS);
        }
        assertTrue(alloc.isEmpty());
        assertEquals(inv.cpus(), alloc.freeCpus());
        assertEquals(inv.memoryBytes(), alloc.freeMemoryBytes());
        inv.custom().forEach((k, v) -> assertEquals(v, alloc.freeCustom(k)));
        for (GpuDevice g : inv.gpus()) {
            assertEquals(1.0, alloc.freeGpuFraction(g.index()));
            assertEquals(g.memoryTotalBytes(), alloc.freeGpuMemoryBytes(g.index()));
        }
    }

    /**
     * {@link NodeAllocator#canAllocate} agrees with {@link NodeAllocator#tryAllocate}; a mirror that
     * adopts ({@link NodeAllocator#tryAdopt}) exactly what another allocator granted always
     * succeeds and stays equal to it; a "ground truth" that adopts allocations granted by two
     * independent allocators (as a node agent seeing two ResourceManagers) never over-commits and
     * refuses exactly what would over-commit.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("inventories")
    void canAllocateAgreesAndAdoptionNeverOvercommits(String name, long seed, NodeInventory inv) {
        Random r = new Random(seed * 7919);
        NodeAllocator a = new NodeAllocator(inv);
        NodeAllocator b = new NodeAllocator(inv);
        NodeAllocator mirror = new NodeAllocator(inv);
        NodeAllocator truth = new NodeAllocator(inv);
        List<Allocation> heldA = new ArrayList<>();
        List<Allocation> heldB = new ArrayList<>();
        List<Allocation> heldTruth = new ArrayList<>();
        int adopted = 0, refusedAdoptions = 0;
        for (int step = 0; step < STEPS / 2; step++) {
            int op = r.nextInt(10);
            if (op < 3) {
                ResourceSpec s = randomSpec(r);
                boolean can = a.canAllocate(s);
                Optional<Allocation> got = a.tryAllocate(s);
                assertEquals(can, got.isPresent(), "canAllocate agrees with tryAllocate for " + s);
                if (got.isPresent()) {
                    heldA.add(got.get());
                    assertTrue(mirror.tryAdopt(got.get()), "the mirror adopts what a granted");
                }
            } else if (op < 5) {
                b.tryAllocate(randomSpec(r)).ifPresent(heldB::add);
            } else if (op < 7) {
                List<Allocation> from = r.nextBoolean() ? heldA : heldB;
                if (from.isEmpty()) continue;
                Allocation x = from.get(r.nextInt(from.size()));
                Usage before = Usage.of(heldTruth);
                boolean can = truth.canAdopt(x);
                boolean took = truth.tryAdopt(x);
                assertEquals(can, took);
                List<Allocation> with = new ArrayList<>(heldTruth);
                with.add(x);
                Usage after = Usage.of(with);
                boolean fitsCapacity = after.cpus() <= inv.cpus() + TOL && after.mem() <= inv.memoryBytes();
                for (GpuDevice g : inv.gpus()) {
                    fitsCapacity &= after.frac(g.index()) <= 1 + TOL && after.gpuMem(g.index()) <= g.memoryTotalBytes();
                    boolean whole = x.gpus().stream().anyMatch(sh -> sh.index() == g.index() && sh.fraction() >= 1);
                    if (whole) fitsCapacity &= before.idle(g.index());
                }
                if (!fitsCapacity) assertTrue(!took, "adopted an allocation that over-commits");
                if (took) {
                    heldTruth.add(x);
                    adopted++;
                } else {
                    refusedAdoptions++;
                }
            } else {
                if (!heldA.isEmpty()) {
                    Allocation x = heldA.remove(r.nextInt(heldA.size()));
                    a.release(x);
                    mirror.release(x);
                    if (heldTruth.remove(x)) truth.release(x);
                }
                if (!heldB.isEmpty() && r.nextBoolean()) {
                    Allocation x = heldB.remove(r.nextInt(heldB.size()));
                    b.release(x);
                    if (heldTruth.remove(x)) truth.release(x);
                }
            }
            assertWithinCapacity(inv, truth, heldTruth, step);
            assertWithinCapacity(inv, mirror, heldA, step);
            assertEquals(a.describeFree(), mirror.describeFree());
        }
        assertTrue(adopted > 100 && refusedAdoptions > 10, "adopted " + adopted + ", refused " + refusedAdoptions);
        assertFalse(truth.tryAdopt(new Allocation(ResourceSpec.ofCpus(0).withGpus(1), 0, 0,
                List.of(new GpuShare(99, 1.0, 0)), Map.of())), "an allocation on a GPU this node lacks is refused");
    }
}
