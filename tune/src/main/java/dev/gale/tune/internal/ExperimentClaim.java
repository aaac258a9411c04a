package dev.gale.tune.internal;

import dev.gale.tune.Tuner;
import dev.gale.tune.storage.ExperimentLayout;
import dev.gale.tune.storage.ExperimentLock;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The claim of an experiment directory by the driver that runs {@code Tuner.fit} in it: a new
 * experiment refuses a directory that holds anything but a lock file (naming the other driver
 * when one holds it), the driver holds the directory's {@link ExperimentLock} for the whole run,
 * and a directory the run created is removed again when the run is refused before it wrote
 * anything.
 *
 * <p>Promises: the body runs only while the lock is held, and the lock is released however the
 * body ends; a restore takes over a directory whatever it holds (its lock still refuses a second
 * live driver); a directory that existed before is never removed. Log lines go to the
 * {@code Tuner} logger.
 */
public final class ExperimentClaim {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Tuner.class);

    private ExperimentClaim() {
    }

    /**
     * Runs {@code body} while holding the lock of experiment directory {@code dir}.
     *
     * @param restore true when the run continues the experiment already in {@code dir}
     * @param driver  what the lock says this driver runs (see {@link #driverDescription})
     * @throws IllegalStateException    when another live driver holds {@code dir}
     * @throws IllegalArgumentException when a new experiment finds {@code dir} not empty
     */
    public static <T> T holding(Path dir, boolean restore, String driver, Supplier<T> body) {
        boolean existed = Files.exists(dir);
        if (!restore && existed && holdsAnything(dir)) {
            ExperimentLock.holder(dir).ifPresent(o -> {
                throw new IllegalStateException("experiment directory " + dir + " is in use by another driver: " + o.describe()
                        + ": choose another RunConfig name, or wait for that driver to end");
            });
            throw new IllegalArgumentException("experiment directory " + dir + " already exists and is not empty:"
                    + " choose another RunConfig name, or delete it");
        }
        ExperimentLock lock = ExperimentLock.acquire(dir, driver);
        lock.tookOverFrom().ifPresent(o -> LOG.info("took over the experiment directory {} from a driver that is gone ({})",
                dir, o.describe()));
        try {
            return body.get();
        } catch (RuntimeException e) {
            if (!existed) removeIfOnlyTheLock(dir);
            throw e;
        } finally {
            lock.close();
        }
    }

    /**
     * What the lock says this driver runs: the {@code gale tune} command line recorded in the
     * launch information ({@code gale_tune_args}; a restore without {@code --resume} in it says
     * {@code gale tune --resume <dir>}), else the experiment's name and trainable class.
     *
     * @param restoreDir     the directory a restore continues, or null
     * @param trainableClass the trainable's class name when given by name, or null
     */
    public static String driverDescription(Map<String, Object> launch, Path restoreDir, String experimentName,
                                           String trainableClass) {
        Object args = launch.get("gale_tune_args");
        if (args instanceof List<?> l) {
            StringBuilder sb = new StringBuilder("gale tune");
            for (Object o : l) sb.append(' ').append(o);
            return restoreDir != null && !sb.toString().contains("--resume") ? "gale tune --resume " + restoreDir : sb.toString();
        }
        return "Tuner.fit of experiment " + experimentName + (trainableClass != null ? " (" + trainableClass + ")" : "");
    }

    /** True when {@code dir} holds anything but a lock file. */
    private static boolean holdsAnything(Path dir) {
        try (var s = Files.list(dir)) {
            return s.anyMatch(p -> !p.getFileName().toString().equals(ExperimentLayout.LOCK_FILE));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Deletes a directory this run created that holds nothing but its lock file (a run refused before it started). */
    private static void removeIfOnlyTheLock(Path dir) {
        try {
            if (Files.isDirectory(dir) && !holdsAnything(dir)) {
                Files.deleteIfExists(dir.resolve(ExperimentLayout.LOCK_FILE));
                Files.deleteIfExists(dir);
            }
        } catch (IOException | UncheckedIOException e) {
            LOG.debug("could not remove {}: {}", dir, e.toString());
        }
    }
}
