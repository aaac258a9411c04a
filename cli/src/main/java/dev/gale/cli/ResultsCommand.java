package dev.gale.cli;

import dev.gale.tune.ResultGrid;
import dev.gale.tune.TrialStatus;
import dev.gale.tune.TrialSummary;
import dev.gale.tune.storage.ExperimentReader;
import dev.gale.tune.storage.ExperimentRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code gale results <dir>}: prints the ResultGrid of an experiment directory (every metric of
 * each trial's last result), how many trials ended how, the seed, the best trial, and, for an
 * experiment that did not finish, how to resume it.
 */
@Command(name = "results", mixinStandardHelpOptions = true,
        description = "Print the trials of an experiment directory and its best trial.")
final class ResultsCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR", description = "experiment directory, e.g. ~/gale_results/<name>")
    Path dir;

    @Override
    public Integer call() {
        ResultGrid g = ResultGrid.load(dir);
        ExperimentRecord rec = ExperimentReader.read(dir);
        System.out.print(g.table());
        System.out.printf("%d trials: %d terminated, %d error, %d interrupted, %d running/pending%n", g.size(),
                g.count(TrialStatus.TERMINATED), g.count(TrialStatus.ERROR), g.count(TrialStatus.INTERRUPTED),
                g.count(TrialStatus.RUNNING) + g.count(TrialStatus.PENDING) + g.count(TrialStatus.PAUSED));
        if (rec.hasSnapshot()) System.out.println("seed " + rec.snapshot().seed() + " (gale tune --seed " + rec.snapshot().seed()
                + " repeats the search)");
        if (g.metric() != null && g.mode() != null) {
            try {
                TrialSummary best = g.best();
                System.out.printf("best %s (%s): %s = %s, config %s%n", best.trialId(), g.mode().name().toLowerCase(),
                        g.metric(), best.lastResult().get(g.metric()), best.config());
            } catch (IllegalArgumentException e) {
                System.out.println("no best trial: " + e.getMessage());
            }
        }
        if (!rec.finished()) System.out.println(unfinished(rec));
        return 0;
    }

    /** What to say about an experiment that did not run to its end. */
    private String unfinished(ExperimentRecord rec) {
        if (!rec.hasSnapshot()) {
            return "the experiment did not finish and stopped before its first snapshot: it cannot be resumed (start it again)";
        }
        String why = rec.snapshot().aborted() == null ? "the experiment did not finish"
                : "the experiment stopped early: " + rec.snapshot().aborted();
        Map<String, Object> launch = rec.snapshot().launch();
        if (launch.get(TuneCommand.ARGS_KEY) instanceof java.util.List<?>) {
            return why + "\nresume with: gale tune --resume " + dir;
        }
        if (launch.get("study") instanceof String study) {
            return why + "\nresume with: Study.builder().name(\"" + study + "\").loadIfExists(true).build(), then optimize(...)";
        }
        return why + "\nresume with: Tuner.builder(...).restore(Path.of(\"" + dir + "\")).build().fit()";
    }
}
