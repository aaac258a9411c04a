package dev.gale.tune.schedulers;

/** What a {@link TrialScheduler} decides about a running trial after one of its results. */
public sealed interface Decision {
    /** Keep training. */
    record Continue() implements Decision {
    }

    /** Stop the trial now; it ends TERMINATED (not an error). */
    record Stop() implements Decision {
    }

    /** Pause the trial: it releases its lease and is resumed later from its last checkpoint. */
    record Pause() implements Decision {
    }

    /** The single {@link Continue} instance. */
    Decision CONTINUE = new Continue();
    /** The single {@link Stop} instance. */
    Decision STOP = new Stop();
    /** The single {@link Pause} instance. */
    Decision PAUSE = new Pause();
}
