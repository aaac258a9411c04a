package dev.gale.tune.search;

import java.util.Map;

/** What a {@link Searcher} answers to {@code suggest}: a config, not now, or never again. */
public sealed interface Suggestion {

    /** A configuration (nested map of plain values) for the trial. */
    record Config(Map<String, Object> config) implements Suggestion {
        public Config {
            if (config == null) throw new IllegalArgumentException("config is null");
        }
    }

    /** Nothing now (for example waiting for results); ask again when a trial completes or reports. */
    record Wait() implements Suggestion {
    }

    /** The searcher has no more configurations (for example the grid is exhausted). */
    record Finished() implements Suggestion {
    }

    /** The single {@link Wait} instance. */
    Suggestion WAIT = new Wait();
    /** The single {@link Finished} instance. */
    Suggestion FINISHED = new Finished();
}
