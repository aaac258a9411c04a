package dev.gale.train.internal;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Forms a {@link Ring}: the TCP connections to the neighbours (TLS on a TLS cluster), each
 * checked by the group token and rank, then — on a plain cluster, unless turned off — a
 * shared-memory pipe for each link whose two ends turn out to be on one host.
 *
 * <p>How a link finds out that it can use shared memory: each rank creates a pipe file for what it
 * will receive and offers its path and a random nonce to its left neighbour over their TCP
 * connection; the left maps the file, checks the nonce (a rank on another host cannot map it, or
 * finds another file) and answers yes or no; on yes both ends use the pipe and the file is deleted
 * (the mappings stay). The TCP connection stays open beside the pipe: collectives' headers and
 * broadcasts go over it, and its end tells a rank at once that its neighbour died.
 */
final class RingSetup {
    private static final int MAGIC = 0x47414c45; // "GALE"
    private static final int SHM_OFFER = 0x53484d31; // "SHM1"
    private static final int MAX_PATH = 4096;

    private RingSetup() {
    }

    static Ring connect(int rank, int world, ServerSocketChannel server, List<InetSocketAddress> peers, long token,
                        Duration timeout, TrainTls tls, boolean sharedMemory) throws IOException {
        if (world == 1) return new Ring(0, 1, null, null, null, null, timeout);
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
        Link r = null;
        try {
            l = acceptLeft(rank, leftRank, server, token, timeout, deadline, tls, rightF);
            r = rightF.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            ShmPipe[] pipes = tls == null && sharedMemory ? pipes(r, l, deadline) : new ShmPipe[2];
            return new Ring(rank, world, r, l, pipes[0], pipes[1], timeout);
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
            throw new InterruptedIOException("interrupted while connecting the ring");
        } catch (IOException | RuntimeException e) {
            if (l != null) l.close();
            if (r != null) r.close();
            rightF.cancel(true);
            closeWhenDone(rightF);
            throw e;
        }
    }

    /**
     * Offers a pipe to the left, maps the right's offer, and returns {outbound, inbound} — each null
     * where that link stays on TCP (the ends are on different hosts, or the file could not be made).
     */
    private static ShmPipe[] pipes(Link right, Link left, long deadline) throws IOException {
        long nonce = new SecureRandom().nextLong();
        ShmPipe mine = null;
        Path dir = ShmPipe.directory();
        try {
            if (dir != null) mine = ShmPipe.create(dir, nonce);
        } catch (IOException | RuntimeException e) {
            // no room in /dev/shm, say: this link stays on TCP
        }
        byte[] path = mine == null ? new byte[0] : mine.file().toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer offer = ByteBuffer.allocate(16 + path.length).order(ByteOrder.LITTLE_ENDIAN);
        offer.putInt(SHM_OFFER).putInt(path.length).put(path).putLong(nonce).flip();
        ShmPipe out = null;
        try {
            left.writeFully(offer, deadline);
            ByteBuffer head = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            right.readFully(head, deadline);
            head.flip();
            int magic = head.getInt();
            int len = head.getInt();
            if (magic != SHM_OFFER || len < 0 || len > MAX_PATH) {
                throw new IOException("rank " + right.peer + " sent no shared-memory offer: the ranks run different Gale versions");
            }
            ByteBuffer rest = ByteBuffer.allocate(len + 8).order(ByteOrder.LITTLE_ENDIAN);
            right.readFully(rest, deadline);
            rest.flip();
            byte[] theirs = new byte[len];
            rest.get(theirs);
            long theirNonce = rest.getLong();
            if (len > 0) {
                try {
                    out = ShmPipe.open(Path.of(new String(theirs, StandardCharsets.UTF_8)), theirNonce);
                } catch (IOException | RuntimeException e) {
                    out = null; // on another host (or another file system): TCP
                }
            }
            ByteBuffer answer = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
            answer.putInt(out == null ? 0 : 1).flip();
            right.writeFully(answer, deadline);
            ByteBuffer reply = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
            left.readFully(reply, deadline);
            reply.flip();
            boolean leftMapped = reply.getInt() == 1;
            ShmPipe in = null;
            if (mine != null && leftMapped) {
                mine.unlink(); // mapped by both ends: the file is no longer needed
                in = mine;
            } else if (mine != null) {
                mine.close(); // the left could not map it: this link stays on TCP
            }
            return new ShmPipe[]{out, in};
        } catch (IOException | RuntimeException e) {
            if (mine != null) mine.close();
            if (out != null) out.close();
            throw e;
        }
    }

    private static void closeWhenDone(Future<Link> f) {
        try {
            if (f.isDone() && !f.isCancelled()) f.get().close();
        } catch (ExecutionException | InterruptedException | CancellationException ignored) {
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
}
