package dev.gale.bench.train;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A Netty channel seen through {@link Conn}, as a blocking ring would use it: received buffers are
 * queued by the event loop and copied out by the receiving thread (auto-read is switched off above
 * 8 MiB queued, so a slow reader pushes back on the sender through TCP); a send copies the caller's
 * bytes into a pooled direct buffer and hands it to the event loop without waiting for the socket
 * (the idiomatic way: the outbound buffer's water marks, 2 and 8 MiB, push back on the sender).
 */
final class NettyConn extends ChannelInboundHandlerAdapter implements Conn {
    private static final int HIGH = 8 << 20;
    private static final int LOW = 2 << 20;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition arrived = lock.newCondition();
    private final Condition writable = lock.newCondition();
    private final ArrayDeque<ByteBuf> queue = new ArrayDeque<>();
    private long queued;
    private boolean inactive;
    private Throwable failure;
    private volatile Channel channel;

    /** Binds this handler to its channel (before the channel becomes active). */
    NettyConn attach(Channel ch) {
        channel = ch;
        ch.pipeline().addLast(this);
        return this;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf b = (ByteBuf) msg;
        lock.lock();
        try {
            queue.add(b);
            queued += b.readableBytes();
            if (queued > HIGH) ctx.channel().config().setAutoRead(false);
            arrived.signal();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        lock.lock();
        try {
            inactive = true;
            arrived.signalAll();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        lock.lock();
        try {
            failure = cause;
            arrived.signalAll();
        } finally {
            lock.unlock();
        }
        ctx.close();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        lock.lock();
        try {
            writable.signalAll();
        } finally {
            lock.unlock();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void send(ByteBuffer src, long deadlineNanos) throws IOException {
        Channel ch = channel;
        if (!ch.isWritable()) {
            lock.lock();
            try {
                while (!ch.isWritable()) {
                    if (failure != null) throw new IOException("the channel failed: " + failure, failure);
                    if (inactive) throw new IOException("the peer closed the connection");
                    long left = deadlineNanos - System.nanoTime();
                    if (left <= 0) throw new Timeout("send (Netty's outbound buffer stayed above its high water mark)");
                    writable.awaitNanos(Math.min(left, 10_000_000L));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while sending");
            } finally {
                lock.unlock();
            }
        }
        ByteBuf b = ch.alloc().directBuffer(src.remaining());
        b.writeBytes(src);
        ch.writeAndFlush(b, ch.voidPromise());
    }

    @Override
    public void receive(ByteBuffer dst, long deadlineNanos) throws IOException {
        while (dst.hasRemaining()) {
            ByteBuf head;
            lock.lock();
            try {
                while ((head = queue.peek()) == null) {
                    if (failure != null) throw new IOException("the channel failed: " + failure, failure);
                    if (inactive) throw new IOException("the peer closed the connection");
                    long left = deadlineNanos - System.nanoTime();
                    if (left <= 0) throw new Timeout("receive");
                    arrived.awaitNanos(left);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while receiving");
            } finally {
                lock.unlock();
            }
            // the copy runs outside the lock: the event loop only appends, and only this thread reads the head
            int n = Math.min(head.readableBytes(), dst.remaining());
            int lim = dst.limit();
            dst.limit(dst.position() + n);
            head.readBytes(dst);
            dst.limit(lim);
            boolean resume;
            lock.lock();
            try {
                queued -= n;
                if (!head.isReadable()) {
                    queue.poll();
                    head.release();
                }
                resume = queued < LOW;
            } finally {
                lock.unlock();
            }
            if (resume && !channel.config().isAutoRead()) channel.config().setAutoRead(true);
        }
    }

    @Override
    public void close() {
        Channel c = channel;
        if (c != null) c.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        lock.lock();
        try {
            for (ByteBuf b : queue) b.release();
            queue.clear();
        } finally {
            lock.unlock();
        }
    }
}
