package dev.gale.cluster;

import org.apache.pekko.actor.typed.ActorRef;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The holder side of leasing, shared by every lease holder (a tune controller, the
 * {@link TaskClient}'s coordinator, a training worker group): tells the {@link ResourceManager}
 * how many more grants of each bundle its owner could use now, interprets the replies, and keeps
 * the leases held.
 *
 * <p>Confined to the owning actor (not thread-safe): call it from the actor's thread only, and hand
 * every {@link LeaseReply} that arrives at {@code self} to {@link #accept}. Call {@link #sync()}
 * every ~2 s from the owner's timer.
 *
 * <p>Promises:
 * <ul>
 *   <li><b>No over-grant.</b> {@link #want} sends the count with the number of grants of that key
 *       received so far; the ResourceManager subtracts the grants still on their way. A grant that
 *       arrives when the owner no longer wants any of that key (it lowered its count meanwhile) is
 *       released by the pool and reported as {@link Event.Ignored}, never as {@link Event.Granted}.</li>
 *   <li><b>Reuse.</b> A held lease may run the owner's next work without a release/grant round
 *       trip while {@link #reuseAllowed()}; otherwise the owner should {@link #release} it so that
 *       other groups get their share.</li>
 *   <li>Every lease the pool reported as {@link Event.Granted} stays in {@link #held()} until the
 *       owner releases it or the pool reports it {@link Event.Lost}.</li>
 *   <li><b>Failover.</b> {@link #sync()} re-advertises the held leases and the current demand, so a
 *       new ResourceManager singleton re-adopts them (or revokes those it cannot: {@link Event.Lost}).</li>
 *   <li>{@link #close()} withdraws all demand and releases every held lease.</li>
 * </ul>
 */
public final class LeasePool {

    /** What a reply meant for the owner. */
    public sealed interface Event {
        /** One grant of {@code demandKey}: one lease per spec of its bundle, in spec order. */
        record Granted(String demandKey, List<Lease> leases) implements Event {
            public Granted {
                leases = List.copyOf(leases);
            }
        }

        /** A held lease was revoked: its node is gone, it was drained past its deadline, or a new ResourceManager could not re-adopt it. */
        record Lost(Lease lease, String reason) implements Event {
        }

        /** The demand of {@code demandKey} fits no node of the cluster; it no longer waits (its count is now 0). */
        record Refused(String demandKey, String reason) implements Event {
        }

        /** The demand of {@code demandKey} waited past its pending timeout while the group held nothing; it no longer waits. */
        record TimedOut(String demandKey, String reason) implements Event {
        }

        /**
         * The ResourceManager asks to move the work of a held lease (its node is being emptied,
         * {@link ResourceManager.Consolidate}): stop it, {@link #release} the lease before
         * {@code deadline} (else it is revoked) and resume the work on a new grant.
         */
        record MoveRequested(Lease lease, Instant deadline) implements Event {
        }

        /** Nothing for the owner: contention notices, stale or duplicate replies. */
        record Ignored() implements Event {
        }
    }

    private static final Event.Ignored IGNORED = new Event.Ignored();

    /** The owner's demand for one key and what was sent. */
    private static final class WantState {
        Bundle bundle;
        int count;
        long received;
        Duration timeout;
        boolean refuse;
        Instant since;
    }

    private final ActorRef<ResourceManager.Command> rm;
    private final ActorRef<LeaseReply> self;
    private final String holderId;
    private final String group;
    private final Clock clock;
    private final Map<String, WantState> wants = new HashMap<>();
    private final Map<String, Lease> held = new LinkedHashMap<>();
    private final Collection<Lease> heldView = Collections.unmodifiableCollection(held.values());
    private boolean othersWaiting;
    private boolean closed;

    /**
     * A pool with nothing held or wanted.
     *
     * @param rm       the ResourceManager (proxy)
     * @param self     where replies for this pool arrive (the owner's adapter); hand them to {@link #accept}
     * @param holderId unique in the cluster (e.g. the experiment's name and the driver's address)
     * @param group    the fairness group (an experiment's name); blank for none
     * @param clock    dates the demand ({@link #waitingSince})
     */
    public LeasePool(ActorRef<ResourceManager.Command> rm, ActorRef<LeaseReply> self, String holderId, String group,
                     Clock clock) {
        if (rm == null) throw new IllegalArgumentException("rm is null: pass the ResourceManager (GaleNode.resourceManager())");
        if (self == null) throw new IllegalArgumentException("self is null: pass the owner's LeaseReply adapter");
        if (holderId == null || holderId.isBlank()) throw new IllegalArgumentException("holderId is blank: give a cluster-unique id");
        this.rm = rm;
        this.self = self;
        this.holderId = holderId;
        this.group = group == null ? "" : group;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * How many more grants of {@code bundle} (beyond those held) the owner could use now; 0
     * withdraws. Cheap when unchanged (nothing is sent). A bundle that fits no node shape is
     * refused ({@link Event.Refused}).
     *
     * @param pendingTimeout time out ({@link Event.TimedOut}) after waiting this long while the
     *                       group holds no lease; null: wait as long as it takes
     */
    public void want(String demandKey, Bundle bundle, int count, Duration pendingTimeout) {
        want(demandKey, bundle, count, pendingTimeout, true);
    }

    /**
     * As {@link #want(String, Bundle, int, Duration)}; with {@code refuseInfeasible} false a
     * bundle that fits no node shape waits as unmet demand (for an autoscaler) instead of being refused.
     */
    public void want(String demandKey, Bundle bundle, int count, Duration pendingTimeout, boolean refuseInfeasible) {
        if (closed) throw new IllegalStateException("lease pool " + holderId + " is closed");
        if (demandKey == null) throw new IllegalArgumentException("demandKey is null: name the demand");
        if (bundle == null) throw new IllegalArgumentException("bundle is null: say what one grant is (Bundle.of(spec))");
        if (count < 0) throw new IllegalArgumentException("count = " + count + ": must be >= 0 (0 withdraws)");
        WantState w = wants.get(demandKey);
        if (w == null) {
            if (count == 0) return;
            w = new WantState();
            wants.put(demandKey, w);
        } else if (w.count == count && (w.bundle == bundle || w.bundle.equals(bundle))
                && Objects.equals(w.timeout, pendingTimeout) && w.refuse == refuseInfeasible) {
            return;
        }
        if (w.count == 0 && count > 0) w.since = clock.instant();
        w.bundle = bundle;
        w.count = count;
        w.timeout = pendingTimeout;
        w.refuse = refuseInfeasible;
        rm.tell(new ResourceManager.Demand(holderId, group, self, line(demandKey, w)));
    }

    private static ResourceManager.Want line(String key, WantState w) {
        return new ResourceManager.Want(key, w.bundle, w.count, w.received, w.timeout, w.refuse);
    }

    /** Interprets a reply addressed to this pool. */
    public Event accept(LeaseReply reply) {
        return switch (reply) {
            case LeaseReply.BundleGranted g -> onGranted(g);
            case LeaseReply.Revoked r -> {
                Lease l = held.remove(r.leaseId());
                yield l == null ? IGNORED : new Event.Lost(l, r.reason());
            }
            case LeaseReply.Refused r -> {
                WantState w = wants.get(r.requestId());
                if (w == null || w.count == 0) yield IGNORED;
                w.count = 0;
                yield new Event.Refused(r.requestId(), r.reason());
            }
            case LeaseReply.TimedOut t -> {
                WantState w = wants.get(t.requestId());
                if (w == null || w.count == 0) yield IGNORED;
                w.count = 0;
                yield new Event.TimedOut(t.requestId(), t.reason());
            }
            case LeaseReply.MoveRequested m -> {
                Lease l = held.get(m.leaseId());
                yield l == null ? IGNORED : new Event.MoveRequested(l, m.deadline());
            }
            case LeaseReply.Contention c -> {
                othersWaiting = c.othersWaiting();
                yield IGNORED;
            }
            case LeaseReply.Granted g -> IGNORED; // a single request's grant: not this pool's protocol
        };
    }

    private Event onGranted(LeaseReply.BundleGranted g) {
        if (!g.holderId().equals(holderId)) return IGNORED;
        for (Lease l : g.leases()) {
            if (held.containsKey(l.leaseId())) return IGNORED; // a duplicate
        }
        WantState w = wants.get(g.demandKey());
        if (w != null) w.received++;
        if (closed || w == null || w.count <= 0) {
            for (Lease l : g.leases()) rm.tell(new ResourceManager.ReleaseLease(l.leaseId()));
            return IGNORED;
        }
        w.count--;
        for (Lease l : g.leases()) held.put(l.leaseId(), l);
        return new Event.Granted(g.demandKey(), g.leases());
    }

    /** Gives a held lease back (no effect on a lease this pool does not hold). */
    public void release(Lease lease) {
        if (held.remove(lease.leaseId()) != null) rm.tell(new ResourceManager.ReleaseLease(lease.leaseId()));
    }

    /**
     * Says whether the work on a held lease can be moved (stopped and resumed elsewhere, see
     * {@link ResourceManager.SetMovable}); no effect on a lease this pool does not hold.
     */
    public void setMovable(Lease lease, boolean movable) {
        if (held.containsKey(lease.leaseId())) rm.tell(new ResourceManager.SetMovable(lease.leaseId(), movable));
    }

    /** False while other groups' requests wait: the owner should give freed leases back instead of reusing them. */
    public boolean reuseAllowed() {
        return !othersWaiting;
    }

    /**
     * Call every ~2 s from the owner's timer: re-advertises held leases and current demand (a new
     * ResourceManager singleton re-adopts them).
     */
    public void sync() {
        if (closed) return;
        List<ResourceManager.Want> lines = new ArrayList<>(wants.size());
        wants.forEach((k, w) -> {
            if (w.count > 0) lines.add(line(k, w));
        });
        rm.tell(new ResourceManager.SyncHolder(holderId, group, self, new ArrayList<>(held.values()), lines));
    }

    /** The leases held now (a read-only view). */
    public Collection<Lease> held() {
        return heldView;
    }

    /** How many more grants of {@code demandKey} the owner wants now (as the pool counts them: less those received). */
    public int wanted(String demandKey) {
        WantState w = wants.get(demandKey);
        return w == null ? 0 : w.count;
    }

    /** Since when {@code demandKey} has been wanted without pause, or null when nothing of it is wanted. */
    public Instant waitingSince(String demandKey) {
        WantState w = wants.get(demandKey);
        return w == null || w.count == 0 ? null : w.since;
    }

    /** This pool's holder id. */
    public String holderId() {
        return holderId;
    }

    /** Withdraws all demand and releases every held lease. Later grants are released as they arrive. */
    public void close() {
        if (closed) return;
        closed = true;
        for (Lease l : held.values()) rm.tell(new ResourceManager.ReleaseLease(l.leaseId()));
        held.clear();
        for (WantState w : wants.values()) w.count = 0;
        rm.tell(new ResourceManager.WithdrawHolder(holderId));
    }
}
