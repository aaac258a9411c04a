package dev.gale.autoscaler;

/**
 * The infrastructure refused to launch a node. The autoscaler backs off the node type
 * (exponentially) and serves the demand with the next type that fits.
 */
public final class LaunchException extends Exception {
    /** Why it was refused. */
    public enum Kind {
        /** No capacity of this type now (EC2 InsufficientInstanceCapacity, an unschedulable pod, a full machine). */
        CAPACITY,
        /** An account or namespace limit (EC2 InstanceLimitExceeded / VcpuLimitExceeded, a Kubernetes ResourceQuota). */
        QUOTA,
        /** The settings are wrong (unknown image, bad instance type, missing permission). */
        CONFIGURATION,
        /** Anything else (network, throttling, server errors). */
        TRANSIENT
    }

    private final Kind kind;

    public LaunchException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public LaunchException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    /** Why it was refused. */
    public Kind kind() {
        return kind;
    }
}
