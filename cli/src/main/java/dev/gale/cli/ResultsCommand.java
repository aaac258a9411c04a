package dev.gale.cli;

import dev.gale.tune.ResultGrid;
import dev.gale.tune.TrialStatus;
import dev.gale.tune.TrialSummary;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code gale results <dir>}: prints the ResultGrid of an experiment directory. */
@Command(name = "results", mixinStandardHelpOptions = true,
        description = "Print the trials of an experiment directory and its best trial.")
final class ResultsCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR", description = "experiment directory, e.g. ~/gale_results/<name>")
    Path dir;

    @Override
    public Integer call() {
        ResultGrid g = ResultGrid.load(dir);
        System.out.print(g.table());
        System.out.printf("%d trials: %d terminated, %d error, %d running/pending%n", g.size(),
                g.count(TrialStatus.TERMINATED), g.count(TrialStatus.ERROR),
                g.count(TrialStatus.RUNNING) + g.count(TrialStatus.PENDING) + g.count(TrialStatus.PAUSED));
        if (g.metric() != null && g.mode() != null) {
            try {
                TrialSummary best = g.best();
                System.out.printf("best %s (%s): %s = %s, config %s%n", best.trialId(), g.mode().name().toLowerCase(),
                        g.metric(), best.lastResult().get(g.metric()), best.config());
            } catch (IllegalArgumentException e) {
                System.out.println("no best trial: " + e.getMessage());
            }
        }
        return 0;
    }
}
