package dev.gale.train.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.gale.train.Collective;
import dev.gale.train.CollectiveException;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The data plane of one worker: a TCP connection to the next rank (right) and one from the
 * previous rank (left), and the collectives over them. All-reduce is the bandwidth-optimal ring
 * (reduce-scatter then all-gather, each of worldSize-1 steps); each step sends one chunk to the
 * right on a sender thread while this thread receives the left's chunk in segments and adds it,
 * so sending, receiving and adding overlap. Broadcast is a pipelined chain along the ring.
 *
 * <p>Promises: as {@link Collective}. Every wait has the deadline {@code now + timeout} of the
 * operation; the first failure closes both links (so the neighbours fail at once too, and the
 * failure travels around the ring) and marks the ring broken.
 */
public final class Ring implements Collective, AutoCloseable {
    /** Bytes per segment of a chunk (the unit of overlap between receiving and adding). */
    static final int SEGMENT = Integer.getInteger("gale.train.segmentBytes", 1 << 19) & ~3;
    private static final int MAGIC = 0x47414c45; // "GALE"

    private final int rank;
    private final int world;
    private final Link right;
    private final Link left;
    private final long timeoutNanos;
    private final ExecutorService sender;
    private final ByteBuffer sendBuf = ByteBuffer.allocateDirect(SEGMENT).order(ByteOrder.LITTLE_ENDIAN);
    private final ByteBuffer recvBuf = ByteBuffer.allocateDirect(SEGMENT).order(ByteOrder.LITTLE_ENDIAN);
    private final FloatBuffer sendFloats = sendBuf.asFloatBuffer();
    private final FloatBuffer recvFloats = recvBuf.asFloatBuffer();
    private final ByteBuffer header = ByteBuffer.allocateDirect(16).order(ByteOrder.LITTLE_ENDIAN);
    private final ByteBuffer headerIn = ByteBuffer.allocateDirect(16).order(ByteOrder.LITTLE_ENDIAN);
    private volatile String broken;
    private long seq;
    private float[] scratch = new float[0];
    private final float[] addBuf = new float[SEGMENT / 4];

    private Ring(int rank, int world, Link right, Link left, Duration timeout) {
        this.rank = rank;
        this.world = world;
        this.right = right;
        this.left = left;
        this.timeoutNanos = timeout.toNanos();
        this.sender = world > 1 ? Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "gale-ring-send");
            t.setDaemon(true);
            return t;
        }) : null;
    }

    /**
     * Connects rank {@code rank} to its neighbours over plain TCP; see
     * {@link #connect(int, int, ServerSocketChannel, List, long, Duration, TrainTls)}.
     */
    public static Ring connect(int rank, int world, ServerSocketChannel server, List<InetSocketAddress> peers, long token,
                               Duration timeout) throws IOException {
        return connect(rank, world, server, peers, token, timeout, null);
    }

    /**
     * Connects rank {@code rank} to its neighbours: connects to the right's {@code peers} address
     * (on a thread of its own) while it accepts the left's connection on {@code server}; both sides
     * present the group token and their rank, and a connection that presents anything else is
     * refused. With {@code tls} (a TLS cluster) both connections first run a mutual TLS handshake
     * with the cluster's key, so a peer without it is refused before it can send a byte of data.
     */
    public static Ring connect(int rank, int world, ServerSocketChannel server, List<InetSocketAddress> peers, long token,
                               Duration timeout, TrainTls tls) throws IOException {
        if (world == 1) return new Ring(0, 1, null, null, timeout);
        long deadline = System.nanoTime() + timeout.toNanos();
        int rightRank = (rank + 1) % world;
        int leftRank = (rank - 1 + world) % world;
        // the right connection runs beside the accept loop: a TLS handshake needs the right rank to be
        // accepting, and every rank connects before it accepts, so doing both in turn would deadlock the ring
        ExecutorService connector = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "gale-ring-connect");
            t.setDaemon(true);
            return t;
        });
        Future<Link> rightF = connector.submit(() -> connectRight(rank, rightRank, peers.get(rightRank), token, timeout, deadline, tls));
        connector.shutdown();
        Link l = null;
        try {
            l = acceptLeft(rank, leftRank, server, token, timeout, deadline, tls, rightF);
            Link r = rightF.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            return new Ring(rank, world, r, l, timeout);
        } catch (ExecutionException e) {
            if (l != null) l.close();
            if (e.getCause() instanceof IOException io) throw io;
            throw new IOException(e.getCause());
        } catch (TimeoutException e) {
            l.close();
            rightF.cancel(true);
            throw new IOException("rank " + rank + ": the connection to rank " + rightRank + " at " + peers.get(rightRank)
                    + " was not ready within " + timeout.toMillis() + " ms");
        } catch (InterruptedException e) {
            if (l != null) l.close();
            rightF.cancel(true);
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while connecting the ring");
        } catch (IOException | RuntimeException e) {
            rightF.cancel(true);
            closeWhenDone(rightF);
            throw e;
        }
    }

    private static void closeWhenDone(Future<Link> f) {
        try {
            if (f.isDone() && !f.isCancelled()) f.get().close();
        } catch (ExecutionException | InterruptedException | java.util.concurrent.CancellationException ignored) {
            // nothing to close
        }
    }

    private static Link connectRight(int rank, int rightRank, InetSocketAddress to, long token, Duration timeout, long deadline,
                                     TrainTls tls) throws IOException {
        SocketChannel out = SocketChannel.open();
        try {
            Socket s = out.socket();
            s.connect(to, (int) Math.max(1, timeout.toMillis()));
        } catch (IOException e) {
            out.close();
            throw new IOException("rank " + rank + " cannot connect to rank " + rightRank + " at " + to + ": " + e, e);
        }
        Link r = new Link(out, rightRank, tls == null ? null : tls.engine(true));
        try {
            r.handshake(deadline);
            ByteBuffer hello = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
            hello.putInt(MAGIC).putInt(rank).putLong(token).flip();
            r.writeFully(hello, deadline);
            return r;
        } catch (IOException e) {
            r.close();
            throw new IOException("rank " + rank + " cannot " + (tls != null ? "complete the TLS handshake with" : "greet")
                    + " rank " + rightRank + " at " + to + ": " + e, e);
        }
    }

    private static Link acceptLeft(int rank, int leftRank, ServerSocketChannel server, long token, Duration timeout, long deadline,
                                   TrainTls tls, Future<Link> right) throws IOException, ExecutionException, InterruptedException {
        server.configureBlocking(false);
        String refused = null;
        int refusals = 0;
        try (Selector sel = Selector.open()) {
            server.register(sel, SelectionKey.OP_ACCEPT);
            while (true) {
                SocketChannel in = server.accept();
                if (in == null) {
                    if (right.isDone()) right.get(); // the right connection failed: say why now, not at the deadline
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        throw new IOException("rank " + rank + ": rank " + leftRank + " did not connect within " + timeout.toMillis() + " ms"
                                + (refused == null ? "" : " (refused " + refusals + " connection(s), the last: " + refused + ")"));
                    }
                    sel.select(Math.max(1, Math.min(50, left / 1_000_000)));
                    sel.selectedKeys().clear();
                    continue;
                }
                Link l = new Link(in, leftRank, tls == null ? null : tls.engine(false));
                ByteBuffer h = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
                try {
                    l.handshake(deadline);
                    l.readFully(h, deadline);
                } catch (IOException e) {
                    l.close(); // e.g. a peer without the cluster's key: its TLS handshake failed
                    refusals++;
                    refused = e.toString();
                    continue;
                }
                h.flip();
                if (h.getInt() != MAGIC || h.getInt() != leftRank || h.getLong() != token) {
                    l.close(); // not our left neighbour (or not of this group): refuse it
                    refusals++;
                    refused = "a connection that is not rank " + leftRank + " of this group";
                    continue;
                }
                return l;
            }
        }
    }

    /** Whether the data plane runs over TLS. */
    public boolean tls() {
        return right != null && right.tls();
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int worldSize() {
        return world;
    }

    private void checkUsable() {
        String b = broken;
        if (b != null) throw new CollectiveException("the group's data plane is broken: " + b, true, null);
    }

    private CollectiveException fail(String op, Throwable e) {
        boolean peer = e instanceof IOException || e instanceof CollectiveException c && c.causedByPeer();
        String msg = op + " aborted on rank " + rank + ": " + e.getMessage();
        if (broken == null) broken = msg;
        close();
        return new CollectiveException(msg, peer, e);
    }

    /** Sends and checks a header so that ranks calling different operations fail instead of corrupting data. */
    private void exchangeHeader(int op, long length, long deadline) throws IOException {
        seq++;
        header.clear();
        header.putInt(op).putInt((int) seq).putLong(length).flip();
        Future<?> f = sender.submit(() -> {
            right.writeFully(header, deadline);
            return null;
        });
        headerIn.clear();
        left.readFully(headerIn, deadline);
        headerIn.flip();
        int hop = headerIn.getInt();
        int hseq = headerIn.getInt();
        long hlen = headerIn.getLong();
        await(f, deadline);
        if (hop != op || hseq != (int) seq || hlen != length) {
            throw new CollectiveException("rank " + rank + " called operation " + op + " #" + seq + " on " + length
                    + " elements but rank " + left.peer + " called operation " + hop + " #" + hseq + " on " + hlen
                    + " elements: every rank must call the same collectives in the same order", false, null);
        }
    }

    private void await(Future<?> f, long deadline) throws IOException {
        try {
            f.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) throw io;
            throw new IOException(e.getCause());
        } catch (TimeoutException e) {
            throw new Link.Timeout("no progress to send to rank " + right.peer + " before the collective timeout");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted");
        }
    }

    private long chunkStart(int offset, int length, int i) {
        return offset + (long) length * i / world;
    }

    @Override
    public void allReduce(float[] data, int offset, int length) {
        checkUsable();
        if (offset < 0 || length < 0 || offset + length > data.length) {
            throw new IllegalArgumentException("allReduce of [" + offset + ", " + (offset + length) + ") on an array of " + data.length);
        }
        if (world == 1) return;
        long deadline = System.nanoTime() + timeoutNanos;
        try {
            exchangeHeader(1, length, deadline);
            for (int s = 0; s < world - 1; s++) {
                int send = Math.floorMod(rank - s, world);
                int recv = Math.floorMod(rank - s - 1, world);
                step(data, offset, length, send, recv, true, deadline);
            }
            for (int s = 0; s < world - 1; s++) {
                int send = Math.floorMod(rank + 1 - s, world);
                int recv = Math.floorMod(rank - s, world);
                step(data, offset, length, send, recv, false, deadline);
            }
        } catch (IOException | RuntimeException e) {
            throw fail("allReduce of " + length + " floats", e);
        }
    }

    private void step(float[] data, int offset, int length, int sendChunk, int recvChunk, boolean add, long deadline)
            throws IOException {
        int sFrom = (int) chunkStart(offset, length, sendChunk);
        int sTo = (int) chunkStart(offset, length, sendChunk + 1);
        Future<?> f = sender.submit(() -> {
            sendFloats(data, sFrom, sTo, deadline);
            return null;
        });
        int rFrom = (int) chunkStart(offset, length, recvChunk);
        int rTo = (int) chunkStart(offset, length, recvChunk + 1);
        int segFloats = SEGMENT / 4;
        for (int p = rFrom; p < rTo; p += segFloats) {
            int n = Math.min(segFloats, rTo - p);
            recvBuf.clear().limit(n * 4);
            left.readFully(recvBuf, deadline);
            recvFloats.clear();
            if (add) {
                recvFloats.get(0, addBuf, 0, n); // bulk copy, then a loop the JIT vectorizes
                for (int i = 0; i < n; i++) data[p + i] += addBuf[i];
            } else {
                recvFloats.get(0, data, p, n);
            }
        }
        await(f, deadline);
    }

    private void sendFloats(float[] data, int from, int to, long deadline) throws IOException {
        int segFloats = SEGMENT / 4;
        for (int p = from; p < to; p += segFloats) {
            int n = Math.min(segFloats, to - p);
            sendFloats.clear();
            sendFloats.put(data, p, n);
            sendBuf.clear().limit(n * 4);
            right.writeFully(sendBuf, deadline);
        }
    }

    @Override
    public void allReduce(NDArray array) {
        requireFloat(array);
        float[] v = array.toFloatArray();
        allReduce(v);
        NdCopy.copyInto(array, v, 0);
    }

    @Override
    public void broadcast(float[] data, int root) {
        checkUsable();
        checkRoot(root);
        if (world == 1) return;
        ByteBuffer bytes = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        if (rank == root) bytes.asFloatBuffer().put(data);
        broadcastBuffer(bytes, root, 2);
        if (rank != root) bytes.asFloatBuffer().get(data);
    }

    @Override
    public void broadcast(NDArray array, int root) {
        requireFloat(array);
        float[] v = array.toFloatArray();
        broadcast(v, root);
        if (rank != root) NdCopy.copyInto(array, v, 0);
    }

    @Override
    public byte[] broadcastBytes(byte[] data, int root) {
        checkUsable();
        checkRoot(root);
        if (world == 1) return data.clone();
        float[] len = {rank == root ? data.length : 0};
        broadcast(len, root);
        ByteBuffer b = ByteBuffer.allocate((int) len[0]);
        if (rank == root) b.put(data).flip();
        broadcastBuffer(b, root, 3);
        return b.array().clone();
    }

    /** Chain broadcast: root sends right; each rank receives a segment from the left and forwards it unless its right is root. */
    private void broadcastBuffer(ByteBuffer bytes, int root, int op) {
        long deadline = System.nanoTime() + timeoutNanos;
        try {
            exchangeHeader(op, bytes.capacity(), deadline);
            boolean forward = (rank + 1) % world != root;
            int cap = bytes.capacity();
            for (int p = 0; p < cap; p += SEGMENT) {
                int n = Math.min(SEGMENT, cap - p);
                ByteBuffer seg = bytes.duplicate();
                seg.limit(p + n).position(p);
                if (rank != root) left.readFully(seg, deadline);
                if (forward) {
                    ByteBuffer out = bytes.duplicate();
                    out.limit(p + n).position(p);
                    right.writeFully(out, deadline);
                }
            }
        } catch (IOException | RuntimeException e) {
            throw fail("broadcast of " + bytes.capacity() + " bytes from rank " + root, e);
        }
    }

    @Override
    public void barrier() {
        float[] one = {1f};
        allReduce(one);
        if (one[0] != world) {
            throw fail("barrier", new IllegalStateException("barrier counted " + one[0] + " ranks, expected " + world));
        }
    }

    /** A reusable scratch array of at least {@code n} floats (for bucketed gradient reduction). */
    float[] scratch(int n) {
        if (scratch.length < n) scratch = new float[n];
        return scratch;
    }

    private void checkRoot(int root) {
        if (root < 0 || root >= world) throw new IllegalArgumentException("root = " + root + ": must be in 0.." + (world - 1));
    }

    private static void requireFloat(NDArray a) {
        if (a.getDataType() != DataType.FLOAT32) {
            throw new IllegalArgumentException("collectives on NDArrays take FLOAT32, got " + a.getDataType()
                    + ": convert with toType(DataType.FLOAT32, false)");
        }
    }

    /** Marks the ring broken with {@code reason} and closes its links (peers see the close at once). */
    public void abort(String reason) {
        if (broken == null) broken = reason;
        close();
    }

    @Override
    public void close() {
        if (right != null) right.close();
        if (left != null) left.close();
        if (sender != null) sender.shutdownNow();
    }

    @Override
    public String toString() {
        return "Ring[rank " + rank + " of " + world + (tls() ? ", TLS" : "") + (broken == null ? "" : ", broken: " + broken) + "]";
    }
}
