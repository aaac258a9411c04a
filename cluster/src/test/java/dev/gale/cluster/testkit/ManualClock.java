package dev.gale.cluster.testkit;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/** A clock that moves only when a test says so ({@link #advance}); safe to read from any thread. */
public final class ManualClock extends Clock {
    private volatile long millis;

    /** A clock at {@code start}. */
    public ManualClock(Instant start) {
        this.millis = start.toEpochMilli();
    }

    /** Moves the clock forward. */
    public synchronized void advance(Duration d) {
        millis += d.toMillis();
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
        return millis;
    }

    @Override
    public Instant instant() {
        return Instant.ofEpochMilli(millis);
    }
}
