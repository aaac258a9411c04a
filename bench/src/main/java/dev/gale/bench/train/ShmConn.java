package dev.gale.bench.train;

import java.io.IOException;
import java.nio.ByteBuffer;

/** Two {@link ShmRing}s, one per direction, seen through {@link Conn}. */
final class ShmConn implements Conn {
    /** Data bytes of each ring: 4 MiB (as the TCP links' socket buffers). */
    static final int CAPACITY = 4 << 20;

    private final ShmRing out;
    private final ShmRing in;

    ShmConn(ShmRing out, ShmRing in) {
        this.out = out;
        this.in = in;
    }

    @Override
    public void send(ByteBuffer src, long deadlineNanos) throws IOException {
        out.write(src, deadlineNanos);
    }

    @Override
    public void receive(ByteBuffer dst, long deadlineNanos) throws IOException {
        in.read(dst, deadlineNanos);
    }

    @Override
    public void close() {
        // the mappings go with the buffers; the bench deletes the files
    }
}
