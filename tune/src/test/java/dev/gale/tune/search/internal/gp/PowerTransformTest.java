package dev.gale.tune.search.internal.gp;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PowerTransformTest {

    private static double skewness(double[] v) {
        double m = 0;
        for (double x : v) m += x;
        m /= v.length;
        double m2 = 0, m3 = 0;
        for (double x : v) {
            m2 += (x - m) * (x - m);
            m3 += (x - m) * (x - m) * (x - m);
        }
        m2 /= v.length;
        m3 /= v.length;
        return m3 / Math.pow(m2, 1.5);
    }

    @Test
    void keepsTheOrderStandardizesAndTamesAHeavyTail() {
        SplittableRandom r = new SplittableRandom(3);
        int n = 200;
        double[] y = new double[n];
        for (int i = 0; i < n; i++) y[i] = Math.exp(r.nextGaussian()); // log-normal: a heavy right tail
        double[] w = PowerTransform.warp(y, n);
        double mean = 0, var = 0;
        for (double v : w) mean += v;
        mean /= n;
        for (double v : w) var += (v - mean) * (v - mean);
        assertEquals(0, mean, 1e-9);
        assertEquals(1, var / n, 1e-9);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                if (y[i] < y[j]) assertTrue(w[i] < w[j], "order kept at " + i + ", " + j);
            }
        }
        assertTrue(skewness(y) > 3, "the raw values are skewed: " + skewness(y));
        assertTrue(Math.abs(skewness(w)) < 0.5, "the warped values are nearly symmetric: " + skewness(w));
    }

    @Test
    void neverCompressesTheLowEnd() {
        // a long tail of low (good) values, as Hartmann6 has: the likelihood would want λ > 1 to
        // squeeze it, but λ stops at 1, the identity, so the values are only standardized
        SplittableRandom r = new SplittableRandom(9);
        int n = 150;
        double[] y = new double[n];
        for (int i = 0; i < n; i++) y[i] = -Math.exp(r.nextGaussian());
        double[] w = PowerTransform.warp(y, n);
        double mean = 0, var = 0;
        for (double v : y) mean += v;
        mean /= n;
        for (double v : y) var += (v - mean) * (v - mean);
        double sd = Math.sqrt(var / n);
        for (int i = 0; i < n; i++) assertEquals((y[i] - mean) / sd, w[i], 1e-6, "value " + i);
    }

    @Test
    void leavesGaussianValuesNearlyAsTheyAre() {
        SplittableRandom r = new SplittableRandom(5);
        int n = 300;
        double[] y = new double[n];
        for (int i = 0; i < n; i++) y[i] = 10 + 2 * r.nextGaussian();
        double[] w = PowerTransform.warp(y, n);
        double mean = 0, var = 0;
        for (double v : y) mean += v;
        mean /= n;
        for (double v : y) var += (v - mean) * (v - mean);
        double sd = Math.sqrt(var / n);
        for (int i = 0; i < n; i++) assertEquals((y[i] - mean) / sd, w[i], 0.15, "value " + i);
    }

    @Test
    void constantValuesGiveZerosAndTheTransformIsContinuousInLambda() {
        double[] w = PowerTransform.warp(new double[]{4, 4, 4}, 3);
        for (double v : w) assertEquals(0, v);
        for (double x : new double[]{-3, -0.5, 0, 0.7, 5}) {
            assertEquals(PowerTransform.yeoJohnson(x, 0), PowerTransform.yeoJohnson(x, 1e-7), 1e-5);
            assertEquals(PowerTransform.yeoJohnson(x, 2), PowerTransform.yeoJohnson(x, 2 - 1e-7), 1e-5);
            assertEquals(x, PowerTransform.yeoJohnson(x, 1), 1e-12);
        }
    }
}
