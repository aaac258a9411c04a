package dev.gale.tune.search.internal.gp;

/**
 * Limited-memory BFGS minimization within a box (the search direction is projected: variables at a
 * bound whose gradient pushes outward are held; steps are clipped into the box), with a
 * backtracking Armijo line search. Small, allocation-light, deterministic.
 */
public final class Lbfgs {
    /** A function with its gradient: returns f(x) and writes ∇f(x) into {@code grad}. */
    public interface Function {
        double valueAndGradient(double[] x, double[] grad);
    }

    private Lbfgs() {
    }

    /**
     * Minimizes {@code f} from {@code x} (modified in place to the best point found) within
     * {@code [lo, hi]} per coordinate; returns the best value.
     */
    public static double minimize(Function f, double[] x, double[] lo, double[] hi, int maxIter, int memory) {
        int n = x.length;
        double[][] s = new double[memory][n];
        double[][] y = new double[memory][n];
        double[] rho = new double[memory];
        double[] alpha = new double[memory];
        double[] g = new double[n];
        double[] gNew = new double[n];
        double[] d = new double[n];
        double[] xNew = new double[n];
        clip(x, lo, hi);
        double fx = f.valueAndGradient(x, g);
        int stored = 0;
        int head = 0;
        for (int it = 0; it < maxIter; it++) {
            // two-loop recursion: d = -H g
            System.arraycopy(g, 0, d, 0, n);
            for (int k = 0; k < stored; k++) {
                int i = Math.floorMod(head - 1 - k, memory);
                alpha[i] = rho[i] * dot(s[i], d);
                axpy(-alpha[i], y[i], d);
            }
            if (stored > 0) {
                int last = Math.floorMod(head - 1, memory);
                double gamma = dot(s[last], y[last]) / dot(y[last], y[last]);
                for (int j = 0; j < n; j++) d[j] *= gamma;
            }
            for (int k = stored - 1; k >= 0; k--) {
                int i = Math.floorMod(head - 1 - k, memory);
                double beta = rho[i] * dot(y[i], d);
                axpy(alpha[i] - beta, s[i], d);
            }
            for (int j = 0; j < n; j++) {
                d[j] = -d[j];
                // hold variables at a bound that the step would push out
                if ((x[j] <= lo[j] && d[j] < 0) || (x[j] >= hi[j] && d[j] > 0)) d[j] = 0;
            }
            double slope = dot(d, g);
            if (!(slope < 0)) {
                // not a descent direction: fall back to projected steepest descent
                for (int j = 0; j < n; j++) {
                    d[j] = -g[j];
                    if ((x[j] <= lo[j] && d[j] < 0) || (x[j] >= hi[j] && d[j] > 0)) d[j] = 0;
                }
                slope = dot(d, g);
                stored = 0;
                if (!(slope < 0)) break;
            }
            double step = 1;
            double fNew = Double.NaN;
            boolean accepted = false;
            for (int ls = 0; ls < 30; ls++) {
                for (int j = 0; j < n; j++) xNew[j] = x[j] + step * d[j];
                clip(xNew, lo, hi);
                fNew = f.valueAndGradient(xNew, gNew);
                double actual = 0;
                for (int j = 0; j < n; j++) actual += g[j] * (xNew[j] - x[j]);
                if (fNew <= fx + 1e-4 * Math.min(actual, 0) && Double.isFinite(fNew)) {
                    accepted = true;
                    break;
                }
                step *= 0.5;
            }
            if (!accepted) break;
            double[] sNew = s[head];
            double[] yNew = y[head];
            for (int j = 0; j < n; j++) {
                sNew[j] = xNew[j] - x[j];
                yNew[j] = gNew[j] - g[j];
            }
            double sy = dot(sNew, yNew);
            double improvement = fx - fNew;
            System.arraycopy(xNew, 0, x, 0, n);
            System.arraycopy(gNew, 0, g, 0, n);
            fx = fNew;
            if (sy > 1e-12) {
                rho[head] = 1 / sy;
                head = (head + 1) % memory;
                stored = Math.min(stored + 1, memory);
            }
            if (improvement < 1e-9 * (1 + Math.abs(fx))) break;
        }
        return fx;
    }

    static void clip(double[] x, double[] lo, double[] hi) {
        for (int j = 0; j < x.length; j++) x[j] = Math.max(lo[j], Math.min(hi[j], x[j]));
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    static void axpy(double a, double[] x, double[] y) {
        for (int i = 0; i < x.length; i++) y[i] += a * x[i];
    }
}
