package dev.gale.observability.experiment;

/** Where an experiment stands, as the dashboard shows it. */
public enum ExperimentStatus {
    /** Running in this JVM: fed live by its callback. */
    RUNNING,
    /** Ran to its end. */
    FINISHED,
    /** Stopped by Ctrl-C or SIGTERM; resumable. */
    INTERRUPTED,
    /** Stopped by an error (a full disk, a searcher that threw); resumable once fixed. */
    ABORTED,
    /**
     * Read from a directory whose snapshot does not say it ended: still running in another
     * process, or killed (the page shows what was recorded when it was read).
     */
    INCOMPLETE
}
