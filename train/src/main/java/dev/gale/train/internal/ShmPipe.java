package dev.gale.train.internal;

import java.io.Closeable;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * One direction of a shared-memory link between two processes on one host: a single-producer,
 * single-consumer ring of floats in a memory-mapped file in {@code /dev/shm}.
 * The writer copies floats in and publishes its position with a release store; the reader sees it
 * with an acquire load, reads (or adds) the floats and publishes its own position the same way.
 * Each byte is copied once by each side, with no system call, where a TCP link copies it into the
 * kernel and out again.
 *
 * <p>Promises: {@link #offer} and {@link #poll} never block (they move what fits or what is there
 * and return how much); floats arrive in the order they were offered; a side that
 * {@link #markClosed() closes} is seen by the other through {@link #peerClosed()}. The file is made
 * readable and writable by its owner only, and is deleted once both sides have mapped it
 * ({@link #unlink()}), so nothing is left behind even when a process is killed.
 */
final class ShmPipe implements Closeable {
    /** Bytes of float data in a pipe (a power of two). */
    static final int CAPACITY = Integer.highestOneBit(Math.max(4096, Integer.getInteger("gale.train.shmBytes", 2 << 20)));
    private static final int HEADER = 256;
    private static final int NONCE = 0;
    private static final int WRITTEN = 64;   // bytes ever written (writer's release store)
    private static final int READ = 128;     // bytes ever read (reader's release store)
    private static final int CLOSED = 192;   // 1 once either side closed
    private static final String PREFIX = "gale-ring-";
    private static final VarHandle LONGS = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.nativeOrder());
    private static final VarHandle INTS = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.nativeOrder());

    private final Path file;
    private final MappedByteBuffer map;
    private final FloatBuffer data;
    private final int mask;
    private long mine;        // the writer's written or the reader's read position
    private long peerSeen;    // the other side's position as last loaded

    private ShmPipe(Path file, MappedByteBuffer map) {
        this.file = file;
        this.map = map;
        this.data = map.slice(HEADER, CAPACITY).order(ByteOrder.nativeOrder()).asFloatBuffer();
        this.mask = CAPACITY - 1;
    }

    /**
     * The directory for pipe files: {@code /dev/shm}, memory that only this host's processes see,
     * or null where there is none (a temporary directory could be a network file system shared by
     * hosts, where a mapping is not shared memory).
     */
    static Path directory() {
        Path shm = Path.of("/dev/shm");
        return Files.isDirectory(shm) && Files.isWritable(shm) ? shm : null;
    }

    /** Creates a new pipe file in {@code dir}, mapped, with {@code nonce} written in it for the peer to check. */
    static ShmPipe create(Path dir, long nonce) throws IOException {
        sweepStale(dir);
        Path f = Files.createTempFile(dir, PREFIX + ProcessHandle.current().pid() + "-", ".shm",
                PosixFilePermissions.asFileAttribute(Set.of(java.nio.file.attribute.PosixFilePermission.OWNER_READ,
                        java.nio.file.attribute.PosixFilePermission.OWNER_WRITE)));
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            // write every byte first: a full /dev/shm (Docker's default is 64 MB) fails here, with an
            // IOException and a TCP link, instead of later, in the mapping, as a fault that kills the JVM
            ByteBuffer zeros = ByteBuffer.allocate(64 << 10);
            for (long at = 0; at < HEADER + (long) CAPACITY; ) {
                zeros.clear().limit((int) Math.min(zeros.capacity(), HEADER + (long) CAPACITY - at));
                at += ch.write(zeros, at);
            }
            MappedByteBuffer m = ch.map(FileChannel.MapMode.READ_WRITE, 0, HEADER + (long) CAPACITY);
            LONGS.setVolatile(m, NONCE, nonce);
            return new ShmPipe(f, m);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(f);
            throw e;
        }
    }

    /**
     * Maps the peer's pipe file {@code f}; fails when it is not there, has another size, or does not
     * hold {@code nonce} (another host's path, another group's file).
     */
    static ShmPipe open(Path f, long nonce) throws IOException {
        if (!f.getFileName().toString().startsWith(PREFIX)) throw new IOException(f + " is not a ring pipe");
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            if (ch.size() != HEADER + (long) CAPACITY) {
                throw new IOException(f + " holds " + ch.size() + " bytes, expected " + (HEADER + (long) CAPACITY)
                        + " (both ranks must use the same gale.train.shmBytes)");
            }
            MappedByteBuffer m = ch.map(FileChannel.MapMode.READ_WRITE, 0, HEADER + (long) CAPACITY);
            if ((long) LONGS.getVolatile(m, NONCE) != nonce) throw new IOException(f + " is not the pipe offered (nonce differs)");
            return new ShmPipe(f, m);
        }
    }

    /** Deletes pipe files of processes that no longer run (left by a process killed during set-up). */
    private static void sweepStale(Path dir) {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, PREFIX + "*.shm")) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                int dash = n.indexOf('-', PREFIX.length());
                if (dash < 0) continue;
                try {
                    long pid = Long.parseLong(n.substring(PREFIX.length(), dash));
                    if (ProcessHandle.of(pid).isEmpty()) Files.deleteIfExists(p);
                } catch (NumberFormatException | IOException ignored) {
                    // not ours, or gone already
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // best effort
        }
    }

    /** The pipe's file. */
    Path file() {
        return file;
    }

    /** Deletes the file; both mappings stay valid. */
    void unlink() {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // the sweep of a later set-up deletes it
        }
    }

    /**
     * Writer: copies up to {@code n} floats of {@code src} from {@code off} into the pipe, as many as
     * there is room for; returns how many (0 when the pipe is full).
     */
    int offer(float[] src, int off, int n) {
        long room = CAPACITY - (mine - peerSeen);
        if (room < 4L * n) {
            peerSeen = (long) LONGS.getAcquire(map, READ);
            room = CAPACITY - (mine - peerSeen);
        }
        int at = (int) (mine & mask);
        int k = (int) Math.min(Math.min(room, CAPACITY - at) >> 2, n);
        if (k == 0) return 0;
        data.put(at >> 2, src, off, k);
        mine += 4L * k;
        LONGS.setRelease(map, WRITTEN, mine);
        return k;
    }

    /**
     * Reader: takes up to {@code n} floats that have arrived into {@code dst} from {@code off} —
     * added to what is there when {@code add}, through {@code tmp} (at least {@code n} long) —
     * and returns how many (0 when nothing has arrived).
     */
    int poll(float[] dst, int off, int n, boolean add, float[] tmp) {
        long ready = peerSeen - mine;
        if (ready < 4L * n) {
            peerSeen = (long) LONGS.getAcquire(map, WRITTEN);
            ready = peerSeen - mine;
        }
        int at = (int) (mine & mask);
        int k = (int) Math.min(Math.min(ready, CAPACITY - at) >> 2, n);
        if (k == 0) return 0;
        if (add) {
            data.get(at >> 2, tmp, 0, k);
            for (int i = 0; i < k; i++) dst[off + i] += tmp[i];
        } else {
            data.get(at >> 2, dst, off, k);
        }
        mine += 4L * k;
        LONGS.setRelease(map, READ, mine);
        return k;
    }

    /** Tells the other side that this side is gone. */
    void markClosed() {
        INTS.setVolatile(map, CLOSED, 1);
    }

    /** Whether either side has closed the pipe. */
    boolean peerClosed() {
        return (int) INTS.getVolatile(map, CLOSED) != 0;
    }

    @Override
    public void close() {
        markClosed();
        unlink();
    }
}
