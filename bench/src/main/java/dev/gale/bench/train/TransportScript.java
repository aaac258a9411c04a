package dev.gale.bench.train;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.LongSupplier;
import java.util.zip.CRC32C;

/**
 * What both JVMs run over one {@link Conn}, rank 0 (the bench's JVM, which times) and rank 1 (the
 * peer) in mirror image:
 * <ol>
 *   <li>checked transfers, which are the warm-up too: rank 0 to 1, rank 1 to 0, both at once, and a
 *       64 KiB echo, each of random bytes with the sender's CRC-32C after them; the receiver compares
 *       and answers one byte (1 = intact);</li>
 *   <li>{@code reps} timed one-way transfers of {@code oneWayBytes} from rank 0 in {@code chunk}-byte
 *       writes, each ended by the receiver's one-byte answer;</li>
 *   <li>{@code reps} timed exchanges: after a one-byte handshake, both ranks send {@code exchangeBytes}
 *       (a sending thread) while they receive as many (the calling thread), as the two ranks of a
 *       ring all-reduce step do;</li>
 *   <li>round trips of 4 bytes ({@code rttIters}) and of 64 KiB ({@code rttIters / 5}), the first
 *       tenth not counted.</li>
 * </ol>
 * A check that fails ends the run with an exception on both ranks.
 */
final class TransportScript {
    /** The sizes of one run. */
    record Plan(long oneWayBytes, long exchangeBytes, int chunk, int reps, int rttIters) {
        Plan {
            if (oneWayBytes < 1 || exchangeBytes < 1) throw new IllegalArgumentException("oneWayBytes and exchangeBytes must be >= 1");
            if (chunk < 1) throw new IllegalArgumentException("chunk must be >= 1 byte, got " + chunk);
            if (reps < 1) throw new IllegalArgumentException("reps must be >= 1, got " + reps);
            if (rttIters < 10) throw new IllegalArgumentException("rttIters must be >= 10, got " + rttIters);
        }

        List<String> toArgs() {
            return List.of(Long.toString(oneWayBytes), Long.toString(exchangeBytes), Integer.toString(chunk),
                    Integer.toString(reps), Integer.toString(rttIters));
        }

        static Plan fromArgs(List<String> a) {
            return new Plan(Long.parseLong(a.get(0)), Long.parseLong(a.get(1)), Integer.parseInt(a.get(2)),
                    Integer.parseInt(a.get(3)), Integer.parseInt(a.get(4)));
        }
    }

    /**
     * Rank 0's figures.
     *
     * @param oneWayS       seconds of each timed one-way transfer
     * @param exchangeS     seconds of each timed exchange
     * @param rtt4Ns        median round trip of 4 bytes
     * @param rtt64kNs      median round trip of 64 KiB
     * @param cpuOneWayNs   CPU time of both JVMs over all timed one-way transfers
     * @param cpuExchangeNs CPU time of both JVMs over all timed exchanges
     * @param checkedBytes  bytes that arrived intact (checksum compared by their receiver), both ways
     */
    record Figures(double[] oneWayS, double[] exchangeS, long rtt4Ns, long rtt64kNs, long cpuOneWayNs, long cpuExchangeNs,
                   long checkedBytes) {
    }

    /** Bytes the checked transfers move, both ways together, for a plan. */
    static long checkedBytes(Plan p) {
        return 2 * p.oneWayBytes() + 2 * p.exchangeBytes() + 2 * (64 << 10);
    }

    private static final int RTT_LARGE = 64 << 10;

    private final Conn conn;
    private final int rank;
    private final Plan plan;
    private final long deadline;
    private final ByteBuffer sendBuf;
    private final ByteBuffer recvBuf;
    private final ByteBuffer one = ByteBuffer.allocateDirect(1);
    private final ByteBuffer oneIn = ByteBuffer.allocateDirect(1);
    private final ByteBuffer word = ByteBuffer.allocateDirect(8);
    private final ExecutorService sender = Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().daemon().name("transport-send").unstarted(r));
    private long seed = 1;
    private long checked;

    TransportScript(Conn conn, int rank, Plan plan, long deadlineNanos) {
        this.conn = conn;
        this.rank = rank;
        this.plan = plan;
        this.deadline = deadlineNanos;
        int buf = Math.max(plan.chunk(), RTT_LARGE);
        this.sendBuf = ByteBuffer.allocateDirect(buf);
        this.recvBuf = ByteBuffer.allocateDirect(buf);
    }

    /** Runs the script; {@code cpu} is the CPU time of both JVMs so far (read by rank 0 only). */
    Figures run(LongSupplier cpu) throws Exception {
        try {
            sync();
            oneWay(rank == 0, true);
            oneWay(rank == 1, true);
            exchange(true);
            rtt(RTT_LARGE, 1, true);
            double[] oneWayS = new double[plan.reps()];
            long c0 = cpu.getAsLong();
            for (int r = 0; r < plan.reps(); r++) oneWayS[r] = oneWay(rank == 0, false);
            long c1 = cpu.getAsLong();
            double[] exchangeS = new double[plan.reps()];
            for (int r = 0; r < plan.reps(); r++) exchangeS[r] = exchange(false);
            long c2 = cpu.getAsLong();
            long rtt4 = rtt(4, plan.rttIters(), false);
            long rtt64k = rtt(RTT_LARGE, Math.max(10, plan.rttIters() / 5), false);
            sync();
            return new Figures(oneWayS, exchangeS, rtt4, rtt64k, c1 - c0, c2 - c1, checked);
        } finally {
            sender.shutdownNow();
        }
    }

    private void sync() throws IOException {
        if (rank == 0) {
            sendByte(7);
            recvByte();
        } else {
            recvByte();
            sendByte(7);
        }
    }

    /** One transfer of {@code oneWayBytes}; the sender's seconds (until the receiver's answer). */
    private double oneWay(boolean sending, boolean verify) throws IOException {
        if (sending) {
            long t0 = System.nanoTime();
            sendStream(plan.oneWayBytes(), verify);
            int ack = recvByte();
            double s = (System.nanoTime() - t0) / 1e9;
            if (ack != 1) throw new IOException("the peer received " + plan.oneWayBytes() + " bytes that did not match their checksum");
            if (verify) checked += plan.oneWayBytes();
            return s;
        }
        boolean ok = recvStream(plan.oneWayBytes(), verify);
        sendByte(ok ? 1 : 0);
        if (!ok) throw new IOException("received " + plan.oneWayBytes() + " bytes that do not match the sender's checksum");
        if (verify) checked += plan.oneWayBytes();
        return 0;
    }

    /** Both ranks send and receive {@code exchangeBytes} at once; rank 0's seconds until both are done. */
    private double exchange(boolean verify) throws Exception {
        sync();
        long t0 = System.nanoTime();
        Future<?> out = sender.submit(() -> {
            sendStream(plan.exchangeBytes(), verify);
            return null;
        });
        boolean ok = recvStream(plan.exchangeBytes(), verify);
        try {
            out.get(Math.max(1, deadline - System.nanoTime()), java.util.concurrent.TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new Conn.Timeout("finish the exchange's send");
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof Exception x ? x : e;
        }
        sendByte(ok ? 1 : 0);
        int peerOk = recvByte();
        double s = (System.nanoTime() - t0) / 1e9;
        if (!ok) throw new IOException("received " + plan.exchangeBytes() + " exchanged bytes that do not match the sender's checksum");
        if (peerOk != 1) throw new IOException("the peer received " + plan.exchangeBytes() + " exchanged bytes that did not match their checksum");
        if (verify) checked += 2 * plan.exchangeBytes();
        return s;
    }

    private void sendStream(long total, boolean verify) throws IOException {
        ByteBuffer b = sendBuf.duplicate();
        CRC32C crc = verify ? new CRC32C() : null;
        SplittableRandom rnd = verify ? new SplittableRandom(seed++) : null;
        for (long sent = 0; sent < total; ) {
            int n = (int) Math.min(plan.chunk(), total - sent);
            b.clear().limit(n);
            if (verify) {
                fill(b, rnd);
                crc.update(b.duplicate());
            }
            conn.send(b, deadline);
            sent += n;
        }
        if (verify) {
            ByteBuffer w = ByteBuffer.allocate(8).putLong(0, crc.getValue());
            conn.send(w, deadline);
        }
    }

    private boolean recvStream(long total, boolean verify) throws IOException {
        ByteBuffer b = recvBuf.duplicate();
        CRC32C crc = verify ? new CRC32C() : null;
        for (long got = 0; got < total; ) {
            int n = (int) Math.min(plan.chunk(), total - got);
            b.clear().limit(n);
            conn.receive(b, deadline);
            if (verify) crc.update(b.flip());
            got += n;
        }
        if (!verify) return true;
        word.clear();
        conn.receive(word, deadline);
        return word.getLong(0) == crc.getValue();
    }

    /** Median nanoseconds of a round trip of {@code size} bytes (rank 0), the first tenth not counted. */
    private long rtt(int size, int iters, boolean verify) throws IOException {
        ByteBuffer out = sendBuf.duplicate().clear().limit(size);
        ByteBuffer in = recvBuf.duplicate().clear().limit(size);
        if (verify && rank == 0) fill(out, new SplittableRandom(seed++));
        int skip = iters / 10;
        long[] t = new long[iters - skip];
        for (int i = 0; i < iters; i++) {
            if (rank == 0) {
                long t0 = System.nanoTime();
                conn.send(out.clear().limit(size), deadline);
                conn.receive(in.clear().limit(size), deadline);
                if (i >= skip) t[i - skip] = System.nanoTime() - t0;
            } else {
                conn.receive(in.clear().limit(size), deadline);
                conn.send(in.flip(), deadline);
            }
        }
        if (verify && rank == 0) {
            if (!in.flip().equals(out.flip())) throw new IOException("the " + size + "-byte echo came back changed");
            checked += 2L * size;
        }
        Arrays.sort(t);
        return t.length == 0 ? 0 : t[t.length / 2];
    }

    private static void fill(ByteBuffer b, SplittableRandom rnd) {
        int p = b.position();
        int lim = b.limit();
        for (; p + 8 <= lim; p += 8) b.putLong(p, rnd.nextLong());
        for (; p < lim; p++) b.put(p, (byte) rnd.nextInt());
    }

    private void sendByte(int v) throws IOException {
        one.clear();
        one.put(0, (byte) v);
        conn.send(one, deadline);
    }

    private int recvByte() throws IOException {
        oneIn.clear();
        conn.receive(oneIn, deadline);
        return oneIn.get(0);
    }
}
