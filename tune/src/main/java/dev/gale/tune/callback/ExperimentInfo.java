package dev.gale.tune.callback;

import dev.gale.tune.Mode;

import java.nio.file.Path;

/**
 * What a {@link Callback} is told about the experiment when it starts.
 *
 * @param name       the experiment's name
 * @param dir        its directory
 * @param metric     its metric, or null
 * @param mode       its mode, or null
 * @param numSamples the number of samples asked for
 * @param searcher   the searcher's name
 * @param scheduler  the scheduler's name
 * @param resumed    true when this run continues an interrupted experiment
 * @param startMillis when this run started (epoch millis, from the experiment's clock)
 */
public record ExperimentInfo(String name, Path dir, String metric, Mode mode, int numSamples, String searcher,
                             String scheduler, boolean resumed, long startMillis) {
}
