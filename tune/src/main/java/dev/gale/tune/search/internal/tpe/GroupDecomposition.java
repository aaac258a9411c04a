package dev.gale.tune.search.internal.tpe;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Optuna's {@code _GroupDecomposedSearchSpace}: splits the parameter names seen in a set of trials
 * into the coarsest groups whose names always occur together. Every trial's name set is then a
 * union of whole groups, so a joint Parzen estimator can be fitted per group on the trials that
 * have it (TPE's {@code group=True}).
 *
 * <p>Promise: the groups are disjoint, cover every name of every trial, and two names share a
 * group exactly when every given trial holds both or neither. The order is a function of the
 * trials in the order given, nothing else.
 */
public final class GroupDecomposition {
    private GroupDecomposition() {
    }

    /** The groups of {@code trials} (each a set of parameter names, iterated in ask order). */
    public static List<List<String>> groups(Collection<? extends Collection<String>> trials) {
        List<LinkedHashSet<String>> groups = new ArrayList<>();
        for (Collection<String> t : trials) groups = refine(groups, t);
        List<List<String>> out = new ArrayList<>(groups.size());
        for (LinkedHashSet<String> g : groups) out.add(List.copyOf(g));
        return out;
    }

    /**
     * One step of {@link #groups}: the groups of the trials behind {@code groups} and one more trial
     * {@code t} (each group split into the names {@code t} holds and those it does not, in that order,
     * then {@code t}'s new names as one group). Incremental use gives exactly {@link #groups}'s
     * answer for all the trials so far; {@code t}'s {@code contains} should be O(1) (a set).
     */
    public static List<LinkedHashSet<String>> refine(List<LinkedHashSet<String>> groups, Collection<String> t) {
        Set<String> rest = new LinkedHashSet<>(t);
        List<LinkedHashSet<String>> next = new ArrayList<>(groups.size() + 1);
        for (LinkedHashSet<String> g : groups) {
            boolean all = true, none = true;
            for (String n : g) {
                if (t.contains(n)) none = false;
                else all = false;
            }
            if (all || none) {
                next.add(g); // unchanged: no copy
            } else {
                LinkedHashSet<String> in = new LinkedHashSet<>();
                LinkedHashSet<String> out = new LinkedHashSet<>();
                for (String n : g) (t.contains(n) ? in : out).add(n);
                next.add(in);
                next.add(out);
            }
            if (!none) rest.removeAll(g);
        }
        if (!rest.isEmpty()) next.add(new LinkedHashSet<>(rest));
        return next;
    }
}
