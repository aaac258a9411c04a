package dev.gale.train.internal;

import dev.gale.cluster.ClusterSecret;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ring over TLS with the cluster's secret: right sums, and peers without the secret refused. */
class RingTlsTest {
    static final String PASSWORD = "correct horse battery";
    @TempDir
    static Path dir;
    static TrainTls secret;
    static TrainTls other;

    @BeforeAll
    static void keys() {
        CompletableFuture<Void> o = CompletableFuture.runAsync(() -> ClusterSecret.create(dir.resolve("other.p12"), PASSWORD));
        ClusterSecret.create(dir.resolve("cluster.p12"), PASSWORD);
        o.join();
        secret = TrainTls.of(dir.resolve("cluster.p12"), PASSWORD);
        other = TrainTls.of(dir.resolve("other.p12"), PASSWORD);
    }

    /** Starts {@code tls.size()} ranks at once, rank r with {@code tls.get(r)} (null: plain TCP). */
    static List<CompletableFuture<Ring>> start(List<TrainTls> tls, Duration timeout) throws IOException {
        int n = tls.size();
        List<ServerSocketChannel> servers = new ArrayList<>();
        List<InetSocketAddress> peers = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ServerSocketChannel s = ServerSocketChannel.open();
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            servers.add(s);
            peers.add((InetSocketAddress) s.getLocalAddress());
        }
        List<CompletableFuture<Ring>> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int r = i;
            out.add(CompletableFuture.supplyAsync(() -> {
                try (ServerSocketChannel s = servers.get(r)) {
                    return Ring.connect(r, n, s, peers, 42L, timeout, tls.get(r), true);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }, java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()));
        }
        return out;
    }

    @Test
    void threeRanksWithTheSecretSumOverTls() throws Exception {
        List<CompletableFuture<Ring>> fs = start(List.of(secret, secret, secret), Duration.ofSeconds(30));
        List<Ring> rings = new ArrayList<>();
        for (CompletableFuture<Ring> f : fs) rings.add(f.get(60, TimeUnit.SECONDS));
        try {
            int len = 1_000_003;
            float[][] data = new float[3][len];
            float[] want = new float[len];
            for (int r = 0; r < 3; r++) for (int i = 0; i < len; i++) data[r][i] = r * 10 + i % 13;
            for (int i = 0; i < len; i++) want[i] = 30 + 3 * (i % 13);
            RingTest.onAll(3, r -> () -> {
                rings.get(r).allReduce(data[r]);
                return null;
            });
            for (int r = 0; r < 3; r++) {
                assertTrue(rings.get(r).tls() && rings.get(r).toString().contains("TLS"), rings.get(r).toString());
                assertArrayEquals(want, data[r], "rank " + r);
            }
            float[][] b = {{1, 2, 3}, new float[3], new float[3]};
            RingTest.onAll(3, r -> () -> {
                rings.get(r).broadcast(b[r], 0);
                return null;
            });
            assertArrayEquals(b[0], b[2]);
        } finally {
            rings.forEach(Ring::close);
        }
    }

    @Test
    void aPeerWithAnotherKeyCannotJoinTheRing() throws Exception {
        List<CompletableFuture<Ring>> fs = start(List.of(secret, other), Duration.ofSeconds(4));
        for (int r = 0; r < 2; r++) {
            int rank = r;
            ExecutionException e = assertThrows(ExecutionException.class, () -> fs.get(rank).get(60, TimeUnit.SECONDS));
            assertTrue(e.getCause().getMessage() != null, "rank " + r + " failed: " + e.getCause());
        }
        // the secret's holder says why: the peer with another key failed its TLS handshake
        String m = causeMessages(fs.get(0));
        assertTrue(m.contains("TLS handshake with rank 1") && m.contains("SSLHandshakeException"), m);
    }

    @Test
    void aPlainTcpPeerCannotJoinATlsRing() throws Exception {
        List<CompletableFuture<Ring>> fs = start(java.util.Arrays.asList(secret, null), Duration.ofSeconds(4));
        ExecutionException e = assertThrows(ExecutionException.class, () -> fs.get(0).get(60, TimeUnit.SECONDS));
        String m = causeMessages(fs.get(0));
        // whichever rank 0 saw first: the plain peer's plaintext refused by its TLS accept, or its own
        // TLS hello refused by the plain peer
        assertTrue(m.contains("TLS handshake with rank 1") || (m.contains("refused 1 connection") && m.contains("SSL")), m);
        assertThrows(ExecutionException.class, () -> fs.get(1).get(60, TimeUnit.SECONDS), "the plain peer gets no ring either");
    }

    private static String causeMessages(CompletableFuture<Ring> f) {
        StringBuilder sb = new StringBuilder();
        try {
            f.get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            for (Throwable t = e; t != null; t = t.getCause()) sb.append(t).append(" | ");
        }
        return sb.toString();
    }
}
