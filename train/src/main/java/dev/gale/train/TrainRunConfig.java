package dev.gale.train;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Where a training run keeps its checkpoints and logs, and its time bounds.
 *
 * @param name              the run's name; its directory is {@code storagePath/name}
 * @param storagePath       parent of run directories (default {@code ~/gale_results})
 * @param collectiveTimeout how long a collective waits for a peer's progress before it fails on
 *                          every rank (default 30 s)
 * @param startTimeout      how long the group may take from the grant of its leases until every
 *                          worker has joined the rendezvous (default 120 s: JVM and DJL start)
 */
public record TrainRunConfig(String name, Path storagePath, Duration collectiveTimeout, Duration startTimeout) {
    /** Default collective timeout. */
    public static final Duration DEFAULT_COLLECTIVE_TIMEOUT = Duration.ofSeconds(30);
    /** Default start timeout. */
    public static final Duration DEFAULT_START_TIMEOUT = Duration.ofSeconds(120);

    public TrainRunConfig {
        if (name == null || name.isBlank()) name = "train";
        if (name.contains("/") || name.contains("\\")) {
            throw new IllegalArgumentException("name '" + name + "' contains a path separator: give a plain name");
        }
        if (storagePath == null) storagePath = Path.of(System.getProperty("user.home"), "gale_results");
        if (collectiveTimeout == null) collectiveTimeout = DEFAULT_COLLECTIVE_TIMEOUT;
        if (startTimeout == null) startTimeout = DEFAULT_START_TIMEOUT;
        if (collectiveTimeout.isNegative() || collectiveTimeout.isZero()) {
            throw new IllegalArgumentException("collectiveTimeout = " + collectiveTimeout + ": must be > 0");
        }
        if (startTimeout.isNegative() || startTimeout.isZero()) {
            throw new IllegalArgumentException("startTimeout = " + startTimeout + ": must be > 0");
        }
    }

    /** A run named {@code name} under {@code storagePath}, default timeouts. */
    public static TrainRunConfig of(String name, Path storagePath) {
        return new TrainRunConfig(name, storagePath, null, null);
    }

    /** The run's directory. */
    public Path runDir() {
        return storagePath.resolve(name);
    }
}
