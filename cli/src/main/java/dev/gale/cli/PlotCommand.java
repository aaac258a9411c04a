package dev.gale.cli;

import dev.gale.observability.plot.PlotKind;
import dev.gale.observability.plot.Plots;
import dev.gale.tune.Mode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code gale plot DIR --kind history|curves|parcoords|importance|pareto --out file.svg|file.png}:
 * one of the dashboard's plots of an experiment directory, for reports.
 */
@Command(name = "plot", mixinStandardHelpOptions = true,
        description = "Draw a plot of an experiment directory to an SVG or PNG file (the dashboard's plots).")
final class PlotCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR", description = "experiment directory")
    Path dir;

    @Option(names = "--kind", required = true, description = "history | curves | parcoords | importance | pareto")
    String kind;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "output file: .svg or .png")
    Path out;

    @Option(names = "--metric", description = "metric (default: the experiment's)")
    String metric;

    @Option(names = "--mode", description = "min | max (default: the experiment's)")
    String mode;

    @Option(names = "--metric2", description = "second objective of a pareto plot")
    String metric2;

    @Option(names = "--mode2", description = "min | max for --metric2 (default min)")
    String mode2;

    @Override
    public Integer call() throws IOException {
        PlotKind k;
        try {
            k = PlotKind.valueOf(kind.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--kind " + kind + ": use history, curves, parcoords, importance or pareto");
        }
        Plots.write(dir, new Plots.Spec(k, metric, mode(mode, "--mode"), metric2, mode(mode2, "--mode2")), out);
        System.out.println("wrote " + out);
        return 0;
    }

    private static Mode mode(String s, String option) {
        if (s == null) return null;
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "min" -> Mode.MIN;
            case "max" -> Mode.MAX;
            default -> throw new IllegalArgumentException(option + " " + s + ": use min or max");
        };
    }
}
