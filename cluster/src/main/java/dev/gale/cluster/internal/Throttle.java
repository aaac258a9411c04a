package dev.gale.cluster.internal;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * At most one event per interval: {@link #delayMillis()} says how long to wait before the next
 * one may fire (0: now), {@link #fired()} records that it did. The time source is injected
 * (nanoseconds, monotonic) so tests drive it by hand.
 */
public final class Throttle {
    private final long intervalNanos;
    private final LongSupplier nanos;
    private long last;
    private boolean ever;

    /** A throttle allowing one event per {@code interval} of {@code nanos} time. */
    public Throttle(Duration interval, LongSupplier nanos) {
        this.intervalNanos = interval.toNanos();
        this.nanos = nanos;
    }

    /** Milliseconds until the next event may fire (rounded up); 0 when it may fire now. */
    public long delayMillis() {
        if (!ever) return 0;
        long left = intervalNanos - (nanos.getAsLong() - last);
        return left <= 0 ? 0 : (left + 999_999) / 1_000_000;
    }

    /** Records that an event fired now. */
    public void fired() {
        last = nanos.getAsLong();
        ever = true;
    }
}
