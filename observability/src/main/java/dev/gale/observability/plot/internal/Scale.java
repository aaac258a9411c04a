package dev.gale.observability.plot.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Maps data values on [lo, hi] (linear or log) to pixels on [p0, p1], with round tick values.
 */
public final class Scale {
    private final double lo;
    private final double hi;
    private final boolean log;
    private final double p0;
    private final double p1;

    public Scale(double lo, double hi, boolean log, double p0, double p1) {
        if (!(lo <= hi)) { // also NaN: an empty plot
            lo = 0;
            hi = 1;
        }
        if (log && lo <= 0) log = false;
        if (lo == hi) {
            double pad = lo == 0 ? 1 : Math.abs(lo) * 0.1;
            lo -= log ? 0 : pad;
            hi += log ? lo : pad;
        }
        this.lo = lo;
        this.hi = hi;
        this.log = log;
        this.p0 = p0;
        this.p1 = p1;
    }

    private double t(double v) {
        return log ? Math.log10(v) : v;
    }

    /** The pixel of {@code v}. */
    public double px(double v) {
        double a = t(lo);
        double b = t(hi);
        return p0 + (t(v) - a) / (b - a) * (p1 - p0);
    }

    /** About {@code n} round values inside [lo, hi]. */
    public List<Double> ticks(int n) {
        List<Double> out = new ArrayList<>();
        if (log) {
            for (double e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
                double v = Math.pow(10, e);
                if (v >= lo * 0.999 && v <= hi * 1.001) out.add(v);
            }
            if (out.size() >= 2) return out;
            out.clear();
        }
        double span = hi - lo;
        double step = Math.pow(10, Math.floor(Math.log10(span / n)));
        double err = span / n / step;
        if (err >= 7.5) step *= 10;
        else if (err >= 3.5) step *= 5;
        else if (err >= 1.5) step *= 2;
        for (double v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.add(Math.abs(v) < step * 1e-9 ? 0 : v);
        return out;
    }

    /** A short label of a value. */
    public static String label(double v) {
        if (v == 0) return "0";
        double a = Math.abs(v);
        if (a >= 1e5 || a < 1e-3) return String.format(Locale.ROOT, "%.1e", v);
        String s = String.format(Locale.ROOT, "%.4g", v);
        if (s.contains(".")) s = s.replaceAll("0+$", "").replaceAll("\\.$", "");
        return s;
    }
}
