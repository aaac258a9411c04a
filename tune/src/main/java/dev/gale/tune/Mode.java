package dev.gale.tune;

import java.util.Locale;

/** Whether a metric is to be minimized or maximized. */
public enum Mode {
    MIN, MAX;

    /** True when {@code a} is strictly better than {@code b} in this mode (NaN is never better). */
    public boolean better(double a, double b) {
        if (Double.isNaN(a)) return false;
        if (Double.isNaN(b)) return true;
        return this == MIN ? a < b : a > b;
    }

    /** The worst possible value in this mode. */
    public double worst() {
        return this == MIN ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
    }

    /** Parses {@code min} or {@code max}, case-insensitive. */
    public static Mode parse(String s) {
        return switch (s == null ? "" : s.trim().toLowerCase(Locale.ROOT)) {
            case "min" -> MIN;
            case "max" -> MAX;
            default -> throw new IllegalArgumentException("mode = '" + s + "': use 'min' or 'max'");
        };
    }
}
