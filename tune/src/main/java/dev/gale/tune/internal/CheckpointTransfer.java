package dev.gale.tune.internal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * Checkpoints between a node and the driver when they do not share the experiment's storage.
 *
 * <p>Whether they do is tested, not configured: the driver writes a random token into
 * {@value #MARKER} of the experiment directory and sends it with every trial; a node that reads
 * the same token at the same path shares the storage (NFS, or one machine) and writes checkpoints
 * in place. Otherwise a checkpoint travels as a zip in chunks of {@value #CHUNK} bytes (below
 * Artery's frame limit), is unpacked by the driver's storage writer into the trial directory, and
 * is sent back the same way when a trial resumes from it on a node without the storage.
 */
public final class CheckpointTransfer {
    /** Name of the storage marker file in the experiment directory. */
    public static final String MARKER = ".gale_storage";
    /** Bytes per chunk message. */
    public static final int CHUNK = 128 * 1024;

    private CheckpointTransfer() {
    }

    /**
     * A chunk of a checkpoint the driver sends to a node without the storage.
     *
     * @param error why the checkpoint cannot be sent (then {@code last} is true and there is no data)
     */
    public record Data(int seq, boolean last, byte[] data, String error) implements dev.gale.cluster.ClusterMessage {
    }

    /**
     * Writes a fresh marker into {@code experimentDir} and returns its token.
     *
     * @throws IllegalStateException when it cannot be written (a full disk, a read-only directory), naming the directory
     */
    public static String mark(Path experimentDir) {
        String token = UUID.randomUUID().toString();
        try {
            dev.gale.tune.storage.ExperimentLayout.writeAtomically(experimentDir.resolve(MARKER), token.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException("cannot write the experiment directory " + experimentDir + ": cannot write "
                    + MARKER + " (" + e.getMessage() + "): free space or fix permissions there, or set RunConfig.storagePath"
                    + " to a writable directory", e);
        }
        return token;
    }

    /**
     * Whether {@code experimentDir} as seen from this JVM carries {@code token} (null token: shared).
     * A node started with {@code -Dgale.checkpoint.transfer=driver} never shares: its checkpoints
     * always travel to the driver (for a storage path that exists on the node but is not the same).
     */
    public static boolean shares(Path experimentDir, String token) {
        if ("driver".equals(System.getProperty("gale.checkpoint.transfer"))) return false;
        if (token == null) return true;
        // a token found once stays (an experiment's marker is written once, before its first
        // trial): every trial of an experiment asks, so remember the yes and read the file once
        String key = experimentDir + "\n" + token;
        if (SHARED.containsKey(key)) return true;
        try {
            boolean found = token.equals(Files.readString(experimentDir.resolve(MARKER), StandardCharsets.UTF_8).trim());
            if (found) {
                if (SHARED.size() >= 256) SHARED.clear(); // one entry per experiment: a long-lived node forgets old ones
                SHARED.put(key, Boolean.TRUE);
            }
            return found;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Experiment directories (with their tokens) this JVM found shared. */
    private static final java.util.concurrent.ConcurrentHashMap<String, Boolean> SHARED = new java.util.concurrent.ConcurrentHashMap<>();

    /** The directory tree {@code dir} as a zip archive (fast compression). */
    public static byte[] zip(Path dir) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            zip.setLevel(Deflater.BEST_SPEED);
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
                    if (!d.equals(dir)) {
                        zip.putNextEntry(new ZipEntry(dir.relativize(d).toString().replace('\\', '/') + "/"));
                        zip.closeEntry();
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
                    zip.putNextEntry(new ZipEntry(dir.relativize(f).toString().replace('\\', '/')));
                    Files.copy(f, zip);
                    zip.closeEntry();
                    return FileVisitResult.CONTINUE;
                }
            });
        }
        return bytes.toByteArray();
    }

    /**
     * Unpacks {@code zip} into {@code to} atomically (a temporary sibling renamed), replacing it.
     * When unpacking fails (a full disk, a bad archive) the temporary directory is deleted and
     * {@code to} is left as it was.
     */
    public static void unzip(byte[] zip, Path to) throws IOException {
        Path tmp = to.resolveSibling(to.getFileName() + ".tmp");
        deleteTree(tmp);
        try {
            Files.createDirectories(tmp);
            try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
                ZipEntry e;
                while ((e = in.getNextEntry()) != null) {
                    Path target = tmp.resolve(e.getName()).normalize();
                    if (!target.startsWith(tmp)) throw new IOException("checkpoint entry outside its directory: " + e.getName());
                    if (e.isDirectory()) {
                        Files.createDirectories(target);
                    } else {
                        Files.createDirectories(target.getParent());
                        copy(in, target);
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            try {
                deleteTree(tmp);
            } catch (IOException | RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
        deleteTree(to);
        Files.move(tmp, to, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Deletes a file or directory tree; nothing when it does not exist. */
    public static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return;
        try (var s = Files.walk(p)) {
            for (Path x : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(x);
        }
    }

    private static void copy(InputStream in, Path target) throws IOException {
        try (OutputStream out = Files.newOutputStream(target)) {
            in.transferTo(out);
        }
    }

    /** {@code bytes} cut into chunks of at most {@value #CHUNK} bytes (one empty chunk for none). */
    public static List<byte[]> chunks(byte[] bytes) {
        List<byte[]> out = new ArrayList<>(bytes.length / CHUNK + 1);
        for (int i = 0; i < bytes.length; i += CHUNK) out.add(Arrays.copyOfRange(bytes, i, Math.min(bytes.length, i + CHUNK)));
        if (out.isEmpty()) out.add(new byte[0]);
        return out;
    }
}
