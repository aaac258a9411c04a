package dev.gale.bench.quality;

/**
 * The benchmark's noise: a standard normal value per (seed, trial number), from SplitMix64 and the
 * Box–Muller transform, written identically in {@code vs_optuna.py} so Gale's and Optuna's runs of
 * a noisy function with the same seed see the same noise sequence.
 */
public final class Noise {
    private Noise() {
    }

    /** SplitMix64's output function. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /** A uniform double in [0, 1) from a 64-bit value (its top 53 bits). */
    static double unit(long z) {
        return (z >>> 11) * 0x1.0p-53;
    }

    /** N(0, 1) for trial {@code trial} of a run with {@code seed}. */
    public static double gaussian(long seed, long trial) {
        long base = seed * 0x9E3779B97F4A7C15L + trial * 0xD1B54A32D192ED03L;
        double u1 = unit(mix(base + 0x632BE59BD9B4E019L));
        double u2 = unit(mix(base + 0x85157AF5L));
        return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
    }
}
