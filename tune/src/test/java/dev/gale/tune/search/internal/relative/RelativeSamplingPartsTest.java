package dev.gale.tune.search.internal.relative;

import dev.gale.tune.Mode;
import dev.gale.tune.Result;
import dev.gale.tune.search.Domain;
import dev.gale.tune.search.Searchers;
import dev.gale.tune.search.internal.tpe.GroupDecomposition;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The parts of the define-by-run space, kept up to date trial by trial, are those computed from
 * the whole history (Optuna's group decomposition of the names without the conflicting ones; the
 * intersection of the names), after every completed trial and after a restore.
 */
class RelativeSamplingPartsTest {

    private static final List<String> NAMES = List.of("a", "b", "c", "d", "e", "f", "g");

    /** A trial's asks: a random subset of the names in a random order, a name sometimes with another domain. */
    private static LinkedHashMap<String, Domain> trial(SplittableRandom rng) {
        List<String> names = new ArrayList<>(NAMES);
        for (int i = names.size() - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            String t = names.get(i);
            names.set(i, names.get(j));
            names.set(j, t);
        }
        LinkedHashMap<String, Domain> out = new LinkedHashMap<>();
        int pattern = rng.nextInt(4); // few patterns, so groups larger than one name occur
        for (String n : names) {
            int h = (n.hashCode() * 31 + pattern) & 7;
            if (h < 3) continue;
            boolean odd = n.equals("g") && rng.nextInt(20) == 0; // "g" conflicts now and then
            out.put(n, odd ? new Domain.Uniform(0, 2) : new Domain.Uniform(0, 1));
        }
        if (out.isEmpty()) out.put("a", new Domain.Uniform(0, 1));
        return out;
    }

    private static List<List<String>> expected(List<LinkedHashMap<String, Domain>> history, RelativeSampling.Partition partition) {
        Map<String, Domain> first = new LinkedHashMap<>();
        Set<String> conflicting = new LinkedHashSet<>();
        for (Map<String, Domain> t : history) {
            t.forEach((n, d) -> {
                Domain prev = first.putIfAbsent(n, d);
                if (prev != null && !prev.equals(d)) conflicting.add(n);
            });
        }
        List<List<String>> out = new ArrayList<>();
        if (history.isEmpty()) return out;
        if (partition == RelativeSampling.Partition.INTERSECTION) {
            List<String> part = new ArrayList<>();
            for (String n : history.get(0).keySet()) {
                if (conflicting.contains(n)) continue;
                boolean all = true;
                for (Map<String, Domain> t : history) all &= t.containsKey(n);
                if (all) part.add(n);
            }
            if (!part.isEmpty()) out.add(part);
            return out;
        }
        List<List<String>> sets = new ArrayList<>();
        for (Map<String, Domain> t : history) {
            List<String> s = new ArrayList<>();
            for (String n : t.keySet()) if (!conflicting.contains(n)) s.add(n);
            sets.add(s);
        }
        return GroupDecomposition.groups(sets);
    }

    private static void check(RelativeSampling.Partition partition, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        RelativeSampling rs = new RelativeSampling(Searchers::random, partition, "value", Mode.MIN, seed);
        List<LinkedHashMap<String, Domain>> history = new ArrayList<>();
        for (int k = 0; k < 60; k++) {
            String id = "t" + k;
            LinkedHashMap<String, Domain> asks = trial(rng);
            for (Map.Entry<String, Domain> e : asks.entrySet()) {
                RelativeSampling.suggestOr(rs, id, e.getKey(), e.getValue(), () -> 0.5 * ((Domain.Uniform) e.getValue()).high());
            }
            boolean failed = rng.nextInt(10) == 0;
            rs.complete(id, new Result(id, 1, 0, 0, Map.of("value", rng.nextDouble())), failed);
            if (!failed) history.add(asks);
            assertEquals(expected(history, partition), rs.parts(), partition + ", seed " + seed + ", after trial " + k);
            if (k % 20 == 19) {
                RelativeSampling back = new RelativeSampling(Searchers::random, partition, "value", Mode.MIN, seed);
                back.restore(rs.save());
                assertEquals(rs.parts(), back.parts(), "restored after trial " + k);
                rs = back;
            }
        }
    }

    @Test
    void groupsAreThoseOfTheWholeHistory() {
        for (long seed = 1; seed <= 30; seed++) check(RelativeSampling.Partition.GROUPS, seed);
    }

    @Test
    void theIntersectionIsThatOfTheWholeHistory() {
        for (long seed = 1; seed <= 30; seed++) check(RelativeSampling.Partition.INTERSECTION, seed);
    }

    /** The decomposition as first written (all trials at once), the reference for the incremental one. */
    private static List<List<String>> reference(List<List<String>> trials) {
        List<LinkedHashSet<String>> groups = new ArrayList<>();
        for (List<String> t : trials) {
            Set<String> rest = new LinkedHashSet<>(t);
            List<LinkedHashSet<String>> next = new ArrayList<>();
            for (LinkedHashSet<String> g : groups) {
                LinkedHashSet<String> in = new LinkedHashSet<>();
                LinkedHashSet<String> out = new LinkedHashSet<>();
                for (String n : g) (t.contains(n) ? in : out).add(n);
                if (!in.isEmpty()) next.add(in);
                if (!out.isEmpty()) next.add(out);
                rest.removeAll(g);
            }
            if (!rest.isEmpty()) next.add(new LinkedHashSet<>(rest));
            groups = next;
        }
        List<List<String>> out = new ArrayList<>();
        for (LinkedHashSet<String> g : groups) out.add(List.copyOf(g));
        return out;
    }

    @Test
    void refiningOneTrialAtATimeGivesTheDecomposition() {
        SplittableRandom rng = new SplittableRandom(5);
        for (int rep = 0; rep < 50; rep++) {
            List<List<String>> trials = new ArrayList<>();
            List<LinkedHashSet<String>> groups = new ArrayList<>();
            for (int k = 0; k < 25; k++) {
                LinkedHashSet<String> t = new LinkedHashSet<>(trial(rng).keySet());
                trials.add(new ArrayList<>(t));
                groups = GroupDecomposition.refine(groups, t);
                List<List<String>> inc = new ArrayList<>();
                for (LinkedHashSet<String> g : groups) inc.add(List.copyOf(g));
                assertEquals(reference(trials), inc);
                assertEquals(reference(trials), GroupDecomposition.groups(trials));
            }
        }
    }
}
