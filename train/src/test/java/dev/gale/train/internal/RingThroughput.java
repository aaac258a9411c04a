package dev.gale.train.internal;

import java.time.Duration;
import java.util.List;

/** Manual check (not a test): all-reduce throughput of rings on threads of one JVM. Args: ranks MiB reps [tcp]. */
public final class RingThroughput {
    public static void main(String[] a) throws Exception {
        int n = Integer.parseInt(a[0]);
        int mib = Integer.parseInt(a[1]);
        int reps = Integer.parseInt(a[2]);
        List<Ring> rings = RingTest.rings(n, Duration.ofSeconds(60), !(a.length > 3 && a[3].equals("tcp")));
        float[][] data = new float[n][mib << 18];
        for (int k = 0; k < reps; k++) {
            long t0 = System.nanoTime();
            RingTest.onAll(n, r -> () -> {
                rings.get(r).allReduce(data[r]);
                return null;
            });
            double s = (System.nanoTime() - t0) / 1e9;
            System.out.printf(rings.get(0).dataPlane() + " %d ranks %d MiB: %.1f ms, busbw %.2f GB/s%n", n, mib, s * 1e3, (mib << 20) / s * 2.0 * (n - 1) / n / 1e9);
        }
        rings.forEach(Ring::close);
    }
}
