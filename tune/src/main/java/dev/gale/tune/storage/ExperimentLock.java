package dev.gale.tune.storage;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.gale.tune.storage.internal.Json;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One writer per experiment directory: held by the driver that runs (or resumes) the experiment,
 * from before its cluster starts until it ends.
 *
 * <p>Promises: {@link #acquire} takes an exclusive operating-system lock on
 * {@code <dir>/.gale_lock} ({@link FileChannel#tryLock()}) and writes the owner into it (host,
 * pid, start time, what it runs); while it is held, a second {@code acquire} of the same
 * directory — from another JVM or from this one — is refused with an {@link IllegalStateException}
 * naming the owner's host and pid and the fix. The lock of an owner that died ({@code kill -9}, a
 * lost machine: the OS released its lock) is taken over, and {@link #tookOverFrom()} names the
 * previous owner. {@link #close()} releases it (idempotent) and empties the file, so a later
 * owner knows the previous one ended cleanly. The lock file is never deleted (deleting a lock
 * file lets two processes lock two different files). Like every OS file lock, it needs a file
 * system that supports locks (local disks do; NFS needs lock support enabled).
 */
public final class ExperimentLock implements AutoCloseable {

    /**
     * Who holds (or held) a lock.
     *
     * @param host        the host name of the owner's machine
     * @param pid         its process id
     * @param startedMillis when it took the lock (epoch millis)
     * @param description what it runs (e.g. its command line)
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Owner(@JsonProperty("host") String host, @JsonProperty("pid") long pid,
                        @JsonProperty("started") long startedMillis, @JsonProperty("description") String description) {
        /** "pid 4242 on host-a (since 2025-01-01T10:00:00Z: gale tune ...)". */
        public String describe() {
            return "pid " + pid + " on " + host + " (since " + Instant.ofEpochMilli(startedMillis)
                    + (description == null || description.isBlank() ? "" : ": " + description) + ")";
        }
    }

    /** Locks held by this JVM, by real directory path: a second channel on a held file must never be opened (closing it would release the lock on Linux). */
    private static final Map<Path, ExperimentLock> HELD = new ConcurrentHashMap<>();

    private final Path key;
    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;
    private final Owner owner;
    private final Owner previous;
    private boolean closed;

    private ExperimentLock(Path key, Path file, FileChannel channel, FileLock lock, Owner owner, Owner previous) {
        this.key = key;
        this.file = file;
        this.channel = channel;
        this.lock = lock;
        this.owner = owner;
        this.previous = previous;
    }

    /** As {@link #acquire(Path, String, Clock)} with the system clock. */
    public static ExperimentLock acquire(Path dir, String description) {
        return acquire(dir, description, Clock.systemUTC());
    }

    /**
     * Takes the lock of {@code dir} (created when missing) for this process.
     *
     * @param description what this driver runs, written into the lock for the message another
     *                    driver gets (e.g. {@code "gale tune --class ... --name exp"})
     * @throws IllegalStateException    when another driver (another JVM, or this one) holds it,
     *                                  naming its host and pid and the fix
     * @throws IllegalArgumentException when the directory or the lock file cannot be created
     */
    public static ExperimentLock acquire(Path dir, String description, Clock clock) {
        Path key;
        try {
            Files.createDirectories(dir);
            key = dir.toRealPath();
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot create experiment directory " + dir + " (" + e
                    + "): set RunConfig.storagePath to a writable directory", e);
        }
        Path file = key.resolve(ExperimentLayout.LOCK_FILE);
        synchronized (HELD) {
            ExperimentLock mine = HELD.get(key);
            if (mine != null) throw refused(dir, mine.owner, " (in this JVM)");
            FileChannel ch;
            try {
                ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot open the lock file " + file + " (" + e
                        + "): give a writable experiment directory", e);
            }
            try {
                FileLock l;
                try {
                    l = ch.tryLock();
                } catch (OverlappingFileLockException e) {
                    l = null; // held in this JVM outside this class: treated as another owner
                }
                if (l == null) {
                    Owner other = read(ch);
                    ch.close();
                    throw refused(dir, other, "");
                }
                Owner previous = read(ch);
                Owner me = new Owner(hostName(), ProcessHandle.current().pid(), clock.millis(), description);
                byte[] bytes = Json.MAPPER.writeValueAsBytes(me);
                ch.truncate(0);
                ch.write(ByteBuffer.wrap(bytes), 0);
                ch.force(false);
                ExperimentLock lock = new ExperimentLock(key, file, ch, l, me, previous);
                HELD.put(key, lock);
                return lock;
            } catch (IOException e) {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // the lock goes with the channel
                }
                throw new IllegalArgumentException("cannot lock " + file + " (" + e + "): give an experiment directory on a"
                        + " file system that supports file locks", e);
            }
        }
    }

    private static IllegalStateException refused(Path dir, Owner owner, String where) {
        String who = owner == null ? "a driver whose details are not written yet" : owner.describe();
        return new IllegalStateException("experiment directory " + dir + " is in use by another driver" + where + ": " + who
                + ". Two drivers would run the same trials and mix their results: wait for that driver to end, or stop it"
                + (owner == null ? "" : " (kill " + owner.pid() + " on " + owner.host() + ")")
                + "; a driver that died leaves no lock behind");
    }

    /** The owner written in the file, or null when it is empty or unreadable. */
    private static Owner read(FileChannel ch) throws IOException {
        long size = ch.size();
        if (size == 0 || size > 64 * 1024) return null;
        ByteBuffer buf = ByteBuffer.allocate((int) size);
        while (buf.hasRemaining() && ch.read(buf, buf.position()) > 0) {
            // read it all
        }
        try {
            return Json.MAPPER.readValue(buf.array(), 0, buf.position(), Owner.class);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException | RuntimeException e) {
            String h = System.getenv("HOSTNAME");
            return h == null || h.isBlank() ? "localhost" : h;
        }
    }

    /**
     * Who holds the lock of {@code dir} now, if anyone: this JVM's owner, or the owner written in
     * the file when its OS lock is held by another process. Probes the OS lock for an instant
     * (an {@code acquire} by another process at that very moment is refused).
     */
    public static Optional<Owner> holder(Path dir) {
        Path key;
        try {
            key = dir.toRealPath();
        } catch (IOException e) {
            return Optional.empty();
        }
        synchronized (HELD) {
            ExperimentLock mine = HELD.get(key);
            if (mine != null) return Optional.of(mine.owner);
            Path file = key.resolve(ExperimentLayout.LOCK_FILE);
            if (!Files.isRegularFile(file)) return Optional.empty();
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                FileLock l = ch.tryLock();
                if (l != null) {
                    l.release();
                    return Optional.empty();
                }
                Owner o = read(ch);
                return Optional.of(o == null ? new Owner("unknown", -1, 0, null) : o);
            } catch (IOException | OverlappingFileLockException e) {
                return Optional.empty();
            }
        }
    }

    /** This lock's owner (this process). */
    public Owner owner() {
        return owner;
    }

    /** The owner that died holding the lock, when this one took it over (its OS lock was gone). */
    public Optional<Owner> tookOverFrom() {
        return Optional.ofNullable(previous);
    }

    /** The lock file. */
    public Path file() {
        return file;
    }

    /** Releases the lock and empties the file. */
    @Override
    public void close() {
        synchronized (HELD) {
            if (closed) return;
            closed = true;
            try {
                channel.truncate(0);
            } catch (IOException ignored) {
                // an owner left in the file reads as a dead owner, which is taken over
            }
            try {
                lock.release();
            } catch (IOException ignored) {
                // released with the channel
            }
            try {
                channel.close();
            } catch (IOException ignored) {
                // nothing more to release
            }
            HELD.remove(key, this);
        }
    }
}
