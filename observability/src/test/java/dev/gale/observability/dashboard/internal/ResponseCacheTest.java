package dev.gale.observability.dashboard.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The dashboard's response cache: one computation per key and version, shared by concurrent requests. */
class ResponseCacheTest {
    private final ResponseCache cache = new ResponseCache(new ObjectMapper());

    @Test
    void aRequestArrivingWhileTheAnswerIsComputedWaitsForThatComputation() throws Exception {
        AtomicInteger computed = new AtomicInteger();
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<byte[]> first = pool.submit(() -> cache.get("exp\nplots", 7, () -> {
                computed.incrementAndGet();
                started.countDown();
                await(release);
                return List.of(1, 2, 3);
            }));
            assertTrue(started.await(30, TimeUnit.SECONDS), "the first request's computation started");
            Future<byte[]> second = pool.submit(() -> cache.get("exp\nplots", 7, () -> {
                computed.incrementAndGet();
                return List.of(4, 5, 6);
            }));
            release.countDown();
            byte[] a = first.get(30, TimeUnit.SECONDS);
            byte[] b = second.get(30, TimeUnit.SECONDS);
            assertEquals("[1,2,3]", new String(a, StandardCharsets.UTF_8));
            assertArrayEquals(a, b, "the second request got the first one's answer");
            assertEquals(1, computed.get(), "computed once");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aNewVersionIsComputedAgainAndTheSameVersionIsNot() {
        AtomicInteger computed = new AtomicInteger();
        byte[] v1 = cache.get("k", 1, () -> List.of(computed.incrementAndGet()));
        byte[] v1again = cache.get("k", 1, () -> List.of(computed.incrementAndGet()));
        byte[] v2 = cache.get("k", 2, () -> List.of(computed.incrementAndGet()));
        assertEquals("[1]", new String(v1, StandardCharsets.UTF_8));
        assertArrayEquals(v1, v1again);
        assertEquals("[2]", new String(v2, StandardCharsets.UTF_8));
        assertEquals(2, computed.get());
    }

    @Test
    void aFailedComputationIsReportedAndTriedAgainByTheNextRequest() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> cache.get("k", 1, () -> { throw new IllegalStateException("no such metric"); }));
        assertEquals("no such metric", e.getMessage());
        byte[] ok = cache.get("k", 1, () -> List.of("fine"));
        assertEquals("[\"fine\"]", new String(ok, StandardCharsets.UTF_8));
        assertFalse(new String(ok, StandardCharsets.UTF_8).contains("metric"));
    }

    private static void await(CountDownLatch l) {
        try {
            if (!l.await(30, TimeUnit.SECONDS)) throw new IllegalStateException("waited 30 s for the test to release the computation");
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }
}
