package dev.gale.cluster.internal;

import dev.gale.cluster.Bundle;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * The waiting entries of one group, bucketed by bundle shape, each bucket in arrival order.
 * Entries of one shape are interchangeable for placement, so a drain looks at the first entry
 * of each shape only: its cost grows with the shapes waiting, not with the entries.
 */
final class GroupQueue<H> {
    final String group;
    final LinkedHashMap<Bundle, LinkedHashSet<DemandEntry<H>>> byShape = new LinkedHashMap<>();
    int size;

    GroupQueue(String group) {
        this.group = group;
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** Arrival of the group's oldest waiting entry. */
    long oldest() {
        long min = Long.MAX_VALUE;
        for (LinkedHashSet<DemandEntry<H>> b : byShape.values()) min = Math.min(min, b.getFirst().seq);
        return min;
    }

    /** The first entry of each shape, oldest first (into {@code out}, cleared first). */
    void heads(List<DemandEntry<H>> out) {
        out.clear();
        for (LinkedHashSet<DemandEntry<H>> b : byShape.values()) out.add(b.getFirst());
        if (out.size() > 1) out.sort((a, b) -> Long.compare(a.seq, b.seq));
    }

    /** Every waiting entry (any order). */
    void all(List<DemandEntry<H>> out) {
        for (LinkedHashSet<DemandEntry<H>> b : byShape.values()) out.addAll(b);
    }
}
