package dev.gale.cluster;

/** What the {@link ResourceManager} answers to a lease request, now or later. */
public sealed interface LeaseReply extends ClusterMessage {
    /** The request this answers. */
    String requestId();

    /** The lease was granted. */
    record Granted(Lease lease) implements LeaseReply {
        @Override
        public String requestId() {
            return lease.requestId();
        }
    }

    /** A granted lease was taken back because its node left the cluster. */
    record Revoked(String requestId, String leaseId, String reason) implements LeaseReply {
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
