package dev.gale.cluster;

import java.time.Instant;
import java.util.List;

/**
 * What the {@link ResourceManager} answers to a lease request or a demand, now or later. A
 * {@link LeasePool} interprets these for its owner ({@link LeasePool#accept}).
 */
public sealed interface LeaseReply extends ClusterMessage {
    /** The request this answers (the demand key for demand of a {@link LeasePool}). */
    String requestId();

    /** The lease of a {@link ResourceManager.RequestLease} was granted. */
    record Granted(Lease lease) implements LeaseReply {
        @Override
        public String requestId() {
            return lease.requestId();
        }
    }

    /**
     * One grant of a {@link ResourceManager.Demand}: one lease per spec of its bundle, in spec order.
     *
     * @param holderId  the holder whose demand it answers
     * @param demandKey the holder's demand key
     * @param leases    the leases, in the bundle's spec order
     */
    record BundleGranted(String holderId, String demandKey, List<Lease> leases) implements LeaseReply {
        public BundleGranted {
            leases = List.copyOf(leases);
        }

        @Override
        public String requestId() {
            return demandKey;
        }
    }

    /**
     * A granted lease was taken back: its node left the cluster, was drained past its deadline,
     * or a new ResourceManager could not re-adopt it.
     */
    record Revoked(String requestId, String leaseId, String reason) implements LeaseReply {
    }

    /**
     * The ResourceManager is emptying the lease's node ({@link ResourceManager.Consolidate}) and
     * asks its holder to move the work: stop it (keeping what it needs to resume) and release the
     * lease before {@code deadline}, then resume it on a new grant. Past the deadline a lease on
     * the emptied node is revoked. Sent only for leases the holder marked movable
     * ({@link ResourceManager.SetMovable}); for a bundle spanning nodes, to every lease of it.
     *
     * @param requestId the demand key the lease was granted for
     */
    record MoveRequested(String requestId, String leaseId, Instant deadline) implements LeaseReply {
    }

    /**
     * The bundle fits no node of the cluster, not even an empty one with the labels it needs: it
     * will not be granted unless nodes of another shape join. Its demand no longer waits.
     *
     * @param requestId the request id, or the demand key
     * @param reason    names the bundle and the node shapes the cluster has
     */
    record Refused(String requestId, String reason) implements LeaseReply {
    }

    /**
     * The bundle could fit but waited longer than its pending timeout while its group held no
     * lease. Its demand no longer waits.
     *
     * @param requestId the request id, or the demand key
     * @param reason    names the bundle and what holds the resources it needs
     */
    record TimedOut(String requestId, String reason) implements LeaseReply {
    }

    /**
     * Tells a lease holder whether requests of <em>other</em> groups wait for resources. While
     * they do, a fair holder releases a lease it no longer needs instead of handing it to more of
     * its own work, so that the ResourceManager can share it out. Not tied to a request:
     * {@link #requestId()} is the holder's group.
     *
     * @param group        the holder's group (the group of its requests)
     * @param othersWaiting whether requests of other groups are queued
     */
    record Contention(String group, boolean othersWaiting) implements LeaseReply {
        @Override
        public String requestId() {
            return group;
        }
    }
}
