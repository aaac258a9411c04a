package dev.gale.tune;

import java.nio.file.Path;
import java.util.List;

/**
 * Thrown by {@link Tuner#fit()} when the experiment stopped before its end: interrupted (Ctrl-C,
 * SIGTERM, {@code TuneController.Interrupt}) or aborted by an error (a full disk, a searcher or
 * scheduler that threw, resources no node holds any more).
 *
 * <p>Promises: everything recorded before the stop is in {@link #experimentDir()}; the trials that
 * were running are recorded INTERRUPTED ({@link #interruptedTrials()}) and a restore
 * ({@code Tuner.builder(...).restore(dir)}, {@code gale tune --resume DIR}) continues each from its
 * last checkpoint; finished trials are never run again.
 */
public final class ExperimentStoppedException extends IllegalStateException {
    private final boolean interrupted;
    private final Path experimentDir;
    private final List<String> interruptedTrials;

    /**
     * @param interrupted       true when stopped on request (a signal), false when aborted by an error
     * @param reason            what stopped it
     * @param experimentDir     the experiment directory
     * @param interruptedTrials the trials left INTERRUPTED
     */
    public ExperimentStoppedException(boolean interrupted, String reason, Path experimentDir, List<String> interruptedTrials) {
        super(reason);
        this.interrupted = interrupted;
        this.experimentDir = experimentDir;
        this.interruptedTrials = List.copyOf(interruptedTrials);
    }

    /** True when it was stopped on request (Ctrl-C, SIGTERM), false when an error aborted it. */
    public boolean interrupted() {
        return interrupted;
    }

    /** The experiment directory (give it to {@code Tuner.builder(...).restore} to continue). */
    public Path experimentDir() {
        return experimentDir;
    }

    /** The trials that were running and are recorded INTERRUPTED. */
    public List<String> interruptedTrials() {
        return interruptedTrials;
    }
}
