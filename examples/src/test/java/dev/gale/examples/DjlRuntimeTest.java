package dev.gale.examples;

import ai.djl.Device;
import dev.gale.gpu.Allocation;
import dev.gale.gpu.DjlRuntime;
import dev.gale.gpu.GpuShare;
import dev.gale.gpu.ResourceSpec;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@link DjlRuntime} with the PyTorch engine on the class path (it lives in gpu-runtime, which
 * has no engine; the examples module has one).
 */
class DjlRuntimeTest {

    @Test
    void deviceOfAnAllocationIsItsFirstGpuOrTheCpu() {
        Allocation cpu = new Allocation(ResourceSpec.ofCpus(1), 1, 0, List.of(), Map.of());
        assertEquals(Device.cpu(), DjlRuntime.deviceFor(cpu));
        Allocation gpu = new Allocation(ResourceSpec.ofCpus(1).withGpus(0.5), 1, 0,
                List.of(new GpuShare(3, 0.5, 0), new GpuShare(1, 0.5, 0)), Map.of());
        assertEquals(Device.gpu(3), DjlRuntime.deviceFor(gpu));
    }

    @Test
    void ensureOfflineKeepsWhatIsSet() {
        String old = System.getProperty("ai.djl.offline");
        try {
            System.setProperty("ai.djl.offline", "false");
            DjlRuntime.ensureOffline();
            assertEquals("false", System.getProperty("ai.djl.offline"));
            System.clearProperty("ai.djl.offline");
            DjlRuntime.ensureOffline();
            assertEquals(System.getenv("DJL_OFFLINE") == null ? "true" : null, System.getProperty("ai.djl.offline"));
        } finally {
            if (old == null) System.clearProperty("ai.djl.offline");
            else System.setProperty("ai.djl.offline", old);
        }
    }

    @Test
    void zeroThreadsIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> DjlRuntime.configureThreadForLease(0));
    }

    /** The thread count is per thread: two threads keep their own, whatever order they set them in. */
    @Test
    void threadCountIsPerThread() throws Exception {
        DjlRuntime.ensureOffline();
        CountDownLatch bothSet = new CountDownLatch(2);
        AtomicInteger seenByOne = new AtomicInteger();
        AtomicInteger seenByTwo = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread one = new Thread(() -> run(failure, () -> {
            DjlRuntime.configureThreadForLease(1);
            bothSet.countDown();
            bothSet.await();
            seenByOne.set(DjlRuntime.threadCount());
        }));
        Thread two = new Thread(() -> run(failure, () -> {
            DjlRuntime.configureThreadForLease(3);
            bothSet.countDown();
            bothSet.await();
            seenByTwo.set(DjlRuntime.threadCount());
        }));
        one.start();
        two.start();
        one.join();
        two.join();
        assertNull(failure.get());
        assertEquals(1, seenByOne.get());
        assertEquals(3, seenByTwo.get());
        // a fresh thread that sets nothing is not pinned to either by accident of timing
        Thread three = new Thread(() -> run(failure, () -> {
            DjlRuntime.configureThreadForLease(2);
            seenByOne.set(DjlRuntime.threadCount());
        }));
        three.start();
        three.join();
        assertEquals(2, seenByOne.get());
    }

    @Test
    void leaseThreadsCanBeSwitchedOffForComparisons() throws Exception {
        AtomicInteger seen = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = new Thread(() -> run(failure, () -> {
            DjlRuntime.configureThreadForLease(1);
            System.setProperty(DjlRuntime.LEASE_THREADS_PROPERTY, "false");
            try {
                DjlRuntime.configureThreadForLease(5);
            } finally {
                System.clearProperty(DjlRuntime.LEASE_THREADS_PROPERTY);
            }
            seen.set(DjlRuntime.threadCount());
        }));
        t.start();
        t.join();
        assertNull(failure.get());
        assertEquals(1, seen.get());
    }

    interface Body {
        void run() throws Exception;
    }

    private static void run(AtomicReference<Throwable> failure, Body b) {
        try {
            b.run();
        } catch (Throwable t) {
            failure.compareAndSet(null, t);
        }
    }
}
