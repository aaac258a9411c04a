package dev.gale.tune;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A checkpoint: a directory of files a trainable can resume from (model parameters, optimizer
 * state, its own step counter). Reported with {@link TrialContext#report(Map, Checkpoint)};
 * Gale copies it into the trial directory and hands it back through
 * {@link TrialContext#checkpoint()} after a failure.
 *
 * <p>Small state can skip the files: {@link #ofData(Map)} writes a map as {@code data.json}, and
 * {@link #loadData()} reads it back.
 *
 * @param path the checkpoint directory
 */
public record Checkpoint(Path path) {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The file {@link #ofData} writes. */
    public static final String DATA_FILE = "data.json";

    public Checkpoint {
        if (path == null) throw new IllegalArgumentException("checkpoint path is null: give a directory");
    }

    /** A checkpoint of an existing directory. */
    public static Checkpoint fromDirectory(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("checkpoint directory " + dir + " does not exist: write your files there first");
        }
        return new Checkpoint(dir);
    }

    /** A checkpoint holding {@code data} (JSON-serializable values) in a fresh temporary directory. */
    public static Checkpoint ofData(Map<String, ?> data) {
        try {
            Path dir = Files.createTempDirectory("gale-ckpt");
            JSON.writeValue(dir.resolve(DATA_FILE).toFile(), data);
            return new Checkpoint(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write checkpoint data: " + e.getMessage(), e);
        }
    }

    /** The map written by {@link #ofData}. */
    public Map<String, Object> loadData() {
        try {
            return JSON.readValue(path.resolve(DATA_FILE).toFile(), new TypeReference<Map<String, Object>>() { });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path.resolve(DATA_FILE) + ": " + e.getMessage(), e);
        }
    }
}
