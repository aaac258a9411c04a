package dev.gale.tune.search.internal.cma;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Mirrored orthogonal sampling: the geometry of one generation, and determinism. */
class CmaEsSamplingTest {

    private static CmaEs engine(int n, boolean mirroredOrthogonal, int popSize) {
        // sigma0 small enough that no sample is reflected at the bounds: the geometry is exact
        return new CmaEs(n, 42, new CmaEs.Options(0.01, popSize, false, 2, 0, 1e-12, 1e-12, mirroredOrthogonal));
    }

    @Test
    void pairsAreMirroredAndDirectionsOfABlockOrthogonal() {
        int n = 5;
        CmaEs cma = engine(n, true, 14); // 7 pairs: a block of 5 directions, then 2 of the next block
        double[] m = cma.mean();
        double[][] z = new double[14][n];
        for (int k = 0; k < 14; k++) {
            double[] x = cma.ask(k);
            for (int i = 0; i < n; i++) z[k][i] = (x[i] - m[i]) / cma.sigma();
        }
        for (int j = 0; j < 7; j++) {
            for (int i = 0; i < n; i++) assertEquals(-z[2 * j][i], z[2 * j + 1][i], 1e-9, "pair " + j + " is (z, -z)");
        }
        for (int a = 0; a < n; a++) {
            for (int b = a + 1; b < n; b++) {
                double dot = 0, na = 0, nb = 0;
                for (int i = 0; i < n; i++) {
                    dot += z[2 * a][i] * z[2 * b][i];
                    na += z[2 * a][i] * z[2 * a][i];
                    nb += z[2 * b][i] * z[2 * b][i];
                }
                assertEquals(0, dot / Math.sqrt(na * nb), 1e-9, "directions " + a + " and " + b + " of the first block");
            }
        }
        // the sixth direction starts a new block: not orthogonal to the first by construction
        double dot = 0;
        for (int i = 0; i < n; i++) dot += z[0][i] * z[10][i];
        assertTrue(Math.abs(dot) > 1e-6, "a new block is a fresh draw");
        // lengths stay those of Gaussian vectors (chi with n degrees of freedom), not all equal
        double l0 = norm(z[0]), l1 = norm(z[2]);
        assertTrue(Math.abs(l0 - l1) > 1e-9, "lengths " + l0 + " and " + l1);
    }

    @Test
    void askIsAPureFunctionOfStateAndIndexInAnyOrder() {
        CmaEs a = engine(4, true, 8);
        CmaEs b = engine(4, true, 8);
        double[][] forward = new double[8][];
        for (int k = 0; k < 8; k++) forward[k] = a.ask(k);
        for (int k = 7; k >= 0; k--) assertArrayEquals(forward[k], b.ask(k), "sample " + k + " asked in reverse order");
    }

    @Test
    void gaussianSamplingIsUnpaired() {
        CmaEs g = engine(4, false, 8);
        double[] m = g.mean();
        double[] x0 = g.ask(0), x1 = g.ask(1);
        double s = 0;
        for (int i = 0; i < 4; i++) s += Math.abs((x0[i] - m[i]) + (x1[i] - m[i]));
        assertTrue(s > 1e-6, "independent draws are not mirror images");
    }

    private static double norm(double[] v) {
        double s = 0;
        for (double x : v) s += x * x;
        return Math.sqrt(s);
    }
}
