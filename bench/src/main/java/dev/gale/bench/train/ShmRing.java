package dev.gale.bench.train;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.locks.LockSupport;

/**
 * A single-producer single-consumer byte ring in a memory-mapped file shared by two processes (the
 * way NCCL and Aeron IPC move bytes between processes of one host). The file holds the consumer's
 * position (head) and the producer's (tail) on cache lines of their own, then {@code capacity}
 * bytes of data; positions only grow. The producer writes data, then publishes its tail with a
 * release store; the consumer reads the tail with an acquire load, copies, then publishes its head
 * with a release store. A side that finds the ring empty or full spins, then yields, then parks
 * for growing intervals, until its deadline.
 */
final class ShmRing {
    private static final VarHandle LONGS = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.nativeOrder());
    private static final int HEAD = 0;
    private static final int TAIL = 128;
    private static final int DATA = 4096;

    private final MappedByteBuffer map;
    private final int capacity;
    private final int mask;
    private long pos;    // this side's own position: the tail when producing, the head when consuming

    private ShmRing(MappedByteBuffer map, int capacity) {
        this.map = map;
        this.capacity = capacity;
        this.mask = capacity - 1;
    }

    /** Creates (or truncates) the ring file, zeroed: head = tail = 0. */
    static void create(Path file, int capacity) throws IOException {
        if (Integer.bitCount(capacity) != 1) throw new IllegalArgumentException("capacity must be a power of two, got " + capacity);
        try (FileChannel fc = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            fc.write(ByteBuffer.allocate(1), DATA + capacity - 1L); // sizes the file; tmpfs pages are zero
        }
    }

    /** Maps a ring made by {@link #create}; {@code capacity} must match. */
    static ShmRing open(Path file, int capacity) throws IOException {
        try (FileChannel fc = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            if (fc.size() != DATA + (long) capacity) {
                throw new IOException(file + " is " + fc.size() + " bytes, expected " + (DATA + (long) capacity));
            }
            return new ShmRing(fc.map(FileChannel.MapMode.READ_WRITE, 0, DATA + (long) capacity), capacity);
        }
    }

    /** Producer: copies every remaining byte of {@code src} into the ring. */
    void write(ByteBuffer src, long deadlineNanos) throws IOException {
        int idle = 0;
        while (src.hasRemaining()) {
            long head = (long) LONGS.getAcquire(map, HEAD);
            long free = capacity - (pos - head);
            if (free == 0) {
                idle = backOff(idle, deadlineNanos, "send (shared-memory ring full)");
                continue;
            }
            idle = 0;
            int at = (int) (pos & mask);
            int n = (int) Math.min(Math.min(free, src.remaining()), capacity - at);
            map.put(DATA + at, src, src.position(), n);
            src.position(src.position() + n);
            pos += n;
            LONGS.setRelease(map, TAIL, pos);
        }
    }

    /** Consumer: fills the remaining bytes of {@code dst} from the ring. */
    void read(ByteBuffer dst, long deadlineNanos) throws IOException {
        int idle = 0;
        while (dst.hasRemaining()) {
            long tail = (long) LONGS.getAcquire(map, TAIL);
            long avail = tail - pos;
            if (avail == 0) {
                idle = backOff(idle, deadlineNanos, "receive (shared-memory ring empty)");
                continue;
            }
            idle = 0;
            int at = (int) (pos & mask);
            int n = (int) Math.min(Math.min(avail, dst.remaining()), capacity - at);
            dst.put(dst.position(), map, DATA + at, n);
            dst.position(dst.position() + n);
            pos += n;
            LONGS.setRelease(map, HEAD, pos);
        }
    }

    /** Spin (first 200 rounds), yield (next 50), then park 1 µs doubling to 200 µs; checks the deadline while parking. */
    private static int backOff(int idle, long deadlineNanos, String what) throws IOException {
        if (idle < 200) {
            Thread.onSpinWait();
        } else if (idle < 250) {
            Thread.yield();
        } else {
            Conn.check(deadlineNanos, what);
            LockSupport.parkNanos(Math.min(200_000L, 1_000L << Math.min(idle - 250, 8)));
        }
        return idle + 1;
    }
}
