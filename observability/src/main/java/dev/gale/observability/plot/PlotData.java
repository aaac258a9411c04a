package dev.gale.observability.plot;

import dev.gale.observability.experiment.Curve;
import dev.gale.observability.experiment.ExperimentView;
import dev.gale.observability.experiment.Marker;
import dev.gale.observability.experiment.TrialView;
import dev.gale.observability.importance.ParamDomain;
import dev.gale.observability.importance.ParamImportance;
import dev.gale.observability.importance.PedAnova;
import dev.gale.tune.Mode;
import dev.gale.tune.TrialStatus;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The data of every plot, computed once in Java for the web page (which draws it with ECharts)
 * and for {@code gale plot} (which draws it to SVG or PNG), so that both show the same numbers.
 *
 * <p>A trial's <b>value</b> is its last result's value of the metric (as {@code ResultGrid} ranks
 * trials); trials without a finite value are left out of history, parallel coordinates and Pareto
 * plots. Importance uses TERMINATED trials only (as Optuna uses complete ones).
 */
public final class PlotData {
    private PlotData() {
    }

    /**
     * One trial in the optimization history.
     *
     * @param index   the trial's index (creation order)
     * @param trialId its id
     * @param status  its status
     * @param value   its value
     * @param best    the best value of the trials up to this one (by {@code mode})
     */
    public record HistoryPoint(int index, String trialId, TrialStatus status, double value, double best) {
    }

    /** The optimization history: every trial's value in creation order with the best so far. */
    public record History(String metric, Mode mode, List<HistoryPoint> points) {
        public History {
            points = List.copyOf(points);
        }
    }

    /** The history of {@code metric} ({@code mode} MIN when null). */
    public static History history(ExperimentView e, String metric, Mode mode) {
        Mode m = mode == null ? Mode.MIN : mode;
        List<HistoryPoint> out = new ArrayList<>();
        double best = Double.NaN;
        for (TrialView t : e.trials()) {
            double v = t.metric(metric);
            if (!Double.isFinite(v)) continue;
            if (Double.isNaN(best) || better(v, best, m)) best = v;
            out.add(new HistoryPoint(t.index(), t.id(), t.status(), v, best));
        }
        return new History(metric, m, out);
    }

    /**
     * One trial's curve of a metric, with its markers placed on it.
     *
     * @param index      the trial's index
     * @param trialId    its id
     * @param status     its status
     * @param iterations the x values ({@code training_iteration})
     * @param values     the y values (no NaN: results without the metric are left out)
     * @param markers    its decisions, each at the value the curve has at the marker's iteration (or its last value)
     */
    public record Series(int index, String trialId, TrialStatus status, long[] iterations, double[] values,
                         List<PlacedMarker> markers) {
        public Series {
            markers = List.copyOf(markers);
        }
    }

    /** A marker with the y value it is drawn at. */
    public record PlacedMarker(long iteration, double value, Marker.Kind kind, String note) {
    }

    /**
     * Learning curves (intermediate values) of a metric.
     *
     * @param metric the metric
     * @param series the curves drawn
     * @param total  the trials that reported the metric (more than {@code series} when some were left out)
     */
    public record Curves(String metric, List<Series> series, int total) {
        public Curves {
            series = List.copyOf(series);
        }
    }

    /**
     * The curves of {@code metric}: at most {@code maxTrials} trials (the best by their value, by
     * {@code mode}, when there are more), each downsampled to at most {@code maxPoints} points
     * (evenly, keeping the first and the last).
     */
    public static Curves curves(ExperimentView e, String metric, Mode mode, int maxTrials, int maxPoints) {
        List<TrialView> with = new ArrayList<>();
        for (TrialView t : e.trials()) if (t.curve().metrics().contains(metric)) with.add(t);
        List<TrialView> chosen = with;
        if (with.size() > maxTrials) {
            Mode m = mode == null ? Mode.MIN : mode;
            chosen = new ArrayList<>(with);
            Comparator<TrialView> byValue = Comparator.comparingDouble(t -> key(t.metric(metric), m));
            chosen.sort(byValue);
            chosen = new ArrayList<>(chosen.subList(0, maxTrials));
            chosen.sort(Comparator.comparingInt(TrialView::index));
        }
        List<Series> out = new ArrayList<>(chosen.size());
        for (TrialView t : chosen) out.add(series(t, metric, maxPoints));
        return new Curves(metric, out, with.size());
    }

    /** One trial's curve of {@code metric}, downsampled to at most {@code maxPoints} points (0: all). */
    public static Series series(TrialView t, String metric, int maxPoints) {
        Curve c = t.curve();
        int n = 0;
        for (int i = 0; i < c.size(); i++) if (Double.isFinite(c.value(metric, i))) n++;
        long[] xs = new long[n];
        double[] ys = new double[n];
        int k = 0;
        for (int i = 0; i < c.size(); i++) {
            double v = c.value(metric, i);
            if (!Double.isFinite(v)) continue;
            xs[k] = c.iteration(i);
            ys[k++] = v;
        }
        List<PlacedMarker> placed = new ArrayList<>();
        for (Marker m : t.markers()) placed.add(new PlacedMarker(m.iteration(), valueAt(xs, ys, m.iteration()), m.kind(), m.note()));
        if (maxPoints > 1 && n > maxPoints) {
            long[] dx = new long[maxPoints];
            double[] dy = new double[maxPoints];
            for (int i = 0; i < maxPoints; i++) {
                int j = (int) Math.round((double) i * (n - 1) / (maxPoints - 1));
                dx[i] = xs[j];
                dy[i] = ys[j];
            }
            xs = dx;
            ys = dy;
        }
        return new Series(t.index(), t.id(), t.status(), xs, ys, placed);
    }

    private static double valueAt(long[] xs, double[] ys, long iteration) {
        double v = Double.NaN;
        for (int i = 0; i < xs.length; i++) {
            if (xs[i] > iteration) break;
            v = ys[i];
        }
        if (Double.isNaN(v) && ys.length > 0) v = ys[0];
        return v;
    }

    /**
     * An axis of the parallel coordinates (and of slice and contour plots).
     *
     * @param name        the parameter or metric
     * @param categorical true for categories (values are their indexes)
     * @param log         true for a log scale
     * @param min         the lowest value
     * @param max         the highest value
     * @param categories  the categories (categorical axes)
     */
    public record Axis(String name, boolean categorical, boolean log, double min, double max, List<String> categories) {
        public Axis {
            categories = List.copyOf(categories);
        }
    }

    /** A trial's line across the axes: {@code values[i]} on axis i (a category's index on a categorical axis). */
    public record Line(int index, String trialId, double[] values) {
    }

    /** Parallel coordinates: one axis per parameter, then the metric's; one line per trial with a value. */
    public record ParallelCoordinates(String metric, List<Axis> axes, List<Line> lines) {
        public ParallelCoordinates {
            axes = List.copyOf(axes);
            lines = List.copyOf(lines);
        }
    }

    /** The parallel coordinates of the parameters every trial with a value of {@code metric} has. */
    public static ParallelCoordinates parallelCoordinates(ExperimentView e, String metric) {
        List<TrialView> with = new ArrayList<>();
        List<Map<String, Object>> configs = new ArrayList<>();
        for (TrialView t : e.trials()) {
            if (!Double.isFinite(t.metric(metric))) continue;
            with.add(t);
            configs.add(t.config());
        }
        Map<String, ParamDomain> domains = ParamDomain.infer(configs);
        List<Axis> axes = new ArrayList<>();
        List<Map<Object, Integer>> catIndex = new ArrayList<>();
        for (Map.Entry<String, ParamDomain> d : domains.entrySet()) {
            switch (d.getValue()) {
                case ParamDomain.Numeric n -> {
                    axes.add(new Axis(d.getKey(), false, n.log(), n.low(), n.high(), List.of()));
                    catIndex.add(null);
                }
                case ParamDomain.Categorical c -> {
                    List<String> names = new ArrayList<>();
                    Map<Object, Integer> idx = new LinkedHashMap<>();
                    for (Object o : c.choices()) {
                        idx.put(o, names.size());
                        names.add(String.valueOf(o));
                    }
                    axes.add(new Axis(d.getKey(), true, false, 0, names.size() - 1, names));
                    catIndex.add(idx);
                }
            }
        }
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        List<Line> lines = new ArrayList<>(with.size());
        List<String> names = new ArrayList<>(domains.keySet());
        for (TrialView t : with) {
            double[] v = new double[names.size() + 1];
            for (int i = 0; i < names.size(); i++) {
                Object x = t.config().get(names.get(i));
                Map<Object, Integer> idx = catIndex.get(i);
                v[i] = idx == null ? ((Number) x).doubleValue() : idx.get(ParamDomain.key(x));
            }
            double y = t.metric(metric);
            v[names.size()] = y;
            lo = Math.min(lo, y);
            hi = Math.max(hi, y);
            lines.add(new Line(t.index(), t.id(), v));
        }
        if (!with.isEmpty()) axes.add(new Axis(metric, false, false, lo, hi, List.of()));
        return new ParallelCoordinates(metric, axes, lines);
    }

    /** PED-ANOVA importance of the parameters for {@code metric}, over TERMINATED trials with a value. */
    public static List<ParamImportance> importance(ExperimentView e, String metric, Mode mode) {
        List<PedAnova.Observation> obs = new ArrayList<>();
        for (TrialView t : e.trials()) {
            double v = t.metric(metric);
            if (t.status() == TrialStatus.TERMINATED && Double.isFinite(v)) obs.add(new PedAnova.Observation(t.config(), v));
        }
        if (obs.isEmpty()) return List.of();
        return PedAnova.defaults().evaluate(obs, mode == null ? Mode.MIN : mode);
    }

    /**
     * A trial in a two-objective plot.
     *
     * @param front true when no other trial is at least as good on both objectives and better on one
     */
    public record ParetoPoint(int index, String trialId, double x, double y, boolean front) {
    }

    /** Two objectives of every trial that has both, with the Pareto front marked. */
    public record Pareto(String xMetric, Mode xMode, String yMetric, Mode yMode, List<ParetoPoint> points) {
        public Pareto {
            points = List.copyOf(points);
        }
    }

    /** The Pareto plot of objectives {@code x} and {@code y} (modes MIN when null). */
    public static Pareto pareto(ExperimentView e, String x, Mode xMode, String y, Mode yMode) {
        Mode xm = xMode == null ? Mode.MIN : xMode;
        Mode ym = yMode == null ? Mode.MIN : yMode;
        List<TrialView> with = new ArrayList<>();
        for (TrialView t : e.trials()) {
            if (Double.isFinite(t.metric(x)) && Double.isFinite(t.metric(y))) with.add(t);
        }
        // sorted by x then y (best first): a point is on the front when it has the best y of its x and
        // that y beats every y of a strictly better x (equal points do not dominate each other)
        List<TrialView> sorted = new ArrayList<>(with);
        sorted.sort(Comparator.<TrialView>comparingDouble(t -> key(t.metric(x), xm)).thenComparingDouble(t -> key(t.metric(y), ym)));
        java.util.Set<String> front = new java.util.HashSet<>();
        double bestY = Double.POSITIVE_INFINITY;
        int i = 0;
        while (i < sorted.size()) {
            double gx = key(sorted.get(i).metric(x), xm);
            double gy = key(sorted.get(i).metric(y), ym);
            int j = i;
            while (j < sorted.size() && key(sorted.get(j).metric(x), xm) == gx) {
                if (gy < bestY && key(sorted.get(j).metric(y), ym) == gy) front.add(sorted.get(j).id());
                j++;
            }
            bestY = Math.min(bestY, gy);
            i = j;
        }
        List<ParetoPoint> out = new ArrayList<>(with.size());
        for (TrialView t : with) out.add(new ParetoPoint(t.index(), t.id(), t.metric(x), t.metric(y), front.contains(t.id())));
        return new Pareto(x, xm, y, ym, out);
    }

    /** The value as a key sorted ascending from best to worst. */
    private static double key(double v, Mode m) {
        return m == Mode.MIN ? v : -v;
    }

    private static boolean better(double a, double b, Mode m) {
        return m == Mode.MIN ? a < b : a > b;
    }
}
