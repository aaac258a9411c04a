package dev.gale.autoscaler.internal;

import dev.gale.autoscaler.InstanceState;
import dev.gale.autoscaler.NodeType;

import java.time.Instant;

/** One instance as the autoscaler tracks it (mutable; kept in an {@link InstanceTable}, changed by the core and its parts). */
final class Instance {
    final String id;
    final NodeType type;
    InstanceState state = InstanceState.QUEUED;
    Instant since;
    Instant requestedAt;
    String providerId = "";
    String nodeId = "";
    String reason = "";
    /** A terminate call is in flight or done. */
    boolean terminateSent;
    /** When to try a failed terminate again. */
    Instant terminateRetryAt;
    /** Terminate it as soon as its launch call returns (it timed out or was cancelled meanwhile). */
    boolean terminateWhenLaunched;
    /** Since when the provider's list has not shown it (null: shown). */
    Instant missingSince;
    /** Since when its node has been missing from the cluster (null: present). */
    Instant lostSince;
    /** Since when its node has held no lease (from the demand snapshot; null: busy or not joined). */
    Instant idleSince;
    /** True once its node held a lease. */
    boolean everBusy;

    Instance(String id, NodeType type, Instant now) {
        this.id = id;
        this.type = type;
        this.since = now;
    }

    @Override
    public String toString() {
        return id + " (" + type.name() + ", " + state + ")";
    }
}
