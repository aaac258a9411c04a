package dev.gale.tune.search.internal.cma;

import java.util.ArrayList;
import java.util.List;

/**
 * When a {@link CmaEs} run stops: the best fitness of each of the last
 * {@code 10 + ceil(30 n / lambda)} generations, and the tests of the class comment of
 * {@link CmaEs} on them and on the run's state (flat fitness, tiny steps, an ill-conditioned or
 * diverging covariance, the generation budget).
 *
 * <p>Promises: {@link #record} keeps at most {@code 10 + ceil(30 n / lambda)} values and reads
 * the arrays it is given without keeping or changing them; {@link #history} and {@link #restore}
 * carry the recorded values exactly. Not thread-safe.
 */
final class TerminationCriteria {
    private final int n;
    private final CmaEs.Options opt;
    private final List<Double> bestHistory = new ArrayList<>();

    /** Criteria for a run in dimension {@code n} with the tolerances and budget of {@code opt}. */
    TerminationCriteria(int n, CmaEs.Options opt) {
        this.n = n;
        this.opt = opt;
    }

    /** Forgets the recorded values (a new run starts). */
    void clear() {
        bestHistory.clear();
    }

    /**
     * Records a told generation's fitness values and says whether the run should stop, given its
     * state after the update: population {@code lambda}, generations completed, step size,
     * covariance {@code c} (row-major n×n), evolution path {@code pc} and the square roots
     * {@code d} of C's eigenvalues.
     */
    boolean record(double[] fitness, int lambda, long generation, double sigma, double[] c, double[] pc, double[] d) {
        double best = Double.POSITIVE_INFINITY;
        double worst = Double.NEGATIVE_INFINITY;
        for (double f : fitness) {
            best = Math.min(best, f);
            worst = Math.max(worst, f);
        }
        bestHistory.add(best);
        int keep = 10 + (int) Math.ceil(30.0 * n / lambda);
        while (bestHistory.size() > keep) bestHistory.remove(0);
        return shouldStop(worst - best, keep, lambda, generation, sigma, c, pc, d);
    }

    private boolean shouldStop(double genRange, int keep, int lambda, long generation, double sigma,
                               double[] c, double[] pc, double[] d) {
        int maxG = opt.maxGenerations() == 0 ? CmaEs.defaultMaxGenerations(n, lambda) : opt.maxGenerations();
        if (maxG > 0 && generation >= maxG) return true;
        if (bestHistory.size() >= keep) {
            double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
            for (double v : bestHistory) {
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
            if (hi - lo < opt.tolFun() && genRange < opt.tolFun()) return true;
        }
        boolean small = true;
        for (int i = 0; i < n && small; i++) {
            small = sigma * Math.sqrt(c[i * n + i]) < opt.tolX() && sigma * Math.abs(pc[i]) < opt.tolX();
        }
        if (small) return true;
        double dmax = 0, dmin = Double.POSITIVE_INFINITY;
        for (double v : d) {
            dmax = Math.max(dmax, v);
            dmin = Math.min(dmin, v);
        }
        if (sigma * dmax > 1e4) return true;
        return (dmax / dmin) * (dmax / dmin) > 1e14;
    }

    /** The recorded values, oldest first. */
    double[] history() {
        return bestHistory.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** Replaces the recorded values with {@code values} (a {@link #history()}). */
    void restore(double[] values) {
        bestHistory.clear();
        for (double v : values) bestHistory.add(v);
    }
}
