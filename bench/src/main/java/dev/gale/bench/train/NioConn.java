package dev.gale.bench.train;

import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Plain NIO over one loopback {@link SocketChannel}, with the socket options of the ring's
 * {@code Link} (TCP_NODELAY, 4 MiB buffers), in one of two modes: blocking reads and writes, or
 * non-blocking with one selector per direction as {@code Link} does.
 */
final class NioConn implements Conn {
    private final SocketChannel ch;
    private final boolean blocking;
    private final Selector readSel;
    private final Selector writeSel;
    private final ScheduledExecutorService watchdog;

    /**
     * @param watchdog in blocking mode, closes the channel at a call's deadline (a blocking read has
     *                 no timeout of its own); unused in selector mode
     */
    NioConn(SocketChannel ch, boolean blocking, ScheduledExecutorService watchdog) throws IOException {
        this.ch = ch;
        this.blocking = blocking;
        this.watchdog = watchdog;
        ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
        ch.setOption(StandardSocketOptions.SO_SNDBUF, 4 << 20);
        ch.setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20);
        ch.configureBlocking(blocking);
        if (blocking) {
            readSel = writeSel = null;
        } else {
            readSel = Selector.open();
            writeSel = Selector.open();
            ch.register(readSel, SelectionKey.OP_READ);
            ch.register(writeSel, SelectionKey.OP_WRITE);
        }
    }

    @Override
    public void send(ByteBuffer src, long deadlineNanos) throws IOException {
        if (blocking) {
            ScheduledFuture<?> dog = arm(deadlineNanos);
            try {
                while (src.hasRemaining()) ch.write(src);
            } finally {
                dog.cancel(false);
            }
            Conn.check(deadlineNanos, "send (the channel was closed at the deadline)");
            return;
        }
        while (src.hasRemaining()) {
            if (ch.write(src) == 0) await(writeSel, deadlineNanos, "send");
        }
    }

    @Override
    public void receive(ByteBuffer dst, long deadlineNanos) throws IOException {
        ScheduledFuture<?> dog = blocking ? arm(deadlineNanos) : null;
        try {
            while (dst.hasRemaining()) {
                int n = ch.read(dst);
                if (n < 0) throw new IOException("the peer closed the connection");
                if (n == 0 && !blocking) await(readSel, deadlineNanos, "receive");
            }
        } finally {
            if (dog != null) dog.cancel(false);
        }
    }

    private ScheduledFuture<?> arm(long deadlineNanos) {
        return watchdog.schedule(this::close, Math.max(1, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
    }

    private static void await(Selector sel, long deadlineNanos, String what) throws IOException {
        long left = deadlineNanos - System.nanoTime();
        if (left <= 0) throw new Timeout(what);
        sel.select(Math.max(1, left / 1_000_000));
        sel.selectedKeys().clear();
    }

    @Override
    public void close() {
        try {
            ch.close();
        } catch (IOException ignored) {
            // closing
        }
        try {
            if (readSel != null) readSel.close();
            if (writeSel != null) writeSel.close();
        } catch (IOException ignored) {
            // closing
        }
    }
}
