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

    /**
     * Population-based training's exploit and explore: stop the trial, then restart it with
     * {@code config} from the latest checkpoint of trial {@code donorTrialId} (its iteration count
     * continues from that checkpoint's). Ignored (the trial continues) when the donor has no
     * checkpoint.
     *
     * @param donorTrialId the better trial whose checkpoint is copied
     * @param config       the trial's new configuration (nested map of plain values)
     */
    record Exploit(String donorTrialId, java.util.Map<String, Object> config) implements Decision {
        public Exploit {
            if (donorTrialId == null || config == null) {
                throw new IllegalArgumentException("Exploit needs a donor trial id and a config");
            }
        }
    }

    /** The single {@link Continue} instance. */
    Decision CONTINUE = new Continue();
    /** The single {@link Stop} instance. */
    Decision STOP = new Stop();
    /** The single {@link Pause} instance. */
    Decision PAUSE = new Pause();
}
