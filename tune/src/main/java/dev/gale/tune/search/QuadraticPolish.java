package dev.gale.tune.search;

import dev.gale.tune.search.internal.local.QuadraticModel;
import dev.gale.tune.search.internal.relative.UnitCoordinates;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The polishing arm of {@link CmaGpPortfolio} in a numeric part: once CMA-ES has closed in on a
 * basin, a share of the trials goes to the minimizer of a quadratic fitted by least squares to the
 * trials nearest the best one ({@link QuadraticModel}), as a derivative-free trust-region method
 * does. CMA-ES's own convergence in a basin is linear (about a decade of the regret every 30
 * trials in 2–3 parameters); a quadratic model's steps converge superlinearly on a smooth basin,
 * so the precision that took the whole budget comes in a few dozen trials.
 *
 * <p>The signal: CMA-ES has made {@value #GENERATIONS} generations and its largest coordinate
 * step (σ · √max Cᵢᵢ, a share of the parameter's range) is below {@value #STEP}; from then on the
 * arm has {@value #SHARE} of the turns. A model needs {@value #POINTS_PER_TERM} points per
 * coefficient ((n + 1)(n + 2) / 2 of them), so in more than a dozen parameters it rarely has
 * enough before the GP's window ends. A turn gives no trial (and falls to the other samplers)
 * when the fitted Hessian is not positive definite (no minimum: a saddle, a ridge, a rugged
 * patch), when the points nearest the best coincide, or when the proposal is the best trial
 * itself (an integer grid reached, or the best already at the model's minimum).
 *
 * <p>Promises: deterministic (no randomness); the history is its own (the unit coordinates and
 * values of every completed trial with a finite value), saved and restored exactly; a proposal is a
 * config of values the domains contain.
 */
final class QuadraticPolish {
    /** CMA-ES generations before its step is judged. */
    static final int GENERATIONS = 3;
    /** CMA-ES's largest coordinate step below which the arm engages. */
    static final double STEP = 0.05;
    /** The arm's share of the turns once engaged. */
    static final double SHARE = 0.25;
    /** Points fitted per coefficient of the quadratic. */
    static final int POINTS_PER_TERM = 2;

    private final List<String> paths;
    private final List<Domain> domains;
    private final int n;
    private final int points;
    /** The history, row-major: n unit coordinates and the value (minimized) per trial. */
    private double[] rows = new double[0];
    private int count;
    private int best = -1;
    private boolean engaged;
    private double credit;

    private QuadraticPolish(List<String> paths, List<Domain> domains) {
        this.paths = List.copyOf(paths);
        this.domains = List.copyOf(domains);
        this.n = paths.size();
        this.points = POINTS_PER_TERM * QuadraticModel.terms(n);
    }

    /** The arm for a part with these parameters; null when one of them is not numeric (a choice, a grid). */
    static QuadraticPolish of(List<String> paths, List<Domain> domains) {
        if (paths.isEmpty()) return null;
        for (Domain d : domains) {
            boolean numeric = switch (d) {
                case Domain.Uniform u -> true;
                case Domain.LogUniform u -> true;
                case Domain.QUniform u -> true;
                case Domain.QLogUniform u -> true;
                case Domain.RandInt u -> true;
                case Domain.QRandInt u -> true;
                case Domain.Choice c -> false;
                case Domain.GridSearch g -> false;
                case Domain.SampleFrom s -> false;
            };
            if (!numeric) return null;
        }
        return new QuadraticPolish(paths, domains);
    }

    /** Whether the next suggestion is the arm's: engages when CMA-ES's step says so, then takes {@value #SHARE} of the turns. */
    boolean turn(CmaEsSearcher cma) {
        if (!engaged && cma.generations() >= GENERATIONS && cma.maxStep() < STEP) engaged = true;
        if (!engaged || count < points) return false;
        credit += SHARE;
        if (credit < 1) return false;
        credit -= 1;
        return true;
    }

    /** Whether CMA-ES's step has engaged the arm; for tests. */
    boolean engaged() {
        return engaged;
    }

    /** A completed trial (by any sampler): its values by path and its value, minimized. Others are ignored. */
    void learn(Map<String, Object> values, double value) {
        if (values == null || !Double.isFinite(value)) return;
        int w = n + 1;
        if ((count + 1) * w > rows.length) rows = Arrays.copyOf(rows, Math.max(8 * w, 2 * rows.length));
        int at = count * w;
        for (int i = 0; i < n; i++) {
            Object v = values.get(paths.get(i));
            if (v == null || !domains.get(i).contains(v)) return;
            rows[at + i] = UnitCoordinates.of(domains.get(i), v);
        }
        rows[at + n] = value;
        if (best < 0 || value < rows[best * w + n]) best = count;
        count++;
    }

    /** The model's proposal, or null when it has none this turn (see the class comment). */
    Map<String, Object> propose() {
        if (count < points) return null;
        int w = n + 1;
        int b = best * w;
        // the points nearest the best (the best among them), by insertion into a sorted window
        int[] near = new int[points];
        double[] dist = new double[points];
        int filled = 0;
        for (int t = 0; t < count; t++) {
            double s = 0;
            for (int i = 0; i < n; i++) {
                double d = rows[t * w + i] - rows[b + i];
                s += d * d;
            }
            if (filled == points && s >= dist[points - 1]) continue;
            int k = filled < points ? filled++ : points - 1;
            while (k > 0 && dist[k - 1] > s) {
                dist[k] = dist[k - 1];
                near[k] = near[k - 1];
                k--;
            }
            dist[k] = s;
            near[k] = t;
        }
        double radius = Math.sqrt(dist[points - 1]);
        if (!(radius > 1e-13)) return null;
        double[][] z = new double[points][n];
        double[] y = new double[points];
        for (int k = 0; k < points; k++) {
            int r = near[k] * w;
            for (int i = 0; i < n; i++) z[k][i] = (rows[r + i] - rows[b + i]) / radius;
            y[k] = rows[r + n] - rows[b + n];
        }
        double[] d = QuadraticModel.step(z, y, points, n);
        if (d == null) return null;
        Map<String, Object> config = new LinkedHashMap<>();
        boolean same = true;
        for (int i = 0; i < n; i++) {
            double ub = rows[b + i];
            double u = Math.max(0, Math.min(Math.nextDown(1.0), ub + radius * d[i]));
            Domain dom = domains.get(i);
            Object v = CmaEncoding.decode(dom, u);
            if (same && !Objects.equals(v, CmaEncoding.decode(dom, ub))) same = false;
            config.put(paths.get(i), v);
        }
        return same ? null : config;
    }

    Object save() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("engaged", engaged);
        s.put("credit", credit);
        List<Double> h = new ArrayList<>(count * (n + 1));
        for (int q = 0; q < count * (n + 1); q++) h.add(rows[q]);
        s.put("history", h);
        return s;
    }

    void restore(Object state) {
        Map<?, ?> s = (Map<?, ?>) state;
        engaged = (Boolean) s.get("engaged");
        credit = ((Number) s.get("credit")).doubleValue();
        List<?> h = (List<?>) s.get("history");
        int w = n + 1;
        count = h.size() / w;
        rows = new double[Math.max(8 * w, h.size())];
        for (int q = 0; q < h.size(); q++) rows[q] = ((Number) h.get(q)).doubleValue();
        best = -1;
        for (int t = 0; t < count; t++) {
            if (best < 0 || rows[t * w + n] < rows[best * w + n]) best = t;
        }
    }
}
