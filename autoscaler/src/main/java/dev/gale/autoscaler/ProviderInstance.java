package dev.gale.autoscaler;

/**
 * A node as its provider sees it.
 *
 * @param instanceId the autoscaler's id (from the node's tags)
 * @param providerId the provider's id (a process id, a pod name, an EC2 instance id)
 * @param nodeType   the node type (from the node's tags; may name a type the config no longer has)
 * @param state      its state at the provider
 * @param detail     a short human-readable detail (phase, status reason), never a secret
 */
public record ProviderInstance(String instanceId, String providerId, String nodeType, State state, String detail) {
    /** A node's state at its provider. */
    public enum State {
        /** Accepted, not yet running (booting, scheduling, image pull). */
        PENDING,
        /** Running (the Gale node may or may not have joined yet). */
        RUNNING,
        /** Being terminated. */
        TERMINATING,
        /** Gone or failed; it will not join (again). */
        TERMINATED
    }

    public ProviderInstance {
        if (instanceId == null || instanceId.isBlank()) throw new IllegalArgumentException("instanceId is blank");
        if (providerId == null || providerId.isBlank()) throw new IllegalArgumentException("providerId is blank");
        if (nodeType == null) nodeType = "";
        if (state == null) throw new IllegalArgumentException("state is null");
        if (detail == null) detail = "";
    }
}
