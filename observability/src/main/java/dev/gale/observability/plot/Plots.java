package dev.gale.observability.plot;

import dev.gale.observability.experiment.ExperimentView;
import dev.gale.observability.experiment.internal.DirectoryLoader;
import dev.gale.observability.plot.internal.Canvas;
import dev.gale.observability.plot.internal.PlotRenderer;
import dev.gale.observability.plot.internal.PngCanvas;
import dev.gale.observability.plot.internal.SvgCanvas;
import dev.gale.tune.Mode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Plots for reports: the page's plots drawn to an SVG or PNG file from the same {@link PlotData}.
 *
 * <p>Promises: reads the experiment only through {@code ExperimentReader}; the format follows the
 * output's extension ({@code .svg} or {@code .png}, anything else is refused); a plot with no data
 * is still written, saying why it is empty; the file is replaced whole (written beside, then moved).
 */
public final class Plots {
    /** Learning curves drawn (the best trials when there are more). */
    public static final int MAX_CURVES = 50;

    private Plots() {
    }

    /**
     * What to draw.
     *
     * @param kind    the plot
     * @param metric  the metric (null: the experiment's)
     * @param mode    its mode (null: the experiment's, else MIN)
     * @param metric2 the second objective of a Pareto plot (required for {@link PlotKind#PARETO})
     * @param mode2   its mode (null: MIN)
     */
    public record Spec(PlotKind kind, String metric, Mode mode, String metric2, Mode mode2) {
        public Spec {
            if (kind == null) throw new IllegalArgumentException("plot kind is null: use one of history, curves, parcoords, importance, pareto");
            if (kind == PlotKind.PARETO && (metric2 == null || metric2.isBlank())) {
                throw new IllegalArgumentException("a pareto plot needs a second objective (--metric2 NAME)");
            }
        }
    }

    /** Reads the experiment in {@code dir} and writes the plot to {@code out}. */
    public static void write(Path dir, Spec spec, Path out) throws IOException {
        write(DirectoryLoader.load(dir, "plot").view(), spec, out);
    }

    /** Writes the plot of {@code e} to {@code out} (SVG or PNG by its extension). */
    public static void write(ExperimentView e, Spec spec, Path out) throws IOException {
        String name = out.getFileName() == null ? "" : out.getFileName().toString().toLowerCase(Locale.ROOT);
        Canvas c;
        if (name.endsWith(".svg")) c = new SvgCanvas(PlotRenderer.WIDTH, PlotRenderer.HEIGHT);
        else if (name.endsWith(".png")) c = new PngCanvas(PlotRenderer.WIDTH, PlotRenderer.HEIGHT);
        else throw new IllegalArgumentException("--out " + out + ": name the file .svg or .png");
        byte[] bytes = render(e, spec, c);
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        Path tmp = out.resolveSibling(out.getFileName() + ".tmp");
        Files.write(tmp, bytes);
        Files.move(tmp, out, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** The plot of {@code e} drawn on {@code c}: the finished file. */
    static byte[] render(ExperimentView e, Spec spec, Canvas c) {
        String metric = spec.metric() != null ? spec.metric() : e.metric();
        if (metric == null) {
            throw new IllegalArgumentException("experiment " + e.name() + " has no metric: name one with --metric (it reported "
                    + e.metrics() + ")");
        }
        if (!e.metrics().contains(metric)) {
            throw new IllegalArgumentException("no trial of " + e.name() + " reported " + metric + ": its metrics are " + e.metrics());
        }
        Mode mode = spec.mode() != null ? spec.mode() : metric.equals(e.metric()) && e.mode() != null ? e.mode() : Mode.MIN;
        PlotRenderer r = new PlotRenderer(c);
        switch (spec.kind()) {
            case HISTORY -> r.history(PlotData.history(e, metric, mode), e.name());
            case CURVES -> r.curves(PlotData.curves(e, metric, mode, MAX_CURVES, 0), e.name());
            case PARCOORDS -> r.parallelCoordinates(PlotData.parallelCoordinates(e, metric), e.name());
            case IMPORTANCE -> r.importance(PlotData.importance(e, metric, mode), metric, e.name());
            case PARETO -> {
                if (!e.metrics().contains(spec.metric2())) {
                    throw new IllegalArgumentException("no trial of " + e.name() + " reported " + spec.metric2() + ": its metrics are " + e.metrics());
                }
                r.pareto(PlotData.pareto(e, metric, mode, spec.metric2(), spec.mode2()), e.name());
            }
        }
        return c.finish();
    }
}
