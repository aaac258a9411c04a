package dev.gale.bench.train;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.Subscription;
import io.aeron.driver.MediaDriver;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * How the two ends of one transport's connection are set up: the bench's JVM (the parent, rank 0)
 * prepares and tells the peer JVM what to connect to through its arguments; the peer (rank 1)
 * connects, and tells the parent what it needs back (Aeron UDP: its port) on its output. Every wait
 * ends at a deadline. Everything a side opened is closed with it.
 */
final class Endpoints implements Closeable {
    private static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(2 << 20, 8 << 20);
    private final Deque<AutoCloseable> opened = new ArrayDeque<>();

    private <T extends AutoCloseable> T keep(T c) {
        opened.push(c);
        return c;
    }

    /** The parent's half before the peer starts: the arguments that tell the peer where to connect. */
    interface Parent {
        List<String> peerArgs();

        Conn accept(PeerProcess peer, long deadlineNanos) throws IOException;
    }

    /** Prepares the parent's half of {@code t}; its files in /dev/shm are named after {@code prefix} (unique per run). */
    Parent parent(Transport t, String prefix, ScheduledExecutorService dog) throws IOException {
        return switch (t) {
            case NIO_BLOCKING, NIO_SELECTOR -> nioParent(t == Transport.NIO_BLOCKING, dog);
            case NETTY_NIO, NETTY_EPOLL -> nettyParent(t == Transport.NETTY_EPOLL);
            case AERON_UDP, AERON_IPC -> aeronParent(t == Transport.AERON_UDP, Transport.shm().resolve(prefix + "-aeron"));
            case SHM -> shmParent(Transport.shm().resolve(prefix));
        };
    }

    /** The peer's half of {@code t}, from the arguments that {@link Parent#peerArgs()} gave. */
    Conn peer(Transport t, List<String> args, long deadlineNanos, ScheduledExecutorService dog) throws IOException {
        return switch (t) {
            case NIO_BLOCKING, NIO_SELECTOR -> {
                java.nio.channels.SocketChannel ch = keep(java.nio.channels.SocketChannel.open());
                ch.configureBlocking(false);
                ch.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), Integer.parseInt(args.get(0))));
                try (Selector sel = Selector.open()) {
                    ch.register(sel, SelectionKey.OP_CONNECT);
                    while (!ch.finishConnect()) {
                        Conn.check(deadlineNanos, "connect to the bench's port " + args.get(0));
                        sel.select(100);
                    }
                    ch.keyFor(sel).cancel();
                    sel.selectNow();
                }
                yield keep(new NioConn(ch, t == Transport.NIO_BLOCKING, dog));
            }
            case NETTY_NIO, NETTY_EPOLL -> {
                boolean epoll = t == Transport.NETTY_EPOLL;
                EventLoopGroup g = group(epoll);
                NettyConn conn = new NettyConn();
                Bootstrap b = new Bootstrap().group(g)
                        .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                        .option(ChannelOption.TCP_NODELAY, true)
                        .option(ChannelOption.SO_SNDBUF, 4 << 20)
                        .option(ChannelOption.SO_RCVBUF, 4 << 20)
                        .option(ChannelOption.RCVBUF_ALLOCATOR, new AdaptiveRecvByteBufAllocator(512, 64 << 10, 1 << 20))
                        .option(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                        .handler(new ChannelInitializer<SocketChannel>() {
                            @Override
                            protected void initChannel(SocketChannel ch) {
                                conn.attach(ch);
                            }
                        });
                ChannelFuture f = b.connect(InetAddress.getLoopbackAddress(), Integer.parseInt(args.get(0)));
                if (!f.awaitUninterruptibly(Math.max(1, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    throw new Conn.Timeout("connect to the bench's Netty port " + args.get(0));
                }
                if (!f.isSuccess()) throw new IOException("Netty connect failed: " + f.cause(), f.cause());
                yield keep(conn);
            }
            case AERON_UDP, AERON_IPC -> {
                Path dir = Path.of(args.get(0));
                Aeron aeron = keep(AeronConn.client(dir));
                AeronConn conn;
                if (t == Transport.AERON_UDP) {
                    Subscription sub = aeron.addSubscription(AeronConn.udpSubscription(), AeronConn.STREAM_TO_CHILD);
                    System.out.println(TransportPeer.PORT + " " + AeronConn.boundPort(sub, deadlineNanos));
                    ExclusivePublication pub = aeron.addExclusivePublication(
                            AeronConn.udpPublication(Integer.parseInt(args.get(1))), AeronConn.STREAM_TO_PARENT);
                    conn = new AeronConn(aeron, pub, sub);
                } else {
                    Subscription sub = aeron.addSubscription(AeronConn.ipc(), AeronConn.STREAM_TO_CHILD);
                    ExclusivePublication pub = aeron.addExclusivePublication(AeronConn.ipc(), AeronConn.STREAM_TO_PARENT);
                    conn = new AeronConn(aeron, pub, sub);
                }
                conn.awaitConnected(deadlineNanos);
                yield keep(conn);
            }
            case SHM -> new ShmConn(ShmRing.open(Path.of(args.get(1)), ShmConn.CAPACITY),
                    ShmRing.open(Path.of(args.get(0)), ShmConn.CAPACITY));
        };
    }

    private Parent nioParent(boolean blocking, ScheduledExecutorService dog) throws IOException {
        java.nio.channels.ServerSocketChannel ss = keep(java.nio.channels.ServerSocketChannel.open());
        ss.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1);
        ss.configureBlocking(false);
        int port = ((InetSocketAddress) ss.getLocalAddress()).getPort();
        return new Parent() {
            @Override
            public List<String> peerArgs() {
                return List.of(Integer.toString(port));
            }

            @Override
            public Conn accept(PeerProcess peer, long deadlineNanos) throws IOException {
                try (Selector sel = Selector.open()) {
                    ss.register(sel, SelectionKey.OP_ACCEPT);
                    java.nio.channels.SocketChannel ch;
                    while ((ch = ss.accept()) == null) {
                        Conn.check(deadlineNanos, "accept the peer JVM's connection on port " + port);
                        sel.select(100);
                    }
                    keep(ch);
                    return keep(new NioConn(ch, blocking, dog));
                }
            }
        };
    }

    private EventLoopGroup group(boolean epoll) {
        EventLoopGroup g = epoll ? new EpollEventLoopGroup(1) : new NioEventLoopGroup(1);
        keep(() -> g.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS));
        return g;
    }

    private Parent nettyParent(boolean epoll) throws IOException {
        EventLoopGroup g = group(epoll);
        CompletableFuture<NettyConn> accepted = new CompletableFuture<>();
        ServerBootstrap b = new ServerBootstrap().group(g)
                .channel(epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_SNDBUF, 4 << 20)
                .childOption(ChannelOption.SO_RCVBUF, 4 << 20)
                .childOption(ChannelOption.RCVBUF_ALLOCATOR, new AdaptiveRecvByteBufAllocator(512, 64 << 10, 1 << 20))
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (accepted.isDone()) {
                            ch.close(); // one connection only
                            return;
                        }
                        accepted.complete(new NettyConn().attach(ch));
                    }
                });
        ChannelFuture bound = b.bind(InetAddress.getLoopbackAddress(), 0).awaitUninterruptibly();
        if (!bound.isSuccess()) throw new IOException("Netty bind failed: " + bound.cause(), bound.cause());
        Channel server = bound.channel();
        keep(() -> server.close().awaitUninterruptibly(5, TimeUnit.SECONDS));
        int port = ((ServerSocketChannel) server).localAddress().getPort();
        return new Parent() {
            @Override
            public List<String> peerArgs() {
                return List.of(Integer.toString(port));
            }

            @Override
            public Conn accept(PeerProcess peer, long deadlineNanos) throws IOException {
                try {
                    return keep(accepted.get(Math.max(1, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS));
                } catch (TimeoutException e) {
                    throw new Conn.Timeout("accept the peer JVM's Netty connection on port " + port);
                } catch (ExecutionException e) {
                    throw new IOException(e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted while accepting");
                }
            }
        };
    }

    private Parent aeronParent(boolean udp, Path dir) {
        MediaDriver driver = keep(AeronConn.launchDriver(dir));
        Aeron aeron = keep(AeronConn.client(dir));
        Subscription sub = aeron.addSubscription(udp ? AeronConn.udpSubscription() : AeronConn.ipc(), AeronConn.STREAM_TO_PARENT);
        return new Parent() {
            @Override
            public List<String> peerArgs() {
                return List.of(driver.aeronDirectoryName(), udp ? Integer.toString(portOf(sub)) : "-");
            }

            @Override
            public Conn accept(PeerProcess peer, long deadlineNanos) throws IOException {
                ExclusivePublication pub;
                if (udp) {
                    int port = Integer.parseInt(peer.await(TransportPeer.PORT, deadlineNanos, "report its Aeron port"));
                    pub = aeron.addExclusivePublication(AeronConn.udpPublication(port), AeronConn.STREAM_TO_CHILD);
                } else {
                    pub = aeron.addExclusivePublication(AeronConn.ipc(), AeronConn.STREAM_TO_CHILD);
                }
                AeronConn conn = new AeronConn(aeron, pub, sub);
                conn.awaitConnected(deadlineNanos);
                return conn;
            }
        };
    }

    private static int portOf(Subscription sub) {
        try {
            return AeronConn.boundPort(sub, System.nanoTime() + 10_000_000_000L);
        } catch (IOException e) {
            throw new IllegalStateException("the Aeron subscription got no port within 10 s", e);
        }
    }

    private Parent shmParent(Path base) throws IOException {
        Path toPeer = Path.of(base + "-to-peer");
        Path toParent = Path.of(base + "-to-parent");
        keep(() -> Files.deleteIfExists(toPeer));
        ShmRing.create(toPeer, ShmConn.CAPACITY);
        keep(() -> Files.deleteIfExists(toParent));
        ShmRing.create(toParent, ShmConn.CAPACITY);
        ShmConn conn = new ShmConn(ShmRing.open(toPeer, ShmConn.CAPACITY), ShmRing.open(toParent, ShmConn.CAPACITY));
        return new Parent() {
            @Override
            public List<String> peerArgs() {
                return List.of(toPeer.toString(), toParent.toString());
            }

            @Override
            public Conn accept(PeerProcess peer, long deadlineNanos) {
                return conn;
            }
        };
    }

    @Override
    public void close() {
        while (!opened.isEmpty()) {
            try {
                opened.pop().close();
            } catch (Exception ignored) {
                // closing everything: one failure does not keep the rest open
            }
        }
    }
}
