package dev.gale.observability.dashboard.internal;

import dev.gale.observability.experiment.BadLine;
import dev.gale.observability.experiment.Curve;
import dev.gale.observability.experiment.ExperimentView;
import dev.gale.observability.experiment.Marker;
import dev.gale.observability.experiment.TrialView;
import dev.gale.observability.experiment.internal.ExperimentModel;
import dev.gale.observability.importance.ParamImportance;
import dev.gale.observability.plot.PlotData;
import dev.gale.tune.Mode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The dashboard's JSON: views and plot data as maps and lists for Jackson, with every
 * non-finite number written as {@code null} (JSON has no NaN).
 */
public final class JsonViews {
    private JsonViews() {
    }

    /** An experiment without its trials (the list of experiments). */
    public static Map<String, Object> summary(ExperimentView e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", e.id());
        m.put("name", e.name());
        m.put("dir", e.dir() == null ? "" : e.dir().toString());
        m.put("status", e.status().name());
        m.put("metric", e.metric());
        m.put("mode", e.mode() == null ? null : e.mode().name());
        m.put("searcher", e.searcher());
        m.put("scheduler", e.scheduler());
        m.put("note", e.note());
        m.put("version", e.version());
        m.put("params", e.params());
        m.put("metrics", e.metrics());
        m.put("trialCount", e.trials().size());
        int bad = 0;
        for (TrialView t : e.trials()) bad += t.badLines().size();
        m.put("badLines", bad);
        return m;
    }

    /** An experiment with a row per trial. */
    public static Map<String, Object> experiment(ExperimentView e) {
        Map<String, Object> m = summary(e);
        List<Object> rows = new ArrayList<>(e.trials().size());
        for (TrialView t : e.trials()) rows.add(row(t));
        m.put("trials", rows);
        return m;
    }

    /**
     * An experiment with its rows in columns, for the page's first load (a third of the bytes of
     * {@link #experiment} for 10,000 trials): {@code columns.config} names the parameters and
     * {@code columns.last} the metrics; each trial is {@code [i, id, status, [config values],
     * [last values], attempts, failures, node, gpus, error, bad, {other last entries} or null]},
     * a value null where the trial has none.
     */
    public static Map<String, Object> experimentCompact(ExperimentView e) {
        Map<String, Object> m = summary(e);
        List<String> params = e.params();
        List<String> metrics = e.metrics();
        m.put("columns", Map.of("config", params, "last", metrics));
        java.util.Set<String> metricSet = new java.util.HashSet<>(metrics);
        List<Object> rows = new ArrayList<>(e.trials().size());
        for (TrialView t : e.trials()) {
            Object[] config = new Object[params.size()];
            for (int i = 0; i < config.length; i++) config[i] = cleanValue(t.config().get(params.get(i)));
            Object[] last = new Object[metrics.size()];
            for (int i = 0; i < last.length; i++) last[i] = cleanValue(t.last().get(metrics.get(i)));
            Map<String, Object> other = null;
            for (Map.Entry<String, Object> x : t.last().entrySet()) {
                if (metricSet.contains(x.getKey())) continue;
                if (other == null) other = new LinkedHashMap<>();
                other.put(x.getKey(), cleanValue(x.getValue()));
            }
            rows.add(new Object[]{t.index(), t.id(), t.status().name(), config, last, t.attempts(), t.failures(), t.node(), t.gpus(),
                    t.error(), t.badLines().size(), other});
        }
        m.put("trials", rows);
        return m;
    }

    /** A trial's row in the table. */
    public static Map<String, Object> row(TrialView t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("i", t.index());
        m.put("id", t.id());
        m.put("status", t.status().name());
        m.put("config", clean(t.config()));
        m.put("last", clean(t.last()));
        m.put("attempts", t.attempts());
        m.put("failures", t.failures());
        m.put("node", t.node());
        m.put("gpus", t.gpus());
        m.put("error", t.error());
        m.put("bad", t.badLines().size());
        return m;
    }

    /** A trial with its curves, markers and unreadable lines. */
    public static Map<String, Object> trial(TrialView t) {
        Map<String, Object> m = row(t);
        Curve c = t.curve();
        long[] it = new long[c.size()];
        for (int i = 0; i < c.size(); i++) it[i] = c.iteration(i);
        Map<String, Object> values = new LinkedHashMap<>();
        for (String metric : c.metrics()) {
            List<Double> v = new ArrayList<>(c.size());
            for (int i = 0; i < c.size(); i++) v.add(num(c.value(metric, i)));
            values.put(metric, v);
        }
        m.put("iterations", it);
        m.put("values", values);
        List<Object> markers = new ArrayList<>();
        for (Marker k : t.markers()) markers.add(Map.of("iteration", k.iteration(), "kind", k.kind().name(), "note", k.note()));
        m.put("markers", markers);
        List<Object> bad = new ArrayList<>();
        for (BadLine b : t.badLines()) bad.add(Map.of("line", b.line(), "text", b.text()));
        m.put("badLines", bad);
        return m;
    }

    /**
     * Every plot of {@code metric} (mode: the experiment's, else {@code mode}), and the Pareto
     * front against {@code metric2} when given.
     */
    public static Map<String, Object> plots(ExperimentView e, String metric, Mode mode, String metric2, Mode mode2,
                                            int maxCurves, int maxPoints) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("metric", metric);
        m.put("mode", mode.name());
        PlotData.History h = PlotData.history(e, metric, mode);
        List<Object> hist = new ArrayList<>(h.points().size());
        for (PlotData.HistoryPoint p : h.points()) hist.add(new Object[]{p.index(), num(p.value()), num(p.best()), p.trialId(), p.status().name()});
        m.put("history", hist);

        PlotData.Curves cs = PlotData.curves(e, metric, mode, maxCurves, maxPoints);
        List<Object> series = new ArrayList<>();
        for (PlotData.Series s : cs.series()) {
            Map<String, Object> sm = new LinkedHashMap<>();
            sm.put("i", s.index());
            sm.put("id", s.trialId());
            sm.put("status", s.status().name());
            List<Object> pts = new ArrayList<>(s.values().length);
            for (int i = 0; i < s.values().length; i++) pts.add(new Object[]{s.iterations()[i], num(s.values()[i])});
            sm.put("points", pts);
            List<Object> mk = new ArrayList<>();
            for (PlotData.PlacedMarker p : s.markers()) mk.add(new Object[]{p.iteration(), num(p.value()), p.kind().name(), p.note()});
            sm.put("markers", mk);
            series.add(sm);
        }
        m.put("curves", Map.of("series", series, "total", cs.total()));

        PlotData.ParallelCoordinates pc = PlotData.parallelCoordinates(e, metric);
        List<Object> axes = new ArrayList<>();
        for (PlotData.Axis a : pc.axes()) {
            Map<String, Object> am = new LinkedHashMap<>();
            am.put("name", a.name());
            am.put("categorical", a.categorical());
            am.put("log", a.log());
            am.put("min", num(a.min()));
            am.put("max", num(a.max()));
            am.put("categories", a.categories());
            axes.add(am);
        }
        List<Object> lines = new ArrayList<>(pc.lines().size());
        for (PlotData.Line l : pc.lines()) {
            Object[] v = new Object[l.values().length];
            for (int i = 0; i < v.length; i++) v[i] = num(l.values()[i]);
            lines.add(v);
        }
        m.put("parcoords", Map.of("axes", axes, "lines", lines));

        List<Object> imp = new ArrayList<>();
        for (ParamImportance p : PlotData.importance(e, metric, mode)) imp.add(new Object[]{p.name(), num(p.importance())});
        m.put("importance", imp);

        if (metric2 != null && !metric2.isBlank()) {
            PlotData.Pareto p = PlotData.pareto(e, metric, mode, metric2, mode2);
            List<Object> pts = new ArrayList<>();
            for (PlotData.ParetoPoint q : p.points()) pts.add(new Object[]{num(q.x()), num(q.y()), q.front(), q.trialId()});
            m.put("pareto", Map.of("x", metric, "y", metric2, "xMode", p.xMode().name(), "yMode", p.yMode().name(), "points", pts));
        }
        return m;
    }

    /** A live update: what changed in one experiment since the previous one. */
    public static Map<String, Object> delta(ExperimentModel model, ExperimentModel.Delta d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("exp", model.id());
        m.put("version", d.version());
        if (d.experiment()) m.put("summary", summary(model.view()));
        List<Object> rows = new ArrayList<>(d.trials().size());
        for (TrialView t : d.trials()) rows.add(row(t));
        m.put("trials", rows);
        List<Object> results = new ArrayList<>(d.results().size());
        for (ExperimentModel.ResultPoint r : d.results()) {
            results.add(new Object[]{r.trialIndex(), r.iteration(), r.timestamp(), clean(new LinkedHashMap<>(r.metrics()))});
        }
        m.put("results", results);
        m.put("overflow", d.overflow());
        return m;
    }

    /** {@code d}, or null when it is not finite. */
    static Double num(double d) {
        return Double.isFinite(d) ? d : null;
    }

    /** {@code v}, or null when it is a number that is not finite. */
    private static Object cleanValue(Object v) {
        if (v instanceof Double d && !Double.isFinite(d)) return null;
        if (v instanceof Float f && !Float.isFinite(f)) return null;
        return v;
    }

    private static Map<String, Object> clean(Map<String, ?> in) {
        Map<String, Object> out = new LinkedHashMap<>(in.size() * 2);
        for (Map.Entry<String, ?> e : in.entrySet()) {
            Object v = e.getValue();
            if (v instanceof Double d && !Double.isFinite(d)) v = null;
            else if (v instanceof Float f && !Float.isFinite(f)) v = null;
            out.put(e.getKey(), v);
        }
        return out;
    }
}
