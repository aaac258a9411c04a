package dev.gale.train.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.gale.train.Collective;
import dev.gale.train.CollectiveException;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.ServerSocketChannel;
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
    /** Floats moved per call on a shared-memory pipe (the unit of overlap between sending and receiving). */
    private static final int PIPE_FLOATS = 16 << 10;

    private final int rank;
    private final int world;
    private final Link right;
    private final Link left;
    private final ShmPipe out;   // to the right through shared memory; null: over the right link
    private final ShmPipe in;    // from the left through shared memory; null: over the left link
    private final long timeoutNanos;
    private final ExecutorService sender;
    private final ByteBuffer sendBuf = ByteBuffer.allocateDirect(SEGMENT).order(ByteOrder.LITTLE_ENDIAN);
    private final ByteBuffer recvBuf = ByteBuffer.allocateDirect(SEGMENT).order(ByteOrder.LITTLE_ENDIAN);
    private final FloatBuffer sendFloats = sendBuf.asFloatBuffer();
    private final FloatBuffer recvFloats = recvBuf.asFloatBuffer();
    private final ByteBuffer header = ByteBuffer.allocateDirect(16).order(ByteOrder.LITTLE_ENDIAN);
    private final ByteBuffer headerIn = ByteBuffer.allocateDirect(16).order(ByteOrder.LITTLE_ENDIAN);
    private volatile String broken;
    private volatile boolean closed;
    private final Idle sendWait = new Idle();
    private final Idle recvWait = new Idle();
    private final float[] headerFloats = new float[16];
    private long seq;
    private float[] scratch = new float[0];
    private final float[] addBuf = new float[SEGMENT / 4];

    Ring(int rank, int world, Link right, Link left, ShmPipe out, ShmPipe in, Duration timeout) {
        this.rank = rank;
        this.world = world;
        this.right = right;
        this.left = left;
        this.out = out;
        this.in = in;
        this.timeoutNanos = timeout.toNanos();
        this.sender = world > 1 ? Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "gale-ring-send");
            t.setDaemon(true);
            return t;
        }) : null;
    }

    /**
     * Connects rank {@code rank} to its neighbours over plain TCP, with shared memory between ranks
     * on one host; see {@link #connect(int, int, ServerSocketChannel, List, long, Duration, TrainTls, boolean)}.
     */
    public static Ring connect(int rank, int world, ServerSocketChannel server, List<InetSocketAddress> peers, long token,
                               Duration timeout) throws IOException {
        return connect(rank, world, server, peers, token, timeout, null, true);
    }

    /**
     * Connects rank {@code rank} to its neighbours: connects to the right's {@code peers} address
     * (on a thread of its own) while it accepts the left's connection on {@code server}; both sides
     * present the group token and their rank, and a connection that presents anything else is
     * refused. With {@code tls} (a TLS cluster) both connections first run a mutual TLS handshake
     * with the cluster's key, so a peer without it is refused before it can send a byte of data.
     * Without TLS and with {@code sharedMemory}, a link whose two ends are on one host carries the
     * all-reduce's data through a shared-memory pipe ({@link RingSetup}).
     */
    public static Ring connect(int rank, int world, ServerSocketChannel server, List<InetSocketAddress> peers, long token,
                               Duration timeout, TrainTls tls, boolean sharedMemory) throws IOException {
        return RingSetup.connect(rank, world, server, peers, token, timeout, tls, sharedMemory);
    }

    /** Whether the data plane runs over TLS. */
    public boolean tls() {
        return right != null && right.tls();
    }

    /**
     * How this rank's all-reduce data travels: {@code "shared memory"} when both of its links use a
     * pipe, {@code "TLS"}, {@code "TCP"}, or, for a rank with one link of each kind, both named.
     */
    @Override
    public String dataPlane() {
        if (world == 1) return "none";
        if (tls()) return "TLS";
        if (out != null && in != null) return "shared memory";
        if (out == null && in == null) return "TCP";
        return (out != null ? "shared memory" : "TCP") + " to the right, " + (in != null ? "shared memory" : "TCP") + " from the left";
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
        if (out != null && in != null) {
            pipeHeader(op, length, deadline);
            return;
        }
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
        checkHeader(op, length, hop, hseq, hlen);
    }

    /** Fails every rank when the left neighbour's header names another operation, sequence number or length. */
    private void checkHeader(int op, long length, int hop, int hseq, long hlen) {
        if (hop != op || hseq != (int) seq || hlen != length) {
            throw new CollectiveException("rank " + rank + " called operation " + op + " #" + seq + " on " + length
                    + " elements but rank " + left.peer + " called operation " + hop + " #" + hseq + " on " + hlen
                    + " elements: every rank must call the same collectives in the same order", false, null);
        }
    }

    /**
     * The header through the pipes (no thread hand-off, no system call): op, seq and length in
     * 16-bit pieces, each exact as a float.
     */
    private void pipeHeader(int op, long length, long deadline) throws IOException {
        float[] h = headerFloats;
        h[0] = op;
        h[1] = (int) seq & 0xffff;
        h[2] = ((int) seq >>> 16) & 0xffff;
        for (int i = 0; i < 4; i++) h[3 + i] = (length >>> (16 * i)) & 0xffff;
        h[7] = 0;
        pump(h, 0, 8, 8, 16, false, deadline, recvWait); // the left's header arrives in h[8..16)
        long hlen = 0;
        for (int i = 0; i < 4; i++) hlen |= ((long) h[11 + i]) << (16 * i);
        checkHeader(op, length, (int) h[8], (int) h[9] | ((int) h[10] << 16), hlen);
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
        int rFrom = (int) chunkStart(offset, length, recvChunk);
        int rTo = (int) chunkStart(offset, length, recvChunk + 1);
        if (out != null && in != null) { // both links in shared memory: one thread sends and receives in turns
            pump(data, sFrom, sTo, rFrom, rTo, add, deadline, recvWait);
            return;
        }
        Future<?> f = sender.submit(() -> {
            if (out != null) pump(data, sFrom, sTo, 0, 0, false, deadline, sendWait);
            else sendFloats(data, sFrom, sTo, deadline);
            return null;
        });
        if (in != null) {
            pump(data, 0, 0, rFrom, rTo, add, deadline, recvWait);
        } else {
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
        }
        await(f, deadline);
    }

    /**
     * Moves {@code data[sFrom, sTo)} into the outbound pipe and {@code [rFrom, rTo)} out of the
     * inbound one (added when {@code add}), whichever can move, until both are done; waits (spin,
     * yield, then short sleeps) only when neither can, checking the deadline and the neighbours.
     */
    private void pump(float[] data, int sFrom, int sTo, int rFrom, int rTo, boolean add, long deadline, Idle idle)
            throws IOException {
        int s = sFrom;
        int r = rFrom;
        idle.reset();
        while (s < sTo || r < rTo) {
            int moved = 0;
            if (s < sTo) {
                int k = out.offer(data, s, Math.min(PIPE_FLOATS, sTo - s));
                s += k;
                moved += k;
            }
            if (r < rTo) {
                int k = in.poll(data, r, Math.min(PIPE_FLOATS, rTo - r), add, addBuf);
                r += k;
                moved += k;
            }
            if (moved > 0) {
                idle.reset();
            } else if (idle.pause()) {
                if (r < rTo && (in.peerClosed() || left.peerGone())) {
                    // the left neighbour may have written its last floats and closed between the poll
                    // above and the check (as after a header mismatch it found): take what it wrote
                    // before closing, and fail only when nothing is left
                    int k = in.poll(data, r, Math.min(PIPE_FLOATS, rTo - r), add, addBuf);
                    if (k > 0) {
                        r += k;
                        idle.reset();
                        continue;
                    }
                    throw new Link.Closed("rank " + left.peer + " closed its data-plane connection");
                }
                checkPeers(s < sTo, r < rTo, deadline);
            }
        }
    }

    /**
     * While a pipe waits: fails when this ring was closed, the right neighbour is gone while this
     * rank still sends to it, or the deadline passed (a closed left neighbour is handled by the
     * caller, which first takes what it wrote before closing).
     */
    private void checkPeers(boolean sending, boolean receiving, long deadline) throws IOException {
        if (closed) throw new Link.Closed("the ring was closed on rank " + rank);
        if (sending && (out.peerClosed() || right.peerGone())) throw new Link.Closed("rank " + right.peer + " closed its data-plane connection");
        if (Thread.currentThread().isInterrupted()) throw new java.io.InterruptedIOException("interrupted");
        if (System.nanoTime() - deadline > 0) {
            throw new Link.Timeout(receiving ? "no progress to receive from rank " + left.peer + " before the collective timeout"
                    : "no progress to send to rank " + right.peer + " before the collective timeout");
        }
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
        closed = true;
        if (out != null) out.close();
        if (in != null) in.close();
        if (right != null) right.close();
        if (left != null) left.close();
        if (sender != null) sender.shutdownNow();
    }

    @Override
    public String toString() {
        return "Ring[rank " + rank + " of " + world + ", " + dataPlane() + (broken == null ? "" : ", broken: " + broken) + "]";
    }

    /**
     * How a pipe waits for its neighbour: spins briefly (the neighbour is usually a few
     * microseconds behind), then yields the core (two cores may carry three ranks), then sleeps
     * 50 µs at a time; says when to check the neighbours and the deadline (every 64 spins or
     * yields, and after every sleep).
     */
    private static final class Idle {
        private int n;

        void reset() {
            n = 0;
        }

        boolean pause() {
            n++;
            if (n < 256) {
                Thread.onSpinWait();
            } else if (n < 512) {
                Thread.yield();
            } else {
                java.util.concurrent.locks.LockSupport.parkNanos(50_000);
                return true;
            }
            return (n & 63) == 0;
        }
    }
}
