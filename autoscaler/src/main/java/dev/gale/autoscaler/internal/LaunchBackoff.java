package dev.gale.autoscaler.internal;

import dev.gale.autoscaler.AutoscalerSettings;
import dev.gale.autoscaler.NodeType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Per node type, the launch failures in a row and the back-off they earn: after a failure the
 * type is not launched for {@code launchBackoff × 2^(failures in a row − 1)} (at most
 * {@code maxLaunchBackoff}); a join resets it.
 *
 * <p>Promises: every failure is kept in the {@link EventLog} (and logged unless quiet); a type the
 * config does not name is ignored by {@link #failure}. Not thread-safe.
 */
final class LaunchBackoff {
    private static final Logger log = LoggerFactory.getLogger("dev.gale.autoscaler");

    private final AutoscalerSettings settings;
    private final EventLog events;
    private final Map<String, TypeState> typeStates = new LinkedHashMap<>();

    private static final class TypeState {
        int failures;
        Instant backoffUntil;
        String lastFailure = "";
    }

    LaunchBackoff(List<NodeType> types, AutoscalerSettings settings, EventLog events) {
        this.settings = settings;
        this.events = events;
        for (NodeType t : types) typeStates.put(t.name(), new TypeState());
    }

    /** A launch of {@code t} failed ({@code why}) at {@code now}: it backs off longer. */
    void failure(NodeType t, String why, Instant now) {
        TypeState ts = typeStates.get(t.name());
        if (ts == null) return;
        ts.failures++;
        Duration first = settings.launchBackoff();
        Duration max = settings.maxLaunchBackoff();
        long ms = first.toMillis() << Math.min(20, ts.failures - 1);
        Duration wait = ms <= 0 || ms > max.toMillis() ? max : Duration.ofMillis(ms);
        ts.backoffUntil = now.plus(wait);
        ts.lastFailure = why;
        events.add(t.name() + ": launch failure " + ts.failures + " in a row (" + why + "); backing off for " + Durations.format(wait));
        if (events.logging()) log.warn("node type {}: launch failure {} in a row ({}); backing off for {}", t.name(), ts.failures, why, Durations.format(wait));
    }

    /** A node of {@code t} joined: its failures in a row and its back-off are reset. */
    void joined(NodeType t) {
        TypeState ts = typeStates.get(t.name());
        ts.failures = 0;
        ts.backoffUntil = null;
    }

    /** Whether the type named {@code type} is backing off at {@code now}. */
    boolean backingOff(String type, Instant now) {
        TypeState ts = typeStates.get(type);
        return ts.backoffUntil != null && now.isBefore(ts.backoffUntil);
    }

    /** Until when the type named {@code type} backs off, or null when it does not at {@code now}. */
    Instant until(String type, Instant now) {
        TypeState ts = typeStates.get(type);
        return ts.backoffUntil != null && now.isBefore(ts.backoffUntil) ? ts.backoffUntil : null;
    }

    /** The launch failures in a row of the type named {@code type}. */
    int failures(String type) {
        return typeStates.get(type).failures;
    }

    /** The last launch failure of the type named {@code type} ("" when none). */
    String lastFailure(String type) {
        return typeStates.get(type).lastFailure;
    }
}
