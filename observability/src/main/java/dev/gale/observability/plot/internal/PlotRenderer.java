package dev.gale.observability.plot.internal;

import dev.gale.observability.importance.ParamImportance;
import dev.gale.observability.plot.PlotData;

import java.util.List;

/**
 * Draws {@link PlotData} onto a {@link Canvas}: the same data, colors and marks as the page's
 * ECharts plots, for {@code gale plot}.
 */
public final class PlotRenderer {
    /** The page's palette (ECharts' default), for curves. */
    static final int[] PALETTE = {0x5470c6, 0x91cc75, 0xfac858, 0xee6666, 0x73c0de, 0x3ba272, 0xfc8452, 0x9a60b4, 0xea7ccc};
    static final int AXIS = 0x6e7079;
    static final int GRID = 0xe0e6f1;
    static final int TEXT = 0x333333;
    static final int BEST = 0xdc2626;

    public static final int WIDTH = 960;
    public static final int HEIGHT = 560;
    private static final double L = 80;
    private static final double R = WIDTH - 30;
    private static final double T = 50;
    private static final double B = HEIGHT - 60;

    private final Canvas c;

    public PlotRenderer(Canvas c) {
        this.c = c;
    }

    private void title(String s) {
        c.text(WIDTH / 2.0, 28, s, 16, Canvas.Anchor.MIDDLE, TEXT, 0);
    }

    private void empty(String why) {
        c.text(WIDTH / 2.0, HEIGHT / 2.0, why, 14, Canvas.Anchor.MIDDLE, 0x999999, 0);
    }

    private void frame(Scale x, Scale y, String xName, String yName) {
        for (double v : y.ticks(6)) {
            double p = y.px(v);
            c.line(L, p, R, p, GRID, 1, 1);
            c.text(L - 6, p + 4, Scale.label(v), 11, Canvas.Anchor.END, AXIS, 0);
        }
        for (double v : x.ticks(8)) {
            double p = x.px(v);
            c.line(p, B, p, B + 5, AXIS, 1, 1);
            c.text(p, B + 18, Scale.label(v), 11, Canvas.Anchor.MIDDLE, AXIS, 0);
        }
        c.line(L, B, R, B, AXIS, 1, 1);
        c.line(L, T, L, B, AXIS, 1, 1);
        c.text((L + R) / 2, HEIGHT - 18, xName, 12, Canvas.Anchor.MIDDLE, TEXT, 0);
        c.text(22, (T + B) / 2, yName, 12, Canvas.Anchor.MIDDLE, TEXT, -90);
    }

    /** The optimization history: every trial's value, and the best so far as a red step line. */
    public void history(PlotData.History h, String experiment) {
        title("Optimization history of " + h.metric() + " (" + h.mode().name().toLowerCase() + ") · " + experiment);
        List<PlotData.HistoryPoint> pts = h.points();
        if (pts.isEmpty()) {
            empty("no trial has a value of " + h.metric());
            return;
        }
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (PlotData.HistoryPoint p : pts) {
            lo = Math.min(lo, p.value());
            hi = Math.max(hi, p.value());
        }
        Scale x = new Scale(0, Math.max(1, pts.get(pts.size() - 1).index()), false, L, R);
        Scale y = new Scale(lo, hi, false, B, T);
        frame(x, y, "trial", h.metric());
        for (PlotData.HistoryPoint p : pts) c.circle(x.px(p.index()), y.px(p.value()), pts.size() > 2000 ? 1.5 : 3, PALETTE[0], 0.8);
        double[] xs = new double[pts.size() * 2];
        double[] ys = new double[pts.size() * 2];
        int n = 0;
        for (PlotData.HistoryPoint p : pts) {
            if (n > 0) {
                xs[n] = x.px(p.index());
                ys[n++] = ys[n - 2];
            }
            xs[n] = x.px(p.index());
            ys[n++] = y.px(p.best());
        }
        c.polyline(xs, ys, n, BEST, 2, 1);
    }

    /** Learning curves (intermediate values), with the scheduler's decisions as labelled dots. */
    public void curves(PlotData.Curves cs, String experiment) {
        title("Learning curves of " + cs.metric() + (cs.total() > cs.series().size()
                ? " (best " + cs.series().size() + " of " + cs.total() + ")" : "") + " · " + experiment);
        if (cs.series().isEmpty()) {
            empty("no trial reported " + cs.metric());
            return;
        }
        double xlo = Double.POSITIVE_INFINITY, xhi = Double.NEGATIVE_INFINITY, ylo = xlo, yhi = xhi;
        for (PlotData.Series s : cs.series()) {
            for (int i = 0; i < s.values().length; i++) {
                xlo = Math.min(xlo, s.iterations()[i]);
                xhi = Math.max(xhi, s.iterations()[i]);
                ylo = Math.min(ylo, s.values()[i]);
                yhi = Math.max(yhi, s.values()[i]);
            }
        }
        Scale x = new Scale(xlo, xhi, false, L, R);
        Scale y = new Scale(ylo, yhi, false, B, T);
        frame(x, y, "training_iteration", cs.metric());
        int k = 0;
        for (PlotData.Series s : cs.series()) {
            int color = PALETTE[k++ % PALETTE.length];
            int n = s.values().length;
            double[] xs = new double[n];
            double[] ys = new double[n];
            for (int i = 0; i < n; i++) {
                xs[i] = x.px(s.iterations()[i]);
                ys[i] = y.px(s.values()[i]);
            }
            if (n == 1) c.circle(xs[0], ys[0], 2.5, color, 1);
            c.polyline(xs, ys, n, color, 1.2, 0.9);
            for (PlotData.PlacedMarker m : s.markers()) {
                if (!Double.isFinite(m.value())) continue;
                double px = x.px(m.iteration()), py = y.px(m.value());
                c.circle(px, py, 4.5, 0x111111, 1);
                c.text(px + 6, py - 4, m.kind().name().toLowerCase().replace('_', ' '), 10, Canvas.Anchor.START, 0x111111, 0);
            }
        }
    }

    /** Parallel coordinates: an axis per parameter then the metric, a line per trial colored by its value. */
    public void parallelCoordinates(PlotData.ParallelCoordinates pc, String experiment) {
        title("Parallel coordinates of " + pc.metric() + " · " + experiment);
        List<PlotData.Axis> axes = pc.axes();
        if (axes.size() < 2 || pc.lines().isEmpty()) {
            empty("no trial has a value of " + pc.metric());
            return;
        }
        double left = 60, right = WIDTH - 60, top = 70, bottom = HEIGHT - 50;
        Scale[] ys = new Scale[axes.size()];
        double[] xs = new double[axes.size()];
        for (int i = 0; i < axes.size(); i++) {
            PlotData.Axis a = axes.get(i);
            xs[i] = left + i * (right - left) / (axes.size() - 1);
            ys[i] = new Scale(a.min(), a.max(), a.log(), bottom, top);
        }
        PlotData.Axis m = axes.get(axes.size() - 1);
        double[] px = new double[axes.size()];
        double opacity = pc.lines().size() > 2000 ? 0.15 : 0.5;
        for (PlotData.Line l : pc.lines()) {
            for (int i = 0; i < axes.size(); i++) px[i] = ys[i].px(l.values()[i]);
            double t = m.max() > m.min() ? (l.values()[axes.size() - 1] - m.min()) / (m.max() - m.min()) : 0;
            c.polyline(xs, px, axes.size(), ramp(t), 1, opacity);
        }
        for (int i = 0; i < axes.size(); i++) {
            PlotData.Axis a = axes.get(i);
            c.line(xs[i], top, xs[i], bottom, AXIS, 1.5, 1);
            c.text(xs[i], top - 16, a.name(), 12, Canvas.Anchor.MIDDLE, TEXT, 0);
            if (a.categorical()) {
                for (int k = 0; k < a.categories().size(); k++) {
                    c.text(xs[i] + 4, ys[i].px(k) + 4, a.categories().get(k), 10, Canvas.Anchor.START, AXIS, 0);
                }
            } else {
                c.text(xs[i] + 4, bottom + 14, Scale.label(a.min()), 10, Canvas.Anchor.MIDDLE, AXIS, 0);
                c.text(xs[i] + 4, top - 4, Scale.label(a.max()), 10, Canvas.Anchor.MIDDLE, AXIS, 0);
            }
        }
    }

    /** Blue (low) to yellow to red (high), as the page's visual map. */
    static int ramp(double t) {
        t = Math.max(0, Math.min(1, t));
        int[] a = {0x1d4ed8, 0xfbbf24, 0xdc2626};
        double s = t * 2;
        int i = Math.min(1, (int) s);
        double f = s - i;
        int r = (int) Math.round(((a[i] >> 16) & 255) * (1 - f) + ((a[i + 1] >> 16) & 255) * f);
        int g = (int) Math.round(((a[i] >> 8) & 255) * (1 - f) + ((a[i + 1] >> 8) & 255) * f);
        int b = (int) Math.round((a[i] & 255) * (1 - f) + (a[i + 1] & 255) * f);
        return (r << 16) | (g << 8) | b;
    }

    /** Parameter importance as horizontal bars, most important on top. */
    public void importance(List<ParamImportance> imp, String metric, String experiment) {
        title("Parameter importance for " + metric + " (PED-ANOVA) · " + experiment);
        if (imp.isEmpty()) {
            empty("no terminated trial has a value of " + metric);
            return;
        }
        double left = 160, right = WIDTH - 80, top = T, bottom = B;
        double h = (bottom - top) / imp.size();
        Scale x = new Scale(0, 1, false, left, right);
        for (double v : x.ticks(5)) {
            c.line(x.px(v), top, x.px(v), bottom, GRID, 1, 1);
            c.text(x.px(v), bottom + 16, Scale.label(v), 11, Canvas.Anchor.MIDDLE, AXIS, 0);
        }
        for (int i = 0; i < imp.size(); i++) {
            ParamImportance p = imp.get(i);
            double y = top + i * h;
            c.rect(left, y + h * 0.15, Math.max(0.5, x.px(p.importance()) - left), h * 0.7, PALETTE[0], 1);
            c.text(left - 8, y + h / 2 + 4, p.name(), 12, Canvas.Anchor.END, TEXT, 0);
            c.text(x.px(p.importance()) + 4, y + h / 2 + 4, String.format(java.util.Locale.ROOT, "%.1f%%", p.importance() * 100),
                    11, Canvas.Anchor.START, TEXT, 0);
        }
        c.line(left, top, left, bottom, AXIS, 1, 1);
    }

    /** Two objectives, the Pareto front in red above the dominated trials in grey. */
    public void pareto(PlotData.Pareto p, String experiment) {
        title("Pareto front of " + p.xMetric() + " (" + p.xMode().name().toLowerCase() + ") and " + p.yMetric()
                + " (" + p.yMode().name().toLowerCase() + ") · " + experiment);
        if (p.points().isEmpty()) {
            empty("no trial has both " + p.xMetric() + " and " + p.yMetric());
            return;
        }
        double xlo = Double.POSITIVE_INFINITY, xhi = Double.NEGATIVE_INFINITY, ylo = xlo, yhi = xhi;
        for (PlotData.ParetoPoint q : p.points()) {
            xlo = Math.min(xlo, q.x());
            xhi = Math.max(xhi, q.x());
            ylo = Math.min(ylo, q.y());
            yhi = Math.max(yhi, q.y());
        }
        Scale x = new Scale(xlo, xhi, false, L, R);
        Scale y = new Scale(ylo, yhi, false, B, T);
        frame(x, y, p.xMetric(), p.yMetric());
        for (PlotData.ParetoPoint q : p.points()) if (!q.front()) c.circle(x.px(q.x()), y.px(q.y()), 2.5, 0x9ca3af, 0.8);
        for (PlotData.ParetoPoint q : p.points()) if (q.front()) c.circle(x.px(q.x()), y.px(q.y()), 4, BEST, 1);
    }
}
