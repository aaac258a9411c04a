package dev.gale.cluster.internal;

import dev.gale.cluster.DemandSnapshot;
import dev.gale.cluster.LeaseReply;
import org.apache.pekko.actor.typed.ActorRef;

import java.time.Clock;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongConsumer;

/**
 * What a ResourceManager tells others about the demand after each change: each group's holders
 * whether other groups' demand waits ({@link LeaseReply.Contention}), and the demand subscribers a
 * {@link DemandSnapshot}. Part of the ResourceManager actor (same thread, not thread-safe); it
 * keeps the subscribers, the contention last told per group and the publishing throttle.
 *
 * <p>Promises:
 * <ul>
 *   <li>A group's holders are told of contention when it changes (only demand some node could hold
 *       counts; nothing changes while the engine is paused), each holder once per change.</li>
 *   <li>After a change, subscribers get a snapshot at once, or, within the throttle's interval of
 *       the last one, a single snapshot when the caller's timer fires ({@link #publishDue()}).</li>
 * </ul>
 */
public final class DemandPublisher {
    private final PlacementEngine<HolderRef> engine;
    private final Clock clock;
    private final Throttle throttle;
    private final LongConsumer schedule;
    /** Per group: the contention last told to its holders. */
    private final Map<String, Boolean> contention = new HashMap<>();
    private final Set<ActorRef<DemandSnapshot>> subscribers = new HashSet<>();
    private boolean publishPending;

    /**
     * @param clock    dates the snapshots
     * @param throttle at most one snapshot per its interval
     * @param schedule asks the caller to call {@link #publishDue()} after that many milliseconds
     */
    public DemandPublisher(PlacementEngine<HolderRef> engine, Clock clock, Throttle throttle, LongConsumer schedule) {
        this.engine = engine;
        this.clock = clock;
        this.throttle = throttle;
        this.schedule = schedule;
    }

    /** After any change: tells holders whether others wait, and publishes a snapshot now or schedules one. */
    public void changed() {
        updateContention();
        if (!subscribers.isEmpty() && !publishPending) {
            long wait = throttle.delayMillis();
            if (wait <= 0) publish();
            else {
                publishPending = true;
                schedule.accept(wait);
            }
        }
    }

    /** True when {@code group}'s holders were last told that other groups wait. */
    public boolean contended(String group) {
        return Boolean.TRUE.equals(contention.get(group));
    }

    /**
     * Tells each group's holders whether other groups' demand waits (only demand some node could
     * hold counts: unmet demand is the autoscaler's business, not a reason to give back).
     */
    private void updateContention() {
        Map<String, Map<HolderRef, Integer>> holders = engine.holdersByGroup();
        if (holders.isEmpty()) {
            contention.clear();
            return;
        }
        if (engine.paused()) return;
        List<String> waitingFeasible = engine.groupsWaitingFeasibly();
        for (Map.Entry<String, Map<HolderRef, Integer>> e : holders.entrySet()) {
            String g = e.getKey();
            boolean others = false;
            for (String w : waitingFeasible) {
                if (!w.equals(g)) {
                    others = true;
                    break;
                }
            }
            Boolean before = contention.put(g, others);
            if (before == null ? others : before != others) {
                Set<ActorRef<LeaseReply>> told = new HashSet<>();
                for (HolderRef r : e.getValue().keySet()) {
                    if (told.add(r.replyTo())) r.replyTo().tell(new LeaseReply.Contention(g, others));
                }
            }
        }
        contention.keySet().retainAll(holders.keySet());
    }

    /** Adds a subscriber; true when it is new (the caller then watches it). Send it a snapshot with {@link #sendSnapshot}. */
    public boolean subscribe(ActorRef<DemandSnapshot> subscriber) {
        return subscribers.add(subscriber);
    }

    /** Tells {@code subscriber} the demand now. */
    public void sendSnapshot(ActorRef<DemandSnapshot> subscriber) {
        subscriber.tell(StatusViews.snapshot(engine, clock));
    }

    /** Removes a subscriber (unsubscribed, or dead); true when it was one. */
    public boolean unsubscribe(ActorRef<DemandSnapshot> subscriber) {
        return subscribers.remove(subscriber);
    }

    /** The snapshot scheduled by {@link #changed()} is due: publishes it, if anyone still listens. */
    public void publishDue() {
        publishPending = false;
        if (!subscribers.isEmpty()) publish();
    }

    private void publish() {
        throttle.fired();
        DemandSnapshot s = StatusViews.snapshot(engine, clock);
        for (ActorRef<DemandSnapshot> r : subscribers) r.tell(s);
    }
}
