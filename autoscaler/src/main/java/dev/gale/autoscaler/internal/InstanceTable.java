package dev.gale.autoscaler.internal;

import dev.gale.autoscaler.InstanceState;
import dev.gale.autoscaler.NodeType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * The autoscaler's instances, oldest first, and their state machine: new ids, queued instances,
 * every state change, the ids of the instances given up, and pruning of the ended ones.
 *
 * <p>Promises:
 * <ul>
 *   <li>Every state change follows {@link InstanceState#next()}, is kept in the {@link EventLog}
 *       (and logged unless quiet); an illegal one throws {@link IllegalStateException}.</li>
 *   <li>Ids are {@code <cluster>-<counter>-<5 random base-36 digits>}: unique in this table and,
 *       through the injected random, across heads.</li>
 *   <li>The ids of the last 10,000 instances that ended are remembered after they are pruned, so a
 *       node given up is never adopted again; at most {@value #TERMINATED_KEPT} ended instances
 *       stay in the table, except those with a terminate to retry or one owed when their launch
 *       call returns.</li>
 * </ul>
 * Not thread-safe.
 */
final class InstanceTable {
    private static final Logger log = LoggerFactory.getLogger("dev.gale.autoscaler");
    private static final int TERMINATED_KEPT = 30;

    private final String cluster;
    private final RandomGenerator random;
    private final EventLog events;
    private final Map<String, Instance> instances = new LinkedHashMap<>();
    private final LinkedHashSet<String> terminatedIds = new LinkedHashSet<>();
    private long counter;

    /**
     * @param cluster the cluster's name, the first part of every id
     * @param random  makes instance ids unique across heads (seed it in tests)
     */
    InstanceTable(String cluster, RandomGenerator random, EventLog events) {
        this.cluster = cluster;
        this.random = random;
        this.events = events;
    }

    /** The instances, oldest first (a live view: iterate it, add through {@link #add} and {@link #queue}). */
    Collection<Instance> all() {
        return instances.values();
    }

    /** The instance with {@code id}, or null. */
    Instance get(String id) {
        return instances.get(id);
    }

    /** Whether the instance with {@code id} ended in this table (remembered after it was pruned). */
    boolean wasTerminated(String id) {
        return terminatedIds.contains(id);
    }

    /** Adds {@code i} (adopted, its state set by the caller), after every other. */
    void add(Instance i) {
        instances.put(i.id, i);
    }

    /** A new QUEUED instance of {@code type}, for {@code why}. */
    void queue(NodeType type, String why, Instant now) {
        String id = newId();
        Instance i = new Instance(id, type, now);
        i.reason = why;
        instances.put(id, i);
        events.add(id + " (" + type.name() + "): QUEUED (" + why + ")");
        if (events.logging()) log.info("instance {} ({}): QUEUED ({})", id, type.name(), why);
    }

    private String newId() {
        String suffix = Long.toString(random.nextLong(36L * 36 * 36 * 36 * 36), 36);
        return cluster + "-" + Long.toString(++counter, 36) + "-" + "0".repeat(5 - suffix.length()) + suffix;
    }

    /** Moves {@code i} to {@code to} for {@code why} at {@code now}; throws when the state machine does not allow it. */
    void move(Instance i, InstanceState to, String why, Instant now) {
        if (!i.state.next().contains(to)) {
            throw new IllegalStateException("instance " + i.id + ": " + i.state + " -> " + to + " is not allowed (" + why + ")");
        }
        InstanceState from = i.state;
        i.state = to;
        i.since = now;
        i.reason = why;
        if (to == InstanceState.TERMINATED) {
            terminatedIds.add(i.id);
            if (terminatedIds.size() > 10_000) {
                Iterator<String> it = terminatedIds.iterator();
                it.next();
                it.remove();
            }
        }
        String line = i.id + " (" + i.type.name() + "): " + from + " -> " + to + " (" + why + ")";
        if (events.logging()) log.info("instance {}", line);
        events.add(line);
    }

    /** Drops the oldest ended instances beyond {@value #TERMINATED_KEPT} (not those still owed a terminate). */
    void prune() {
        int terminated = 0;
        for (Instance i : instances.values()) if (i.state == InstanceState.TERMINATED && i.terminateRetryAt == null) terminated++;
        if (terminated <= TERMINATED_KEPT) return;
        for (Iterator<Instance> it = instances.values().iterator(); it.hasNext() && terminated > TERMINATED_KEPT; ) {
            Instance i = it.next();
            if (i.state == InstanceState.TERMINATED && i.terminateRetryAt == null && !i.terminateWhenLaunched) {
                it.remove();
                terminated--;
            }
        }
    }

    /** Instances in {@code state} now. */
    int count(InstanceState state) {
        int n = 0;
        for (Instance i : instances.values()) if (i.state == state) n++;
        return n;
    }

    /** The ids of the instances in {@code state}, oldest first. */
    List<String> ids(InstanceState state) {
        List<String> out = new ArrayList<>();
        for (Instance i : instances.values()) if (i.state == state) out.add(i.id);
        return out;
    }
}
