package dev.gale.bench.train;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code gale bench transports} with tiny sizes: every transport that can run here moves checked
 * bytes between two JVMs intact (not how fast); the check itself catches a changed byte; options.
 */
class TransportBenchTest {

    @Test
    void everyAvailableTransportDeliversEveryByteIntactBetweenTwoJvms() throws Exception {
        TransportBench.Options o = TransportBench.Options.parse(List.of("--size-mib", "1", "--reps", "1", "--rtt", "20"));
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        List<TransportBench.Result> results = TransportBench.measure(o, new PrintStream(buf, true, StandardCharsets.UTF_8));
        String printed = buf.toString(StandardCharsets.UTF_8);
        assertEquals(List.of(Transport.values()), results.stream().map(TransportBench.Result::transport).toList(), printed);
        long expected = TransportScript.checkedBytes(o.plan());
        for (TransportBench.Result r : results) {
            if (r.skipped() != null) {
                assertEquals(r.skipped(), r.transport().unavailable(), "skipped only when not available here");
                continue;
            }
            assertNull(r.failed(), r.transport().label + " failed; output:\n" + printed);
            assertEquals(expected, r.figures().checkedBytes(), r.transport().label + ": bytes checked intact, both ways");
            assertEquals(1, r.figures().oneWayS().length);
            assertTrue(r.figures().oneWayS()[0] > 0 && r.figures().exchangeS()[0] > 0, r.transport().label);
            assertTrue(r.figures().rtt4Ns() > 0 && r.figures().rtt64kNs() > 0, r.transport().label);
        }
        for (Transport always : List.of(Transport.NIO_BLOCKING, Transport.NIO_SELECTOR, Transport.NETTY_NIO)) {
            assertTrue(results.get(always.ordinal()).ok(), always.label + " runs everywhere; output:\n" + printed);
        }
    }

    @Test
    void aChangedByteFailsTheRunOnBothRanks() throws Exception {
        ScheduledExecutorService dog = Executors.newSingleThreadScheduledExecutor();
        try (ServerSocketChannel ss = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             SocketChannel a = SocketChannel.open(ss.getLocalAddress());
             SocketChannel b = ss.accept()) {
            Conn c0 = new NioConn(a, false, dog);
            Conn good = new NioConn(b, false, dog);
            Conn c1 = new Conn() { // flips one bit of the 1000th byte rank 1 receives
                long seen;

                @Override
                public void send(ByteBuffer src, long deadlineNanos) throws IOException {
                    good.send(src, deadlineNanos);
                }

                @Override
                public void receive(ByteBuffer dst, long deadlineNanos) throws IOException {
                    int p0 = dst.position();
                    good.receive(dst, deadlineNanos);
                    int n = dst.position() - p0;
                    if (seen <= 1000 && seen + n > 1000) {
                        int at = p0 + (int) (1000 - seen);
                        dst.put(at, (byte) (dst.get(at) ^ 0x10));
                    }
                    seen += n;
                }

                @Override
                public void close() {
                    good.close();
                }
            };
            TransportScript.Plan plan = new TransportScript.Plan(1 << 20, 1 << 19, 64 << 10, 1, 10);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            CompletableFuture<TransportScript.Figures> peer = CompletableFuture.supplyAsync(() -> {
                try {
                    return new TransportScript(c1, 1, plan, deadline).run(() -> 0);
                } catch (Exception e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            });
            IOException e0 = assertThrows(IOException.class, () -> new TransportScript(c0, 0, plan, deadline).run(() -> 0));
            assertTrue(e0.getMessage().contains("did not match their checksum"), e0.getMessage());
            ExecutionException e1 = assertThrows(ExecutionException.class, () -> peer.get(60, TimeUnit.SECONDS));
            assertInstanceOf(IOException.class, e1.getCause());
            assertTrue(e1.getCause().getMessage().contains("do not match the sender's checksum"), e1.getCause().getMessage());
        } finally {
            dog.shutdownNow();
        }
    }

    @Test
    void optionsAndTheirMistakes() {
        TransportBench.Options d = TransportBench.Options.parse(List.of());
        assertEquals(5, d.reps());
        assertEquals(64, d.sizeMiB());
        assertEquals(List.of(Transport.values()), d.transports());
        assertEquals(32L << 20, d.plan().exchangeBytes());
        TransportBench.Options o = TransportBench.Options.parse(List.of("--only", "shm,nio-selector,aeron", "--reps", "7"));
        assertEquals(List.of(Transport.NIO_SELECTOR, Transport.AERON_UDP, Transport.AERON_IPC, Transport.SHM), o.transports());
        assertEquals(7, o.reps());
        assertMessage("'--bogus'", List.of("--bogus"));
        assertMessage("--only: unknown transport 'zeromq'", List.of("--only", "zeromq"));
        assertMessage("--reps must be at least 1", List.of("--reps", "0"));
        assertMessage("--reps: 'x' is not a whole number", List.of("--reps", "x"));
        assertMessage("--size-mib needs a value", List.of("--size-mib"));
    }

    private static void assertMessage(String part, List<String> args) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TransportBench.Options.parse(args));
        assertTrue(e.getMessage().contains(part), e.getMessage());
    }
}
