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
}
