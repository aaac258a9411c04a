package dev.gale.cluster.internal;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The leases a {@link PlacementEngine} holds (granted, or adopted after a failover), by id, and
 * the counts derived from them: leases per node ({@link NodeSlot#leases()}, and since when a node
 * is idle), per group, and per holder within a group.
 *
 * <p>Promises: every count matches the leases held here after each call (a lease counts once, for
 * its current group and holder; a lease without a holder counts for its group only). The node
 * allocators are not touched: the engine holds and frees allocations. Not thread-safe: owned by
 * one engine.
 */
final class LeaseLedger<H> {
    private final Clock clock;
    private final Map<String, EngineLease<H>> leases = new HashMap<>();
    private final Map<String, Integer> heldByGroup = new HashMap<>();
    private final Map<String, Map<H, Integer>> holdersByGroup = new HashMap<>();

    /** @param clock dates when a node became idle */
    LeaseLedger(Clock clock) {
        this.clock = clock;
    }

    /** The lease, or null. */
    EngineLease<H> get(String leaseId) {
        return leases.get(leaseId);
    }

    /** Every lease (the live view: do not change it). */
    Collection<EngineLease<H>> all() {
        return leases.values();
    }

    /** Adds a lease and counts it. */
    void add(EngineLease<H> h) {
        leases.put(h.leaseId, h);
        account(h);
    }

    /** Removes a lease and uncounts it; returns it, or null when unknown. */
    EngineLease<H> remove(String leaseId) {
        EngineLease<H> h = leases.remove(leaseId);
        if (h == null) return null;
        unaccount(h);
        return h;
    }

    /** Removes and uncounts every lease on {@code n}; returns them. */
    List<EngineLease<H>> removeOn(NodeSlot n) {
        List<EngineLease<H>> out = new ArrayList<>(n.leases);
        if (n.leases == 0) return out;
        for (Iterator<EngineLease<H>> it = leases.values().iterator(); it.hasNext(); ) {
            EngineLease<H> h = it.next();
            if (h.node == n) {
                it.remove();
                unaccount(h);
                out.add(h);
            }
        }
        return out;
    }

    /** Sets the holder, group and (unless null) demand key of a lease held here, counting it anew. */
    void bind(EngineLease<H> h, H holder, String group, String demandKey) {
        if (leases.get(h.leaseId) != h) return;
        unaccount(h);
        h.holder = holder;
        h.group = group == null ? "" : group;
        if (demandKey != null) h.demandKey = demandKey;
        account(h);
    }

    private void account(EngineLease<H> h) {
        h.node.leases++;
        heldByGroup.merge(h.group, 1, Integer::sum);
        if (h.holder != null) holdersByGroup.computeIfAbsent(h.group, g -> new HashMap<>()).merge(h.holder, 1, Integer::sum);
    }

    private void unaccount(EngineLease<H> h) {
        if (--h.node.leases == 0) h.node.idleSinceMs = clock.millis();
        heldByGroup.computeIfPresent(h.group, (g, c) -> c > 1 ? c - 1 : null);
        if (h.holder != null) {
            Map<H, Integer> m = holdersByGroup.get(h.group);
            if (m != null) {
                m.computeIfPresent(h.holder, (k, c) -> c > 1 ? c - 1 : null);
                if (m.isEmpty()) holdersByGroup.remove(h.group);
            }
        }
    }

    /** Leases held by {@code group}. */
    int heldBy(String group) {
        return heldByGroup.getOrDefault(group, 0);
    }

    /** Per group, the holders of its leases (read only). */
    Map<String, Map<H, Integer>> holdersByGroup() {
        return Collections.unmodifiableMap(holdersByGroup);
    }
}
