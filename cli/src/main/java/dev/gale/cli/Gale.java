package dev.gale.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code gale} command: {@code demo}, {@code tune}, {@code train}, {@code results}, {@code bench},
 * {@code cluster} ({@code start|status|stop|drain|stop-node|secret|up|down}), {@code node start}, {@code dashboard},
 * {@code plot} and {@code aot-training}.
 * Exit code 0 on success, 1 when a run failed or a benchmark missed its target, 2 on bad usage.
 */
@Command(name = "gale", mixinStandardHelpOptions = true, version = "gale 0.1.0",
        description = "GPU-aware hyperparameter tuning for the JVM.",
        subcommands = {DemoCommand.class, TuneCommand.class, TrainCommand.class, ResultsCommand.class, BenchCommand.class,
                ClusterCommand.class, NodeCommand.class, DashboardCommand.class, PlotCommand.class, AotTrainingCommand.class, CommandLine.HelpCommand.class})
public final class Gale implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** Runs the command line and exits with its code. */
    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the command line and returns its exit code (for tests). */
    public static int execute(String... args) {
        // initialize logging before Pekko's threads log, or SLF4J prints a "replayed calls" warning
        org.slf4j.LoggerFactory.getILoggerFactory();
        QuietConnectionAborts.install(); // members that leave see their connections aborted: not worth a warning
        CommandLine cl = new CommandLine(new Gale());
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (ex instanceof IllegalArgumentException || ex instanceof IllegalStateException
                    || ex instanceof java.io.UncheckedIOException) {
                cmd.getErr().println("gale: " + CliMessages.translate(ex.getMessage()));
                return ex instanceof IllegalArgumentException ? 2 : 1;
            }
            throw ex;
        });
        return cl.execute(args);
    }
}
