package dev.gale.train.internal;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
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
 * selector). With an {@link SSLEngine} (a TLS cluster) the bytes are TLS records: {@link #handshake}
 * first, then reads and writes encrypt and decrypt in place of the plain copies.
 */
final class Link implements Closeable {
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    private final SocketChannel ch;
    private final Selector readSel;
    private final Selector writeSel;
    final int peer;
    private final SSLEngine engine;         // null: plain TCP
    private final ByteBuffer netOut;        // TLS records to send (filled by wrap, drained to the channel)
    private final ByteBuffer netIn;         // TLS records received, not yet unwrapped (write mode)
    private final ByteBuffer appIn;         // plaintext unwrapped but not yet read (write mode)
    private final Object writeLock = new Object();
    private final Object readLock = new Object();
    private final ByteBuffer early = ByteBuffer.allocate(64); // plain links: bytes read by peerGone(), not yet delivered (write mode)

    Link(SocketChannel ch, int peer) throws IOException {
        this(ch, peer, null);
    }

    Link(SocketChannel ch, int peer, SSLEngine engine) throws IOException {
        this.ch = ch;
        this.peer = peer;
        this.engine = engine;
        ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
        ch.setOption(StandardSocketOptions.SO_SNDBUF, 4 << 20);
        ch.setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20);
        ch.configureBlocking(false);
        readSel = Selector.open();
        writeSel = Selector.open();
        ch.register(readSel, SelectionKey.OP_READ);
        ch.register(writeSel, SelectionKey.OP_WRITE);
        if (engine != null) {
            int packet = engine.getSession().getPacketBufferSize();
            netOut = ByteBuffer.allocateDirect(packet * 32);
            netIn = ByteBuffer.allocateDirect(packet * 32);
            appIn = ByteBuffer.allocateDirect(engine.getSession().getApplicationBufferSize() * 2);
        } else {
            netOut = netIn = appIn = null;
        }
    }

    /** Whether this link is TLS. */
    boolean tls() {
        return engine != null;
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

    /**
     * Runs the TLS handshake (both ends present the cluster's key) before the deadline; a no-op on
     * a plain link.
     *
     * @throws SSLException when the peer does not hold the cluster's key (or speaks no TLS)
     */
    void handshake(long deadlineNanos) throws IOException {
        if (engine == null) return;
        synchronized (readLock) {
            synchronized (writeLock) {
                engine.beginHandshake();
                SSLEngineResult.HandshakeStatus hs = engine.getHandshakeStatus();
                while (hs != SSLEngineResult.HandshakeStatus.FINISHED && hs != SSLEngineResult.HandshakeStatus.NOT_HANDSHAKING) {
                    switch (hs) {
                        case NEED_WRAP -> {
                            netOut.clear();
                            SSLEngineResult r;
                            try {
                                r = engine.wrap(EMPTY, netOut);
                            } finally {
                                netOut.flip();
                                rawWrite(netOut, deadlineNanos); // an alert, too, goes out before the error
                            }
                            if (r.getStatus() == SSLEngineResult.Status.CLOSED) throw new Closed("rank " + peer + " closed the TLS handshake");
                            hs = r.getHandshakeStatus();
                        }
                        case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                            netIn.flip();
                            SSLEngineResult r;
                            try {
                                r = engine.unwrap(netIn, appIn);
                            } catch (SSLException e) {
                                sendAlert(deadlineNanos);
                                throw e;
                            } finally {
                                netIn.compact();
                            }
                            switch (r.getStatus()) {
                                case BUFFER_UNDERFLOW -> rawReadSome(deadlineNanos, "handshake with");
                                case CLOSED -> throw new Closed("rank " + peer + " closed the TLS handshake");
                                default -> { }
                            }
                            hs = r.getHandshakeStatus();
                        }
                        case NEED_TASK -> {
                            runTasks();
                            hs = engine.getHandshakeStatus();
                        }
                        default -> throw new SSLException("unexpected TLS handshake status " + hs);
                    }
                }
            }
        }
    }

    private void sendAlert(long deadlineNanos) {
        try {
            netOut.clear();
            engine.wrap(EMPTY, netOut);
            netOut.flip();
            rawWrite(netOut, Math.min(deadlineNanos, System.nanoTime() + 1_000_000_000L));
        } catch (IOException | RuntimeException ignored) {
            // the peer learns from the close instead
        }
    }

    private void runTasks() {
        Runnable t;
        while ((t = engine.getDelegatedTask()) != null) t.run();
    }

    void writeFully(ByteBuffer b, long deadlineNanos) throws IOException {
        if (engine == null) {
            rawWrite(b, deadlineNanos);
            return;
        }
        synchronized (writeLock) {
            int packet = engine.getSession().getPacketBufferSize();
            while (b.hasRemaining()) {
                netOut.clear();
                while (b.hasRemaining() && netOut.remaining() >= packet) {
                    SSLEngineResult r = engine.wrap(b, netOut);
                    if (r.getStatus() == SSLEngineResult.Status.CLOSED) throw new Closed("the TLS link to rank " + peer + " is closed");
                    if (r.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_TASK) runTasks();
                }
                netOut.flip();
                rawWrite(netOut, deadlineNanos);
            }
        }
    }

    /**
     * Whether the peer has closed its end (a plain link; a process that dies has its end closed by
     * its kernel). Bytes that have arrived meanwhile are kept for the next {@link #readFully}.
     */
    boolean peerGone() throws IOException {
        if (engine != null || !early.hasRemaining()) return false;
        return ch.read(early) < 0;
    }

    void readFully(ByteBuffer b, long deadlineNanos) throws IOException {
        if (engine == null) {
            if (early.position() > 0) {
                early.flip();
                int n = Math.min(early.remaining(), b.remaining());
                ByteBuffer part = early.duplicate();
                part.limit(early.position() + n);
                b.put(part);
                early.position(early.position() + n);
                early.compact();
            }
            while (b.hasRemaining()) {
                int n = ch.read(b);
                if (n < 0) throw new Closed("rank " + peer + " closed its data-plane connection");
                if (n == 0) await(readSel, deadlineNanos, "receive from");
            }
            return;
        }
        synchronized (readLock) {
            int appSize = engine.getSession().getApplicationBufferSize();
            while (b.hasRemaining()) {
                if (appIn.position() > 0) { // plaintext left over from an earlier record
                    appIn.flip();
                    int n = Math.min(appIn.remaining(), b.remaining());
                    ByteBuffer part = appIn.duplicate();
                    part.limit(appIn.position() + n);
                    b.put(part);
                    appIn.position(appIn.position() + n);
                    appIn.compact();
                    continue;
                }
                ByteBuffer target = b.remaining() >= appSize ? b : appIn; // decrypt straight into b when a record fits
                netIn.flip();
                SSLEngineResult r;
                try {
                    r = engine.unwrap(netIn, target);
                } finally {
                    netIn.compact();
                }
                switch (r.getStatus()) {
                    case BUFFER_UNDERFLOW -> rawReadSome(deadlineNanos, "receive from");
                    case CLOSED -> throw new Closed("rank " + peer + " closed its TLS data-plane connection");
                    case BUFFER_OVERFLOW -> throw new SSLException("TLS record larger than the buffer of " + appIn.capacity() + " bytes");
                    case OK -> { }
                }
                switch (r.getHandshakeStatus()) {
                    case NEED_TASK -> runTasks();
                    case NEED_WRAP -> { // a post-handshake message (e.g. a key update) wants an answer
                        synchronized (writeLock) {
                            ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
                            engine.wrap(EMPTY, out);
                            out.flip();
                            rawWrite(out, deadlineNanos);
                        }
                    }
                    default -> { }
                }
            }
        }
    }

    private void rawWrite(ByteBuffer b, long deadlineNanos) throws IOException {
        while (b.hasRemaining()) {
            int n = ch.write(b);
            if (n == 0) await(writeSel, deadlineNanos, "send to");
        }
    }

    /** Reads at least one byte into {@link #netIn}. */
    private void rawReadSome(long deadlineNanos, String what) throws IOException {
        if (!netIn.hasRemaining()) throw new SSLException("TLS receive buffer full (" + netIn.capacity() + " bytes) without a whole record");
        while (true) {
            int n = ch.read(netIn);
            if (n < 0) throw new Closed("rank " + peer + " closed its data-plane connection");
            if (n > 0) return;
            await(readSel, deadlineNanos, what);
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
