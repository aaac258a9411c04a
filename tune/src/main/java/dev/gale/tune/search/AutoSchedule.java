package dev.gale.tune.search;

import java.util.ArrayList;
import java.util.List;

/**
 * The samplers a part of the space goes through in {@link AutoSearcher} as its completed trials grow;
 * the last phase lasts. Written as text by {@link #parse} and {@link #toString}:
 * {@code "random:10,cmaes+gp"}.
 */
public record AutoSchedule(List<Phase> phases) {
    /** One phase of a schedule: {@code sampler} proposes while fewer than {@code until} trials completed. */
    public record Phase(String sampler, int until) {
        public Phase {
            if (!List.of("random", "gp", "cmaes", "tpe", "cmaes+gp").contains(sampler)) {
                throw new IllegalArgumentException("phase sampler '" + sampler + "': use random, gp, cmaes, tpe or cmaes+gp");
            }
            if (until < 1) throw new IllegalArgumentException("phase until = " + until + ": must be >= 1 (Integer.MAX_VALUE for the last)");
        }
    }

    public AutoSchedule {
        if (phases == null || phases.isEmpty()) throw new IllegalArgumentException("a schedule needs at least one phase");
        phases = List.copyOf(phases);
        for (int i = 1; i < phases.size(); i++) {
            if (phases.get(i).until() <= phases.get(i - 1).until()) {
                throw new IllegalArgumentException("schedule " + phases + ": 'until' must grow from phase to phase");
            }
        }
    }

    /**
     * Parses {@code "gp:200,cmaes"}: GP while fewer than 200 trials completed, then CMA-ES
     * (the last phase needs no bound).
     */
    public static AutoSchedule parse(String s) {
        List<Phase> out = new ArrayList<>();
        String[] items = s.split(",");
        for (int i = 0; i < items.length; i++) {
            String[] kv = items[i].trim().split(":");
            int until = kv.length > 1 ? Integer.parseInt(kv[1].trim()) : Integer.MAX_VALUE;
            if (i < items.length - 1 && kv.length < 2) {
                throw new IllegalArgumentException("schedule '" + s + "': phase " + (i + 1) + " needs a bound (name:trials)");
            }
            out.add(new Phase(kv[0].trim(), until));
        }
        return new AutoSchedule(out);
    }

    /** The trials of a leading {@code random} phase (its bound), 0 when the schedule starts with a sampler that needs none. */
    public int randomStart() {
        Phase first = phases.getFirst();
        return first.sampler().equals("random") ? first.until() : 0;
    }

    /** The phase for {@code completed} completed trials. */
    Phase at(int completed) {
        for (Phase p : phases) if (completed < p.until()) return p;
        return phases.getLast();
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        for (Phase p : phases) {
            if (!b.isEmpty()) b.append(',');
            b.append(p.sampler());
            if (p.until() != Integer.MAX_VALUE) b.append(':').append(p.until());
        }
        return b.toString();
    }
}
