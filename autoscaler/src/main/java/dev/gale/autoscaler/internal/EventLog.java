package dev.gale.autoscaler.internal;

import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The autoscaler's recent events (the last {@value #EVENTS} lines, each stamped with the injected
 * {@link Clock}'s time) as {@code gale cluster status} shows them, and whether its decisions are
 * also logged.
 *
 * <p>Promises: holds at most {@value #EVENTS} lines, oldest dropped first; {@link #quiet()} only
 * turns logging off, events are kept as before. Not thread-safe.
 */
final class EventLog {
    private static final int EVENTS = 200;

    private final Clock clock;
    private final ArrayDeque<String> events = new ArrayDeque<>();
    private boolean logging = true;

    EventLog(Clock clock) {
        this.clock = clock;
    }

    /** Stops logging (a simulation replays thousands of transitions); events are kept. */
    void quiet() {
        logging = false;
    }

    /** Whether decisions are logged (callers log only while this holds). */
    boolean logging() {
        return logging;
    }

    /** Keeps {@code line}, stamped with the time now, dropping the oldest beyond {@value #EVENTS}. */
    void add(String line) {
        events.addLast(clock.instant() + " " + line);
        while (events.size() > EVENTS) events.removeFirst();
    }

    /** A copy of the events kept, oldest first. */
    List<String> lines() {
        return new ArrayList<>(events);
    }
}
