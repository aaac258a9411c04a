package dev.gale.train.internal;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;

/**
 * One TCP connection of the data plane, non-blocking underneath, with blocking reads and writes
 * that end at a deadline. A read and a write may run at once on two threads (each has its own
 * selector).
 */
final class Link implements Closeable {
    private final SocketChannel ch;
    private final Selector readSel;
    private final Selector writeSel;
    final int peer;

    Link(SocketChannel ch, int peer) throws IOException {
        this.ch = ch;
        this.peer = peer;
        ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
        ch.setOption(StandardSocketOptions.SO_SNDBUF, 4 << 20);
        ch.setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20);
        ch.configureBlocking(false);
        readSel = Selector.open();
        writeSel = Selector.open();
        ch.register(readSel, SelectionKey.OP_READ);
        ch.register(writeSel, SelectionKey.OP_WRITE);
    }

    /** Signals a peer that made no progress before the deadline. */
    static final class Timeout extends IOException {
        Timeout(String m) {
            super(m);
        }
    }

    /** Signals a peer that closed its end. */
    static final class Closed extends IOException {
        Closed(String m) {
            super(m);
        }
    }

    void writeFully(ByteBuffer b, long deadlineNanos) throws IOException {
        while (b.hasRemaining()) {
            int n = ch.write(b);
            if (n == 0) await(writeSel, deadlineNanos, "send to");
        }
    }

    void readFully(ByteBuffer b, long deadlineNanos) throws IOException {
        while (b.hasRemaining()) {
            int n = ch.read(b);
            if (n < 0) throw new Closed("rank " + peer + " closed its data-plane connection");
            if (n == 0) await(readSel, deadlineNanos, "receive from");
        }
    }

    private void await(Selector sel, long deadlineNanos, String what) throws IOException {
        long left = deadlineNanos - System.nanoTime();
        if (left <= 0) throw new Timeout("no progress to " + what + " rank " + peer + " before the collective timeout");
        sel.select(Math.max(1, left / 1_000_000));
        sel.selectedKeys().clear();
        if (Thread.currentThread().isInterrupted()) throw new java.io.InterruptedIOException("interrupted while waiting to " + what + " rank " + peer);
    }

    String remote() {
        try {
            return String.valueOf((InetSocketAddress) ch.getRemoteAddress());
        } catch (IOException e) {
            return "?";
        }
    }

    @Override
    public void close() {
        try {
            ch.close();
        } catch (IOException ignored) {
            // closing: nothing to do
        }
        try {
            readSel.close();
            writeSel.close();
        } catch (IOException ignored) {
            // closing
        }
    }
}
