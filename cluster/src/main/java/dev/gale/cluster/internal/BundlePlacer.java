package dev.gale.cluster.internal;

import dev.gale.cluster.Bundle;
import dev.gale.cluster.Placement;
import dev.gale.gpu.Allocation;
import dev.gale.gpu.ResourceSpec;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Chooses nodes for one {@link Bundle} among {@link NodeSlot}s and allocates there, all or
 * nothing. Pure: the same slots in the same state give the same answer, which is why a
 * feasibility check (imaginary empty slots) and a placement on an emptied cluster agree.
 *
 * <p>Rules:
 * <ul>
 *   <li>A slot is eligible when it is not draining and has every label of the bundle's selector.</li>
 *   <li>Score of a slot for a spec (lower is better): work that needs no GPU avoids GPU nodes
 *       (+10<sup>12</sup>); then, with {@code free} the free GPU capacity (for GPU work) or the free
 *       CPUs, {@code PACK}: {@code free·1000 + leases}, {@code SPREAD}: {@code −free·1000 + leases}.
 *       Ties go to the earlier slot.</li>
 *   <li>One spec: the best-scoring eligible slot where it can be allocated now.</li>
 *   <li>Several specs: {@code STRICT_PACK} tries each eligible slot in the order of its score for
 *       the first spec and takes the first that holds all specs; the others search depth first,
 *       spec by spec, slots in score order — {@code STRICT_SPREAD} never reuses a slot,
 *       {@code PACK} tries the slots the bundle already uses first, {@code SPREAD} those it does
 *       not use first — backtracking at most {@value #MAX_STEPS} times per bundle (a bound on the
 *       cost of a bundle that does not fit now).</li>
 * </ul>
 * On success the allocations are held by the slots' allocators; on failure nothing changed.
 */
final class BundlePlacer {
    /** Allocation attempts one multi-spec placement may make before it gives up. */
    static final int MAX_STEPS = 4096;

    private BundlePlacer() {
    }

    /** Whether {@code s} may take work of {@code b}. */
    static boolean eligible(NodeSlot s, Bundle b) {
        return !s.draining && b.matches(s.labels);
    }

    static double score(NodeSlot n, ResourceSpec spec, boolean spread) {
        boolean wantsGpu = spec.gpus() > 0;
        double score = (!wantsGpu && n.hasGpus) ? 1e12 : 0;
        double free = wantsGpu ? n.freeGpu() * 1e3 + n.allocator.freeCpus() : n.allocator.freeCpus();
        score += spread ? -free * 1e3 + n.leases : free * 1e3 + n.leases;
        return score;
    }

    /**
     * Places {@code b} on {@code slots}: fills {@code nodes} and {@code allocs} (one per spec, held
     * by the slots' allocators) and returns true, or returns false and changes nothing.
     */
    static boolean place(Bundle b, Collection<NodeSlot> slots, NodeSlot[] nodes, Allocation[] allocs) {
        List<ResourceSpec> specs = b.specs();
        if (specs.size() == 1) {
            ResourceSpec spec = specs.getFirst();
            NodeSlot n = single(spec, spreads(b.placement()), b, slots);
            if (n == null) return false;
            nodes[0] = n;
            allocs[0] = n.allocator.tryAllocate(spec).orElseThrow();
            return true;
        }
        List<NodeSlot> cand = new ArrayList<>(slots.size());
        for (NodeSlot s : slots) if (eligible(s, b)) cand.add(s);
        if (cand.isEmpty() || !enoughInTotal(specs, cand)) return false;
        if (b.placement() == Placement.STRICT_PACK) return strictPack(specs, cand, nodes, allocs);
        if (b.placement() == Placement.STRICT_SPREAD && cand.size() < specs.size()) return false;
        int[] budget = {MAX_STEPS};
        return search(specs, 0, b.placement(), cand, nodes, allocs, budget);
    }

    private static boolean spreads(Placement p) {
        return p == Placement.SPREAD || p == Placement.STRICT_SPREAD;
    }

    /** The best slot for one spec that can allocate it now, or null. */
    private static NodeSlot single(ResourceSpec spec, boolean spread, Bundle b, Collection<NodeSlot> slots) {
        if (slots.size() == 1) {
            NodeSlot only = slots.iterator().next();
            return eligible(only, b) && only.allocator.canAllocate(spec) ? only : null;
        }
        NodeSlot best = null;
        double bestScore = 0;
        for (NodeSlot n : slots) {
            if (!eligible(n, b) || !n.allocator.fits(spec)) continue;
            double s = score(n, spec, spread);
            if ((best == null || s < bestScore) && n.allocator.canAllocate(spec)) {
                best = n;
                bestScore = s;
            }
        }
        return best;
    }

    /** A cheap necessary condition: the free CPUs and memory of the candidates cover the sum of the specs. */
    private static boolean enoughInTotal(List<ResourceSpec> specs, List<NodeSlot> cand) {
        double cpus = 0;
        long mem = 0;
        for (ResourceSpec s : specs) {
            cpus += s.cpus();
            mem += s.memoryBytes();
        }
        double freeCpus = 0;
        long freeMem = 0;
        for (NodeSlot n : cand) {
            freeCpus += n.allocator.freeCpus();
            freeMem += n.allocator.freeMemoryBytes();
        }
        return cpus <= freeCpus + 1e-6 && mem <= freeMem;
    }

    private static boolean strictPack(List<ResourceSpec> specs, List<NodeSlot> cand, NodeSlot[] nodes, Allocation[] allocs) {
        ResourceSpec first = specs.getFirst();
        List<NodeSlot> order = sorted(cand, first, false, null, 0, Placement.STRICT_PACK);
        for (NodeSlot n : order) {
            int k = 0;
            for (; k < specs.size(); k++) {
                Allocation a = n.allocator.tryAllocate(specs.get(k)).orElse(null);
                if (a == null) break;
                nodes[k] = n;
                allocs[k] = a;
            }
            if (k == specs.size()) return true;
            for (int j = 0; j < k; j++) {
                n.allocator.release(allocs[j]);
                nodes[j] = null;
                allocs[j] = null;
            }
        }
        return false;
    }

    private static boolean search(List<ResourceSpec> specs, int i, Placement p, List<NodeSlot> cand, NodeSlot[] nodes,
                                  Allocation[] allocs, int[] budget) {
        if (i == specs.size()) return true;
        ResourceSpec spec = specs.get(i);
        for (NodeSlot n : sorted(cand, spec, spreads(p), nodes, i, p)) {
            if (budget[0]-- <= 0) return false;
            Allocation a = n.allocator.tryAllocate(spec).orElse(null);
            if (a == null) continue;
            nodes[i] = n;
            allocs[i] = a;
            if (search(specs, i + 1, p, cand, nodes, allocs, budget)) return true;
            n.allocator.release(a);
            nodes[i] = null;
            allocs[i] = null;
            if (budget[0] <= 0) return false;
        }
        return false;
    }

    /** The candidates that can take {@code spec} now, best first for strategy {@code p}. */
    private static List<NodeSlot> sorted(List<NodeSlot> cand, ResourceSpec spec, boolean spread, NodeSlot[] chosen, int upTo,
                                         Placement p) {
        List<NodeSlot> out = new ArrayList<>(cand.size());
        List<double[]> keys = new ArrayList<>(cand.size());
        for (int c = 0; c < cand.size(); c++) {
            NodeSlot n = cand.get(c);
            boolean used = false;
            for (int j = 0; j < upTo; j++) {
                if (chosen[j] == n) {
                    used = true;
                    break;
                }
            }
            if (used && p == Placement.STRICT_SPREAD) continue;
            if (!n.allocator.canAllocate(spec)) continue;
            double group = switch (p) {
                case PACK -> used ? 0 : 1;
                case SPREAD -> used ? 1 : 0;
                case STRICT_PACK, STRICT_SPREAD -> 0;
            };
            out.add(n);
            keys.add(new double[]{group, score(n, spec, spread), c});
        }
        Integer[] idx = new Integer[out.size()];
        for (int k = 0; k < idx.length; k++) idx[k] = k;
        java.util.Arrays.sort(idx, (x, y) -> {
            double[] a = keys.get(x), b = keys.get(y);
            for (int k = 0; k < 3; k++) {
                int c = Double.compare(a[k], b[k]);
                if (c != 0) return c;
            }
            return 0;
        });
        List<NodeSlot> res = new ArrayList<>(idx.length);
        for (Integer k : idx) res.add(out.get(k));
        return res;
    }
}
