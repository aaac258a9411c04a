package dev.gale.tune.internal;

import dev.gale.cluster.ClusterStatus;
import dev.gale.cluster.GaleNode;
import dev.gale.tune.schedulers.TrialScheduler;
import dev.gale.tune.search.Searcher;
import dev.gale.tune.storage.ExperimentReader;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The steps {@code Tuner.restore} adds to a run before an interrupted experiment goes on: the seed
 * the experiment recorded, its saved searcher and scheduler state checked against the kinds given
 * and loaded into them, and the wait until the previous driver's trials no longer hold leases.
 *
 * <p>Promises: a mismatch of kinds or a saved state that does not fit is an
 * {@link IllegalArgumentException} naming the experiment directory and the fix, thrown before any
 * trial runs; {@link #awaitPreviousDriverGone} returns only when no node lists a lease holder of
 * the experiment's group, and gives up after 2 minutes.
 */
public final class ExperimentResume {
    private ExperimentResume() {
    }

    /** The seed recorded in the experiment state of {@code dir}, or null when there is none. */
    public static Long recordedSeed(Path dir) {
        try {
            return ExperimentReader.snapshot(dir).map(s -> s.seed()).orElse(null);
        } catch (RuntimeException e) {
            return null; // an unreadable snapshot: the restore says why
        }
    }

    /**
     * Reads the interrupted experiment in {@code restoreDir} ({@link ExperimentRestore#load}) and
     * loads its saved searcher and scheduler state into {@code searcher} and {@code scheduler}.
     *
     * @throws IllegalArgumentException when the experiment ran another kind of searcher or
     *                                  scheduler, or a saved state does not fit the one given
     */
    public static ExperimentRestore load(Path restoreDir, Searcher searcher, TrialScheduler scheduler) {
        ExperimentRestore restored = ExperimentRestore.load(restoreDir);
        String sn = searcher.name();
        String kn = scheduler.name();
        if (restored.searcherName() != null && !restored.searcherName().equals(sn)) {
            throw new IllegalArgumentException("restore(" + restoreDir + "): the experiment ran searcher '"
                    + restored.searcherName() + "' but TuneConfig has '" + sn + "': pass the same kind of searcher");
        }
        if (restored.schedulerName() != null && !restored.schedulerName().equals(kn)) {
            throw new IllegalArgumentException("restore(" + restoreDir + "): the experiment ran scheduler '"
                    + restored.schedulerName() + "' but TuneConfig has '" + kn + "': pass the same kind of scheduler");
        }
        try {
            if (restored.searcherState() != null) searcher.restore(restored.searcherState());
            if (restored.schedulerState() != null) scheduler.restore(restored.schedulerState());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("restore(" + restoreDir + "): the saved searcher/scheduler state does not fit"
                    + " the ones given (" + e.getMessage() + "): pass the same searcher, scheduler and search space", e);
        }
        return restored;
    }

    /**
     * A driver killed moments ago may still hold leases (until the cluster removes its JVM, which
     * takes the failure detector and split-brain resolver some seconds): its trials still run.
     * Waits (up to 2 minutes) until no lease of this experiment's group is held, so that a
     * restored trial never runs beside its orphaned previous attempt.
     *
     * @param st             the cluster status just read
     * @param experimentName the experiment's name (its lease holders start with {@code <name>/})
     * @param quiet          true to print nothing while waiting
     * @return the cluster status in which no such lease is held
     * @throws IllegalStateException when the leases are still held after 2 minutes, or the thread is interrupted
     */
    public static ClusterStatus awaitPreviousDriverGone(GaleNode cluster, ClusterStatus st, String experimentName,
                                                        Path restoreDir, boolean quiet, PrintStream out) {
        String prefix = experimentName + "/";
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        boolean told = false;
        while (true) {
            boolean held = false;
            for (ClusterStatus.Node n : st.nodes()) {
                for (String h : n.holders()) held |= h.startsWith(prefix);
            }
            if (!held) return st;
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("restore(" + restoreDir + "): the previous driver's trials still hold"
                        + " leases after 2 minutes: stop that driver first (it is still running?)");
            }
            if (!told && !quiet) {
                out.println("waiting for the previous driver's trials to stop (the cluster removes a dead driver within seconds) ...");
                told = true;
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the previous driver's leases", e);
            }
            st = cluster.status(Duration.ofSeconds(30));
        }
    }
}
