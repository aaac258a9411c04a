package dev.gale.tune.search.internal.cma;

/** Exact text form of doubles for saved state: {@link Double#toHexString}, arrays space-separated. */
public final class Hex {

    private Hex() {
    }

    /** The exact text of {@code v} (NaN and infinities included). */
    public static String of(double v) {
        return Double.toHexString(v);
    }

    /** The exact text of {@code vs}, space-separated. */
    public static String of(double[] vs) {
        StringBuilder sb = new StringBuilder(vs.length * 24);
        for (int i = 0; i < vs.length; i++) {
            if (i > 0) sb.append(' ');
            sb.append(Double.toHexString(vs[i]));
        }
        return sb.toString();
    }

    /** Parses {@link #of(double)}. */
    public static double parse(String s) {
        return Double.parseDouble(s);
    }

    /** Parses {@link #of(double[])}; {@code expected < 0} accepts any length. */
    public static double[] parseArray(String s, int expected) {
        String t = s.trim();
        String[] parts = t.isEmpty() ? new String[0] : t.split(" ");
        if (expected >= 0 && parts.length != expected) {
            throw new IllegalArgumentException("expected " + expected + " numbers in saved state, got " + parts.length);
        }
        double[] out = new double[parts.length];
        for (int i = 0; i < parts.length; i++) out[i] = Double.parseDouble(parts[i]);
        return out;
    }
}
