package dev.gale.autoscaler.internal;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/** A clock a simulation moves by hand (nanosecond precision; UTC). Not thread-safe. */
public final class SimClock extends Clock {
    private final Instant start;
    private long nanos;

    public SimClock(Instant start) {
        this.start = start;
    }

    /** Moves to {@code seconds} after the start (never backwards). */
    public void setSeconds(double seconds) {
        long n = (long) (seconds * 1e9);
        if (n > nanos) nanos = n;
    }

    /** Seconds since the start. */
    public double seconds() {
        return nanos / 1e9;
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }

    @Override
    public long millis() {
        return start.toEpochMilli() + nanos / 1_000_000;
    }

    @Override
    public Instant instant() {
        return start.plusNanos(nanos);
    }
}
