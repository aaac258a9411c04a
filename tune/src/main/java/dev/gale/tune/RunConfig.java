package dev.gale.tune;

import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;

/**
 * Where and how an experiment runs: its name and directory, and how much it prints.
 *
 * @param name            experiment name; its directory is {@code storagePath/name}
 * @param storagePath     parent of experiment directories (default {@code ~/gale_results})
 * @param quiet           no progress output at all
 * @param progressMillis  how often the progress table is refreshed
 */
public record RunConfig(String name, Path storagePath, boolean quiet, long progressMillis) {
    public RunConfig {
        if (name == null || name.isBlank()) {
            name = "gale_" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd_HHmmss"));
        }
        if (name.contains("/") || name.contains("\\") || name.equals("..") || name.equals(".")) {
            throw new IllegalArgumentException("name = '" + name + "': an experiment name cannot contain path separators");
        }
        if (storagePath == null) storagePath = defaultStoragePath();
        if (progressMillis <= 0) progressMillis = 1000;
    }

    /** {@code ~/gale_results}. */
    public static Path defaultStoragePath() {
        return Path.of(System.getProperty("user.home"), "gale_results");
    }

    /** Defaults: generated name, {@code ~/gale_results}, progress every second. */
    public static RunConfig defaults() {
        return new RunConfig(null, null, false, 1000);
    }

    /** The experiment directory. */
    public Path experimentDir() {
        return storagePath.resolve(name);
    }

    public RunConfig withName(String n) { return new RunConfig(n, storagePath, quiet, progressMillis); }
    public RunConfig withStoragePath(Path p) { return new RunConfig(name, p, quiet, progressMillis); }
    public RunConfig withQuiet(boolean q) { return new RunConfig(name, storagePath, q, progressMillis); }
    public RunConfig withProgressMillis(long ms) { return new RunConfig(name, storagePath, quiet, ms); }
}
