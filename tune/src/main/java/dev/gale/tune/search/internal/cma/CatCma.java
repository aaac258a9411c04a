package dev.gale.tune.search.internal.cma;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The categorical side of CMA-ES (CatCMA, Hamano et al., GECCO 2024, simplified): one
 * probability distribution over the choices of each categorical parameter, uniform at first and
 * after each restart, moved with CMA-ES's generations ({@link #update}), fitted to warm-start
 * trials ({@link #warmStart}), drawn from ({@link #draw}), and saved as exact hex doubles.
 * Promise: every choice keeps at least CatCMA's margin of probability after an update, so none
 * becomes unreachable.
 */
public final class CatCma {
    private final int[] sizes;
    private final double[][] q;

    /** Uniform distributions over {@code sizes[i]} choices for each categorical parameter i. */
    public CatCma(int[] sizes) {
        this.sizes = sizes.clone();
        this.q = new double[sizes.length][];
        reset();
    }

    /** Back to uniform (at a restart). */
    public void reset() {
        for (int i = 0; i < sizes.length; i++) {
            q[i] = new double[sizes[i]];
            Arrays.fill(q[i], 1.0 / sizes[i]);
        }
    }

    /** The number of categorical parameters. */
    public int size() {
        return sizes.length;
    }

    /** A choice of parameter {@code i} drawn from its distribution with one uniform draw of {@code rng}. */
    public int draw(int i, SplittableRandom rng) {
        double[] p = q[i];
        double u = rng.nextDouble();
        int c = 0;
        while (c < p.length - 1 && (u -= p[c]) >= 0) c++;
        return c;
    }

    /**
     * One generation's step: each distribution moves towards the choices of the best half of the
     * generation ({@code f}, lower is better; {@code cats.get(r)} the choices of member r) by their
     * recombination weights, {@code q += eta sum_r w_r (onehot(c_r) - q)} with
     * {@code eta = 1 / (1 + sum (K - 1))}, then is kept at least {@code (1 - 0.73^(1/m)) / (K - 1)}
     * per choice (m categorical parameters), CatCMA's margin, so every choice stays reachable and
     * the best combination keeps probability ≥ 0.73.
     */
    public void update(double[] f, List<int[]> cats) {
        int lambda = f.length;
        Integer[] order = new Integer[lambda];
        for (int i = 0; i < lambda; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> {
            int r = Double.compare(f[a], f[b]);
            return r != 0 ? r : Integer.compare(a, b);
        });
        int mu = Math.max(1, lambda / 2);
        double[] w = new double[mu];
        double sum = 0;
        for (int r = 0; r < mu; r++) {
            w[r] = Math.log((lambda + 1) / 2.0) - Math.log(r + 1);
            sum += w[r];
        }
        int free = 0;
        for (double[] p : q) free += p.length - 1;
        double eta = 1.0 / (1 + free);
        int m = q.length;
        for (int j = 0; j < m; j++) {
            double[] p = q[j];
            int k = p.length;
            if (k < 2) continue;
            double[] target = new double[k];
            for (int r = 0; r < mu; r++) target[cats.get(order[r])[j]] += w[r] / sum;
            for (int c = 0; c < k; c++) p[c] += eta * (target[c] - p[c]);
            double qMin = (1 - Math.pow(0.73, 1.0 / m)) / (k - 1);
            double excess = 0, above = 0;
            for (int c = 0; c < k; c++) {
                if (p[c] < qMin) p[c] = qMin;
                excess += p[c];
            }
            excess -= 1;
            for (int c = 0; c < k; c++) above += p[c] - qMin;
            if (excess > 0 && above > 0) {
                for (int c = 0; c < k; c++) p[c] -= excess * (p[c] - qMin) / above;
            }
        }
    }

    /** Fits each distribution to the choices of the best {@code k} warm-start trials ({@code cs.get(order[r])}, r &lt; k), add-one smoothed. */
    public void warmStart(List<int[]> cs, Integer[] order, int k) {
        for (int j = 0; j < q.length; j++) {
            double[] p = q[j];
            int kk = p.length;
            double[] cnt = new double[kk];
            for (int r = 0; r < k; r++) cnt[cs.get(order[r])[j]]++;
            for (int c = 0; c < kk; c++) p[c] = (cnt[c] + 1) / (k + kk);
        }
    }

    /** The distributions as exact hex doubles, one string per parameter. */
    public List<Object> save() {
        List<Object> out = new ArrayList<>(q.length);
        for (double[] p : q) out.add(Hex.of(p));
        return out;
    }

    /**
     * Replaces the distributions with saved ones.
     *
     * @throws IllegalArgumentException when the saved state has another number of parameters or choices
     */
    public void restore(List<?> saved) {
        if (saved.size() != q.length) {
            throw new IllegalArgumentException("CmaEsSearcher state has " + saved.size() + " categorical parameters, this space " + q.length);
        }
        for (int i = 0; i < q.length; i++) q[i] = Hex.parseArray((String) saved.get(i), sizes[i]);
    }
}
