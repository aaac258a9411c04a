package dev.gale.cluster.internal;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The demand stream's rate limit, on a hand-driven clock: the first event fires at once, then at most one per interval. */
class ThrottleTest {
    @Test
    void atMostOneEventPerInterval() {
        AtomicLong now = new AtomicLong(1_000_000_000L);
        Throttle t = new Throttle(Duration.ofMillis(500), now::get);
        assertEquals(0, t.delayMillis(), "nothing fired yet: now");
        t.fired();
        assertEquals(500, t.delayMillis());
        now.addAndGet(120_000_000L);
        assertEquals(380, t.delayMillis());
        now.addAndGet(379_999_999L);
        assertEquals(1, t.delayMillis(), "rounded up: never early");
        now.addAndGet(1);
        assertEquals(0, t.delayMillis());
        t.fired();
        now.addAndGet(10_000_000_000L);
        assertEquals(0, t.delayMillis(), "long quiet: at once");
    }
}
