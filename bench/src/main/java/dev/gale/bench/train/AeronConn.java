package dev.gale.bench.train;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.aeron.logbuffer.ControlledFragmentHandler;
import io.aeron.logbuffer.Header;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * One Aeron publication (this side's sends) and one subscription (the peer's sends) seen through
 * {@link Conn}. A send offers the caller's bytes in messages of at most {@link #MESSAGE} bytes
 * (Aeron fragments each into MTU-sized frames); a receive copies each frame's payload straight
 * into the caller's buffer in stream order (the byte stream is its own reassembly: no
 * {@code FragmentAssembler} copy), keeping the tail of a frame that did not fit for the next call.
 * Both JVMs use one media driver, embedded in the JVM that runs the bench, in a directory under
 * {@code /dev/shm}.
 */
final class AeronConn implements Conn, ControlledFragmentHandler {
    /** Term length of every publication: 16 MiB (messages up to 2 MiB). */
    static final int TERM = 16 << 20;
    /** Largest message offered at once. */
    static final int MESSAGE = 512 << 10;
    /** MTU of the frames, UDP and IPC: the largest Aeron allows (fewer frames per message on loopback). */
    static final int MTU = 65504;
    static final int STREAM_TO_CHILD = 1001;
    static final int STREAM_TO_PARENT = 1002;

    private final Aeron aeron;
    private final ExclusivePublication pub;
    private final Subscription sub;
    private final IdleStrategy sendIdle = new BackoffIdleStrategy(100, 10, 1_000, 100_000);
    private final IdleStrategy recvIdle = new BackoffIdleStrategy(100, 10, 1_000, 100_000);
    private final UnsafeBuffer sendView = new UnsafeBuffer(0, 0);
    private final ByteBuffer spill = ByteBuffer.allocateDirect(MTU);
    private ByteBuffer target;

    AeronConn(Aeron aeron, ExclusivePublication pub, Subscription sub) {
        this.aeron = aeron;
        this.pub = pub;
        this.sub = sub;
        spill.flip();
    }

    /** The embedded media driver of the bench: one shared thread, 4 MiB socket buffers and window, a fresh directory. */
    static MediaDriver launchDriver(Path dir) {
        MediaDriver.Context ctx = new MediaDriver.Context()
                .aeronDirectoryName(dir.toString())
                .dirDeleteOnStart(true)
                .dirDeleteOnShutdown(true)
                .threadingMode(ThreadingMode.SHARED)
                .sharedIdleStrategy(new BackoffIdleStrategy(100, 10, 1_000, 100_000))
                .publicationTermBufferLength(TERM)
                .ipcTermBufferLength(TERM)
                .mtuLength(MTU)
                .ipcMtuLength(MTU)
                .socketSndbufLength(4 << 20)
                .socketRcvbufLength(4 << 20)
                .initialWindowLength(4 << 20)
                .warnIfDirectoryExists(false);
        return MediaDriver.launchEmbedded(ctx);
    }

    static Aeron client(Path dir) {
        return Aeron.connect(new Aeron.Context().aeronDirectoryName(dir.toString()));
    }

    /** A subscription channel on 127.0.0.1 with a port the OS chooses. */
    static String udpSubscription() {
        return "aeron:udp?endpoint=127.0.0.1:0";
    }

    static String udpPublication(int port) {
        return "aeron:udp?endpoint=127.0.0.1:" + port + "|term-length=" + TERM + "|mtu=" + MTU;
    }

    static String ipc() {
        return "aeron:ipc?term-length=" + TERM + "|mtu=" + MTU;
    }

    /** The port a UDP subscription was bound to, waited for until {@code deadlineNanos}. */
    static int boundPort(Subscription sub, long deadlineNanos) throws IOException {
        IdleStrategy idle = new BackoffIdleStrategy();
        while (true) {
            String ep = sub.resolvedEndpoint();
            if (ep != null) return Integer.parseInt(ep.substring(ep.lastIndexOf(':') + 1));
            Conn.check(deadlineNanos, "learn the port of the Aeron subscription");
            idle.idle();
        }
    }

    /** Waits until both the publication and the subscription are connected to the peer. */
    void awaitConnected(long deadlineNanos) throws IOException {
        IdleStrategy idle = new BackoffIdleStrategy();
        while (!pub.isConnected() || !sub.isConnected()) {
            Conn.check(deadlineNanos, "connect the Aeron publication and subscription (pub "
                    + pub.isConnected() + ", sub " + sub.isConnected() + ")");
            idle.idle();
        }
    }

    @Override
    public void send(ByteBuffer src, long deadlineNanos) throws IOException {
        while (src.hasRemaining()) {
            int n = Math.min(src.remaining(), MESSAGE);
            sendView.wrap(src, src.position(), n);
            long r;
            sendIdle.reset();
            while ((r = pub.offer(sendView, 0, n)) < 0) {
                if (r == Publication.CLOSED || r == Publication.MAX_POSITION_EXCEEDED) {
                    throw new IOException("the Aeron publication cannot take more (" + Publication.errorString(r) + ")");
                }
                Conn.check(deadlineNanos, "send (Aeron: " + Publication.errorString(r) + ")");
                sendIdle.idle();
            }
            src.position(src.position() + n);
        }
    }

    @Override
    public void receive(ByteBuffer dst, long deadlineNanos) throws IOException {
        if (spill.hasRemaining()) {
            int n = Math.min(spill.remaining(), dst.remaining());
            dst.put(dst.position(), spill, spill.position(), n);
            dst.position(dst.position() + n);
            spill.position(spill.position() + n);
        }
        target = dst;
        recvIdle.reset();
        while (dst.hasRemaining()) {
            int got = sub.controlledPoll(this, 64);
            if (got == 0) {
                if (sub.isClosed()) throw new IOException("the Aeron subscription is closed");
                Conn.check(deadlineNanos, "receive (Aeron)");
                recvIdle.idle();
            } else {
                recvIdle.reset();
            }
        }
        target = null;
    }

    @Override
    public Action onFragment(DirectBuffer buffer, int offset, int length, Header header) {
        ByteBuffer dst = target;
        if (!dst.hasRemaining()) return Action.ABORT;
        int n = Math.min(length, dst.remaining());
        buffer.getBytes(offset, dst, dst.position(), n);
        dst.position(dst.position() + n);
        if (n < length) {
            spill.clear();
            buffer.getBytes(offset + n, spill, 0, length - n);
            spill.limit(length - n);
            return Action.BREAK;
        }
        return Action.CONTINUE;
    }

    @Override
    public void close() {
        pub.close();
        sub.close();
        aeron.close();
    }
}
