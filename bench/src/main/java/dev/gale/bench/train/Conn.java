package dev.gale.bench.train;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * One bidirectional byte stream between the two JVMs of {@code gale bench transports}, used as the
 * ring uses a {@code Link}: blocking calls that end at a deadline, one sending thread and one
 * receiving thread at a time (they may run at once).
 */
interface Conn extends Closeable {
    /**
     * Sends every remaining byte of {@code src} (its position ends at its limit); {@code src} may be
     * reused when this returns.
     *
     * @throws IOException when the peer is gone or no progress was made before {@code deadlineNanos}
     */
    void send(ByteBuffer src, long deadlineNanos) throws IOException;

    /**
     * Fills the remaining bytes of {@code dst} with the next bytes of the stream.
     *
     * @throws IOException when the peer is gone or the bytes did not come before {@code deadlineNanos}
     */
    void receive(ByteBuffer dst, long deadlineNanos) throws IOException;

    /** Closes this side; a send or receive waiting in another thread ends with an exception. */
    @Override
    void close();

    /** Thrown when a wait reached its deadline. */
    final class Timeout extends IOException {
        Timeout(String what) {
            super("no progress before the deadline while waiting to " + what);
        }
    }

    /** Throws {@link Timeout} when {@code deadlineNanos} has passed. */
    static void check(long deadlineNanos, String what) throws Timeout {
        if (System.nanoTime() - deadlineNanos > 0) throw new Timeout(what);
    }
}
