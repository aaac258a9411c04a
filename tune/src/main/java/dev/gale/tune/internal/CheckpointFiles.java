package dev.gale.tune.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Comparator;
import java.util.List;

/**
 * Copying and deleting checkpoint directories.
 *
 * <p>Promise: {@link #copyTree} never leaves a half-written checkpoint under its final name: it
 * copies into {@code <to>.tmp} and renames that atomically.
 */
public final class CheckpointFiles {
    private CheckpointFiles() {
    }

    /** Copies the directory tree {@code from} to {@code to}, replacing what was there. */
    public static void copyTree(Path from, Path to) {
        try {
            Path tmp = to.resolveSibling(to.getFileName() + ".tmp");
            if (Files.exists(tmp)) deleteTree(tmp);
            Files.walkFileTree(from, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                    Files.createDirectories(tmp.resolve(from.relativize(dir).toString()));
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.copy(file, tmp.resolve(from.relativize(file).toString()), StandardCopyOption.REPLACE_EXISTING);
                    return FileVisitResult.CONTINUE;
                }
            });
            if (Files.exists(to)) deleteTree(to);
            Files.move(tmp, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save checkpoint " + from + " to " + to + ": " + e.getMessage(), e);
        }
    }

    /** Deletes {@code p} and everything under it; nothing when it does not exist. */
    public static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) return;
        List<Path> all;
        try (var s = Files.walk(p)) {
            all = s.sorted(Comparator.reverseOrder()).toList();
        }
        for (Path x : all) Files.delete(x);
    }
}
