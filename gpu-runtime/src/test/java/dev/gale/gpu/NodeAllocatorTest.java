package dev.gale.gpu;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;

class NodeAllocatorTest {
    private static final long GIB = 1L << 30;

    static GpuDevice gpu(int index, String name, long memGib) {
        return new GpuDevice(index, "GPU-" + index, name, memGib * GIB, 0, 0);
    }

    static NodeInventory twoA100() {
        return new NodeInventory(16, 64 * GIB,
                List.of(gpu(0, "NVIDIA A100-SXM4-40GB", 40), gpu(1, "NVIDIA A100-SXM4-40GB", 40)), Map.of());
    }

    private static Allocation grant(NodeAllocator a, ResourceSpec s) {
        Optional<Allocation> r = a.tryAllocate(s);
        assertTrue(r.isPresent(), () -> "expected " + s + " to fit; free: " + a.describeFree());
        return r.get();
    }

    @Test
    void cpuAndMemoryAreCounters() {
        NodeAllocator a = new NodeAllocator(new NodeInventory(4, 8 * GIB, List.of(), Map.of()));
        Allocation x = grant(a, ResourceSpec.ofCpus(1.5).withMemory(3 * GIB));
        Allocation y = grant(a, ResourceSpec.ofCpus(2.5).withMemory(5 * GIB));
        assertEquals(0, a.freeCpus(), 1e-12);
        assertEquals(0, a.freeMemoryBytes());
        assertTrue(a.tryAllocate(ResourceSpec.ofCpus(0.1)).isEmpty());
        Allocation zero = grant(a, ResourceSpec.ofCpus(0)); // nothing asked, nothing needed
        assertEquals(List.of(), x.gpus());
        assertEquals("", x.cudaVisibleDevices());
        a.release(y);
        assertEquals(2.5, a.freeCpus(), 1e-12);
        assertEquals(5 * GIB, a.freeMemoryBytes());
        assertTrue(a.tryAllocate(ResourceSpec.ofCpus(1).withMemory(6 * GIB)).isEmpty(), "memory is short");
        a.release(x);
        a.release(zero);
        assertTrue(a.isEmpty());
        assertEquals(4, a.freeCpus());
        assertEquals(8 * GIB, a.freeMemoryBytes());
    }

    @Test
    void tenthsOfACpuAddUpDespiteRounding() {
        NodeAllocator a = new NodeAllocator(new NodeInventory(1, 0, List.of(), Map.of()));
        for (int i = 0; i < 10; i++) grant(a, ResourceSpec.ofCpus(0.1));
        assertTrue(a.tryAllocate(ResourceSpec.ofCpus(0.1)).isEmpty());
        assertTrue(a.tryAllocate(ResourceSpec.ofCpus(1e-6)).isEmpty());
    }

    @Test
    void wholeGpusTakeIdleGpusAndAllTheirMemory() {
        NodeAllocator a = new NodeAllocator(twoA100());
        Allocation one = grant(a, ResourceSpec.DEFAULT.withGpus(1));
        assertEquals(List.of(new GpuShare(0, 1.0, 40 * GIB)), one.gpus());
        assertEquals("0", one.cudaVisibleDevices());
        assertEquals(0, a.freeGpuFraction(0));
        assertEquals(0, a.freeGpuMemoryBytes(0));
        assertTrue(a.tryAllocate(ResourceSpec.DEFAULT.withGpus(2)).isEmpty(), "only one GPU idle");
        a.release(one);
        Allocation two = grant(a, ResourceSpec.DEFAULT.withGpus(2));
        assertEquals("0,1", two.cudaVisibleDevices());
        a.release(two);
        assertFalse(a.fits(ResourceSpec.DEFAULT.withGpus(3)));
        assertTrue(a.tryAllocate(ResourceSpec.DEFAULT.withGpus(3)).isEmpty());
    }

    @Test
    void wholeGpuWithMemoryBudgetReservesTheBudgetButNoOneShares() {
        NodeAllocator a = new NodeAllocator(twoA100());
        Allocation w = grant(a, ResourceSpec.DEFAULT.withGpus(1).withGpuMemory(10 * GIB));
        assertEquals(List.of(new GpuShare(0, 1.0, 10 * GIB)), w.gpus());
        assertEquals(30 * GIB, a.freeGpuMemoryBytes(0));
        Allocation s = grant(a, ResourceSpec.DEFAULT.withGpus(0.1));
        assertEquals(1, s.gpus().get(0).index(), "a whole GPU is not shared even with memory left");
        assertFalse(a.fits(ResourceSpec.DEFAULT.withGpus(1).withGpuMemory(41 * GIB)));
    }

    @Test
    void wholeGpuNeedsAnIdleGpu() {
        NodeAllocator a = new NodeAllocator(twoA100());
        grant(a, ResourceSpec.DEFAULT.withGpus(0.25));
        grant(a, ResourceSpec.DEFAULT.withGpus(0.25));
        // both shares went to GPU 0 (best fit); GPU 1 is idle
        Allocation w = grant(a, ResourceSpec.DEFAULT.withGpus(1));
        assertEquals("1", w.cudaVisibleDevices());
        assertTrue(a.tryAllocate(ResourceSpec.DEFAULT.withGpus(1)).isEmpty(), "GPU 0 is half free but not idle");
    }

    @Test
    void twoHalvesShareAGpuAndTheThirdGoesToTheNext() {
        NodeAllocator a = new NodeAllocator(twoA100());
        ResourceSpec half = ResourceSpec.DEFAULT.withGpus(0.5);
        Allocation x = grant(a, half);
        Allocation y = grant(a, half);
        Allocation z = grant(a, half);
        assertEquals(List.of(new GpuShare(0, 0.5, 20 * GIB)), x.gpus());
        assertEquals(List.of(new GpuShare(0, 0.5, 20 * GIB)), y.gpus());
        assertEquals(List.of(new GpuShare(1, 0.5, 20 * GIB)), z.gpus());
        assertEquals(0, a.freeGpuFraction(0));
        assertEquals(0.5, a.freeGpuFraction(1));
        assertEquals(x, y, "equal grants are equal records");
        a.release(x);
        a.release(y); // an equal record held twice can be released twice
        assertEquals(1, a.freeGpuFraction(0));
        assertThrows(IllegalStateException.class, () -> a.release(x));
    }

    @Test
    void bestFitPacksSharesOntoTheFullestGpu() {
        NodeAllocator a = new NodeAllocator(twoA100());
        Allocation first = grant(a, ResourceSpec.DEFAULT.withGpus(0.5));   // GPU 0
        grant(a, ResourceSpec.DEFAULT.withGpus(1));                       // GPU 1, the idle one
        a.release(first);
        // now GPU 0 idle, GPU 1 taken; put 0.25 on GPU 0, then a 0.7 on GPU 0 (fits: 0.95)
        grant(a, ResourceSpec.DEFAULT.withGpus(0.25));
        Allocation b = grant(a, ResourceSpec.DEFAULT.withGpus(0.7));
        assertEquals(0, b.gpus().get(0).index());
        assertEquals(0.05, a.freeGpuFraction(0), 1e-12);

        NodeAllocator c = new NodeAllocator(twoA100());
        grant(c, ResourceSpec.DEFAULT.withGpus(0.5)); // GPU 0: 0.5 free
        grant(c, ResourceSpec.DEFAULT.withGpus(0.75)); // does not fit on GPU 0 -> GPU 1: 0.25 free
        Allocation d = grant(c, ResourceSpec.DEFAULT.withGpus(0.25)); // fits both; GPU 1 fits tightest
        assertEquals(1, d.gpus().get(0).index());
        Allocation e = grant(c, ResourceSpec.DEFAULT.withGpus(0.25)); // only GPU 0 now
        assertEquals(0, e.gpus().get(0).index());
    }

    @Test
    void memoryBudgetLimitsSharesPerGpu() {
        ResourceSpec s = ResourceSpec.DEFAULT.withGpus(0.3).withGpuMemory(16 * GIB);
        NodeAllocator one = new NodeAllocator(new NodeInventory(8, 0, List.of(gpu(0, "NVIDIA A100-SXM4-40GB", 40)), Map.of()));
        grant(one, s);
        grant(one, s);
        assertEquals(0.4, one.freeGpuFraction(0), 1e-12);
        assertEquals(8 * GIB, one.freeGpuMemoryBytes(0));
        assertTrue(one.tryAllocate(s).isEmpty(), "0.4 of the GPU is free but only 8 GiB of memory");
        assertTrue(one.fits(s), "it would fit on an empty node: queue, do not reject");
        assertTrue(one.tryAllocate(ResourceSpec.DEFAULT.withGpus(0.3)).isEmpty(), "without a budget 0.3 reserves 12 GiB");
        Allocation fifth = grant(one, ResourceSpec.DEFAULT.withGpus(0.2)); // reserves 0.2 x 40 GiB = 8 GiB
        assertEquals(8 * GIB, fifth.gpus().get(0).memoryBytes());
        assertEquals(0, one.freeGpuMemoryBytes(0));

        NodeAllocator two = new NodeAllocator(twoA100());
        assertEquals("0", grant(two, s).cudaVisibleDevices());
        assertEquals("0", grant(two, s).cudaVisibleDevices());
        assertEquals("1", grant(two, s).cudaVisibleDevices());
    }

    @Test
    void unbudgetedShareReservesItsFractionOfMemory() {
        NodeAllocator a = new NodeAllocator(new NodeInventory(8, 0, List.of(gpu(0, "T4", 16)), Map.of()));
        grant(a, ResourceSpec.DEFAULT.withGpus(0.25).withGpuMemory(10 * GIB));
        // 0.75 of compute free but only 6 GiB of memory: a 0.5 share would reserve 8 GiB
        assertTrue(a.tryAllocate(ResourceSpec.DEFAULT.withGpus(0.5)).isEmpty());
        Allocation q = grant(a, ResourceSpec.DEFAULT.withGpus(0.25));
        assertEquals(4 * GIB, q.gpus().get(0).memoryBytes());
        assertFalse(a.fits(ResourceSpec.DEFAULT.withGpus(0.5).withGpuMemory(17 * GIB)));
    }

    @Test
    void acceleratorTypeFiltersByNameIgnoringCase() {
        NodeInventory inv = new NodeInventory(8, 0,
                List.of(gpu(0, "Tesla T4", 16), gpu(2, "NVIDIA A100-SXM4-80GB", 80)), Map.of());
        NodeAllocator a = new NodeAllocator(inv);
        Allocation x = grant(a, ResourceSpec.DEFAULT.withGpus(1).withAcceleratorType("a100"));
        assertEquals("2", x.cudaVisibleDevices());
        assertTrue(a.tryAllocate(ResourceSpec.DEFAULT.withGpus(0.5).withAcceleratorType("A100")).isEmpty());
        assertTrue(a.fits(ResourceSpec.DEFAULT.withGpus(0.5).withAcceleratorType("A100")));
        assertFalse(a.fits(ResourceSpec.DEFAULT.withGpus(2).withAcceleratorType("A100")));
        assertFalse(a.fits(ResourceSpec.DEFAULT.withGpus(0.5).withAcceleratorType("H100")));
        assertEquals("0", grant(a, ResourceSpec.DEFAULT.withGpus(0.5).withAcceleratorType("t4")).cudaVisibleDevices());
        // with no GPUs asked for, the type is ignored
        assertTrue(a.fits(ResourceSpec.DEFAULT.withAcceleratorType("H100")));
        assertThrows(IllegalArgumentException.class, () -> a.freeGpuFraction(1), "no GPU with index 1");
    }

    @Test
    void allOrNothing() {
        NodeInventory inv = new NodeInventory(4, 16 * GIB, List.of(gpu(0, "T4", 16)), Map.of("license", 1.0));
        NodeAllocator a = new NodeAllocator(inv);
        Allocation g = grant(a, ResourceSpec.DEFAULT.withGpus(1));
        String before = a.describeFree();
        // CPUs, memory and license fit, the GPU does not: nothing may be taken
        assertTrue(a.tryAllocate(ResourceSpec.ofCpus(2).withMemory(GIB).withCustom("license", 1).withGpus(0.5)).isEmpty());
        assertEquals(before, a.describeFree());
        assertEquals(3, a.freeCpus());
        assertEquals(1, a.freeCustom("license"));
        // the GPU fits, the license does not
        a.release(g);
        assertTrue(a.tryAllocate(ResourceSpec.DEFAULT.withGpus(1).withCustom("license", 2)).isEmpty());
        assertEquals(1, a.freeGpuFraction(0));
        assertEquals(4, a.freeCpus());
        assertFalse(a.fits(ResourceSpec.DEFAULT.withCustom("license", 2)));
        assertFalse(a.fits(ResourceSpec.DEFAULT.withCustom("fpga", 1)), "unknown custom resource");
        assertTrue(a.fits(ResourceSpec.DEFAULT.withCustom("fpga", 0)));
        Allocation l = grant(a, ResourceSpec.DEFAULT.withCustom("license", 1));
        assertEquals(0, a.freeCustom("license"));
        assertTrue(a.tryAllocate(ResourceSpec.DEFAULT.withCustom("license", 0.5)).isEmpty());
        a.release(l);
        assertTrue(a.isEmpty());
    }

    @Test
    void releaseOfSomethingNotHeldThrows() {
        NodeAllocator a = new NodeAllocator(twoA100());
        NodeAllocator b = new NodeAllocator(twoA100());
        Allocation x = grant(a, ResourceSpec.DEFAULT.withGpus(1));
        grant(b, ResourceSpec.DEFAULT.withGpus(0.5));
        a.release(x);
        assertThrows(IllegalStateException.class, () -> a.release(x), "double release");
        Allocation fromB = b.tryAllocate(ResourceSpec.ofCpus(1)).orElseThrow();
        assertThrows(IllegalStateException.class, () -> a.release(fromB), "never granted here");
        assertTrue(a.isEmpty());
        assertEquals(16, a.freeCpus());
    }

    @Test
    void fitsTellsQueueFromNever() {
        NodeAllocator a = new NodeAllocator(twoA100());
        assertTrue(a.fits(ResourceSpec.ofCpus(16).withMemory(64 * GIB).withGpus(2)));
        assertFalse(a.fits(ResourceSpec.ofCpus(16.5)));
        assertFalse(a.fits(ResourceSpec.DEFAULT.withMemory(65 * GIB)));
        NodeAllocator cpuOnly = new NodeAllocator(new NodeInventory(2, GIB, List.of(), Map.of()));
        assertFalse(cpuOnly.fits(ResourceSpec.DEFAULT.withGpus(0.1)));
        assertTrue(cpuOnly.tryAllocate(ResourceSpec.DEFAULT.withGpus(0.1)).isEmpty());
    }

    @Test
    void describesWhatIsFree() {
        NodeAllocator a = new NodeAllocator(new NodeInventory(8, 16 * GIB,
                List.of(gpu(0, "NVIDIA A100-SXM4-40GB", 40)), Map.of("license", 2.0)));
        grant(a, ResourceSpec.ofCpus(1.5).withMemory(4 * GIB).withGpus(0.5).withCustom("license", 1));
        assertEquals("cpus 6.50/8, memory 12.0GiB/16.0GiB, gpu0 0.50 free 20.0GiB/40.0GiB (NVIDIA A100-SXM4-40GB), license 1/2",
                a.describeFree());
        assertSame(a.inventory(), a.inventory());
    }
}
