package dev.gale.cluster.internal;

import dev.gale.cluster.Bundle;

/**
 * One holder's demand for one key in a {@link PlacementEngine}: "this holder could use
 * {@code count} more grants of this bundle", with the grants issued and received so far.
 * Promises: {@link #outstanding()} never counts a grant twice (issued but not yet received ones
 * are subtracted).
 */
public final class DemandEntry<H> {
    final String holderId;
    final String demandKey;
    H holder;
    String group;
    Bundle bundle;
    int count;
    long received;
    long issued;
    long timeoutMs = -1;
    boolean refuseInfeasible;
    final boolean single;
    long seq;
    long sinceMs;
    long starvedSinceMs = -1;
    boolean waiting;
    boolean checked;
    long feasibleVersion = -1;
    boolean feasible;
    long launchableVersion = -1;
    long launchableShapeVersion = -1;
    boolean launchable;

    DemandEntry(String holderId, String demandKey, boolean single) {
        this.holderId = holderId;
        this.demandKey = demandKey;
        this.single = single;
    }

    /** Grants still to issue: the holder's count less those issued and not yet seen by it. */
    public int outstanding() {
        long inFlight = Math.max(0, issued - received);
        return (int) Math.max(0, count - inFlight);
    }

    public String holderId() {
        return holderId;
    }

    public String demandKey() {
        return demandKey;
    }

    public H holder() {
        return holder;
    }

    public String group() {
        return group;
    }

    public Bundle bundle() {
        return bundle;
    }

    /** A request of the one-lease protocol (RequestLease): forgotten once granted. */
    public boolean single() {
        return single;
    }

    /** When it started waiting (epoch ms). */
    public long sinceMs() {
        return sinceMs;
    }

    /** Arrival order. */
    public long seq() {
        return seq;
    }

    /** Grants issued so far for this entry. */
    public long issued() {
        return issued;
    }
}
