package dev.gale.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Gale's per-user directory: the system property {@code gale.home}, else the environment variable
 * {@code GALE_HOME}, else {@code ~/.gale}. It holds {@code cluster-address} (the {@code host:port}
 * of the head node {@code gale cluster start} started last) and {@code logs/} (the output of nodes
 * started in the background).
 */
final class GaleHome {
    private GaleHome() {
    }

    /** The directory (not created). */
    static Path dir() {
        String p = System.getProperty("gale.home");
        if (p == null || p.isBlank()) p = System.getenv("GALE_HOME");
        if (p == null || p.isBlank()) return Path.of(System.getProperty("user.home"), ".gale");
        return Path.of(p);
    }

    /** The file holding the cluster address. */
    static Path addressFile() {
        return dir().resolve("cluster-address");
    }

    /** Where background nodes log. */
    static Path logDir() {
        return dir().resolve("logs");
    }

    /** The recorded cluster address, if any. */
    static Optional<String> recordedAddress() {
        Path f = addressFile();
        if (!Files.isRegularFile(f)) return Optional.empty();
        try {
            String s = Files.readString(f, StandardCharsets.UTF_8).strip();
            return s.isEmpty() ? Optional.empty() : Optional.of(s);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + f + ": " + e.getMessage(), e);
        }
    }

    /** Records {@code address} as the cluster address. */
    static void recordAddress(String address) {
        Path f = addressFile();
        try {
            Files.createDirectories(f.getParent());
            Path tmp = f.resolveSibling(f.getFileName() + ".tmp");
            Files.writeString(tmp, address + "\n", StandardCharsets.UTF_8);
            Files.move(tmp, f, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + f + ": " + e.getMessage(), e);
        }
    }

    /** Forgets the recorded address when it is {@code address}. */
    static void forgetAddress(String address) {
        if (recordedAddress().filter(address::equals).isPresent()) {
            try {
                Files.deleteIfExists(addressFile());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot delete " + addressFile() + ": " + e.getMessage(), e);
            }
        }
    }
}
