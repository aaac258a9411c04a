package dev.gale.cluster;

import org.apache.pekko.actor.typed.ActorRef;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The holder side of the lease protocol (interim implementation on single-spec requests).
 * Confined to the owning actor.
 */
public final class LeasePool {
    /** What a reply meant for the owner. */
    public sealed interface Event {
        /** Leases granted for a demand: one per spec of its bundle, in spec order. */
        record Granted(String demandKey, List<Lease> leases) implements Event {
        }

        /** A held lease was taken back. */
        record Lost(Lease lease, String reason) implements Event {
        }

        /** No node shape can ever hold the demand's bundle. */
        record Refused(String demandKey, String reason) implements Event {
        }

        /** The demand waited past its timeout while its group held nothing. */
        record TimedOut(String demandKey, String reason) implements Event {
        }

        /** Nothing for the owner (contention notices, stale replies). */
        record Ignored() implements Event {
        }
    }

    private static final int MAX_OUTSTANDING = 64;
    private static final Event.Ignored IGNORED = new Event.Ignored();

    private final ActorRef<ResourceManager.Command> rm;
    private final ActorRef<LeaseReply> self;
    private final String holderId;
    private final String group;
    private final Map<String, Lease> held = new LinkedHashMap<>();
    /** Outstanding request id → demand key. */
    private final Map<String, String> outstanding = new LinkedHashMap<>();
    private final Map<String, Integer> wanted = new HashMap<>();
    private final Map<String, Bundle> bundles = new HashMap<>();
    private long requests;
    private boolean contended;

    public LeasePool(ActorRef<ResourceManager.Command> rm, ActorRef<LeaseReply> self, String holderId, String group, Clock clock) {
        this.rm = rm;
        this.self = self;
        this.holderId = holderId;
        this.group = group == null ? "" : group;
    }

    /** How many more grants of {@code bundle} (beyond those held) the owner could use now; 0 withdraws. */
    public void want(String demandKey, Bundle bundle, int count, Duration pendingTimeout) {
        if (bundle.specs().size() != 1) throw new IllegalArgumentException("bundles of several specs need the gang-aware ResourceManager");
        wanted.put(demandKey, Math.max(0, count));
        bundles.put(demandKey, bundle);
        int have = 0;
        List<String> mine = new ArrayList<>();
        for (Map.Entry<String, String> e : outstanding.entrySet()) {
            if (e.getValue().equals(demandKey)) {
                have++;
                mine.add(e.getKey());
            }
        }
        int target = Math.min(count, MAX_OUTSTANDING);
        for (int i = have; i < target; i++) {
            String rid = holderId + "#" + (++requests);
            outstanding.put(rid, demandKey);
            rm.tell(new ResourceManager.RequestLease(rid, bundle.specs().getFirst(), self, group, bundle.strategy()));
        }
        for (int i = have - 1; i >= target; i--) {
            String rid = mine.get(i);
            outstanding.remove(rid);
            rm.tell(new ResourceManager.CancelRequest(rid));
        }
    }

    /** Interprets a reply addressed to this pool. */
    public Event accept(LeaseReply reply) {
        return switch (reply) {
            case LeaseReply.Granted g -> {
                String key = outstanding.remove(g.lease().requestId());
                if (key == null) {
                    rm.tell(new ResourceManager.ReleaseLease(g.lease().leaseId()));
                    yield IGNORED;
                }
                held.put(g.lease().leaseId(), g.lease());
                wanted.computeIfPresent(key, (k, n) -> Math.max(0, n - 1));
                yield new Event.Granted(key, List.of(g.lease()));
            }
            case LeaseReply.Revoked r -> {
                Lease l = held.remove(r.leaseId());
                yield l == null ? IGNORED : new Event.Lost(l, r.reason());
            }
            case LeaseReply.Contention c -> {
                contended = c.othersWaiting();
                yield IGNORED;
            }
        };
    }

    /** Gives a lease back. */
    public void release(Lease lease) {
        if (held.remove(lease.leaseId()) != null) rm.tell(new ResourceManager.ReleaseLease(lease.leaseId()));
    }

    /** False while other groups' requests wait: give freed leases back instead of reusing them. */
    public boolean reuseAllowed() {
        return !contended;
    }

    /** Re-advertises held leases and demand (interim: re-sends nothing). */
    public void sync() {
    }

    /** The leases held. */
    public Collection<Lease> held() {
        return held.values();
    }

    /** Withdraws all demand and releases every held lease. */
    public void close() {
        for (String rid : outstanding.keySet()) rm.tell(new ResourceManager.CancelRequest(rid));
        outstanding.clear();
        wanted.clear();
        for (Lease l : held.values()) rm.tell(new ResourceManager.ReleaseLease(l.leaseId()));
        held.clear();
    }
}
