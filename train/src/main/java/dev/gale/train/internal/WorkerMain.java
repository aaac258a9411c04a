package dev.gale.train.internal;

import ai.djl.Device;
import dev.gale.gpu.DjlRuntime;
import dev.gale.train.CollectiveException;
import dev.gale.train.GroupStoppedException;
import dev.gale.train.TrainLoop;

import java.io.EOFException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The main class of a worker JVM: {@code WorkerMain <driverHost> <driverPort> <rank>} with the
 * group token in {@value #TOKEN_ENV}. Connects to the driver, says hello with its data-plane
 * address, waits for the start frame (the peers' addresses, the config, the checkpoint), connects
 * its ring, runs the {@link TrainLoop}, and reports DONE or ERROR.
 *
 * <p>Promises: the JVM ends when the loop ends (exit 0 after DONE, 1 after ERROR), and at once
 * (exit 3) when the driver's connection closes: a worker never outlives its driver's link.
 */
public final class WorkerMain {
    /** Environment variable holding the group token. */
    public static final String TOKEN_ENV = "GALE_TRAIN_TOKEN";
    /** Exit code when the driver's connection was lost. */
    static final int EXIT_DRIVER_LOST = 3;

    private WorkerMain() {
    }

    public static void main(String[] args) throws Exception {
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        int rank = Integer.parseInt(args[2]);
        String token = System.getenv(TOKEN_ENV);
        if (token == null) throw new IllegalStateException(TOKEN_ENV + " is not set: workers are started by their group");
        DjlRuntime.ensureOffline();
        TrainTls tls = TrainTls.readFrom(System.in).orElse(null); // present on a TLS cluster
        Socket s;
        if (tls != null) {
            s = tls.connect(new InetSocketAddress(host, port), 30_000);
        } else {
            s = new Socket();
            s.connect(new InetSocketAddress(host, port), 30_000);
        }
        ControlWire wire = new ControlWire(s);
        int code = run(wire, rank, token, s.getLocalAddress(), tls);
        System.out.flush();
        System.err.flush();
        Runtime.getRuntime().halt(code);
    }

    @SuppressWarnings("unchecked")
    private static int run(ControlWire wire, int rank, String token, InetAddress localAddr, TrainTls tls) throws IOException {
        ServerSocketChannel data = ServerSocketChannel.open();
        data.bind(new InetSocketAddress(localAddr, 0), 8);
        Map<String, Object> hello = new LinkedHashMap<>();
        hello.put("rank", rank);
        hello.put("token", token);
        hello.put("dataHost", localAddr.getHostAddress());
        hello.put("dataPort", ((InetSocketAddress) data.getLocalAddress()).getPort());
        hello.put("pid", ProcessHandle.current().pid());
        wire.send(ControlWire.HELLO, hello, null);
        ControlWire.Frame start;
        try {
            start = wire.read();
        } catch (EOFException e) {
            return EXIT_DRIVER_LOST;
        }
        if (start.type() != ControlWire.START) throw new IOException("expected START from the driver, got frame type " + start.type());
        Map<String, Object> b = start.body();
        int world = ((Number) b.get("world")).intValue();
        List<InetSocketAddress> peers = new ArrayList<>();
        for (Object o : (List<Object>) b.get("peers")) {
            String hp = (String) o;
            int c = hp.lastIndexOf(':');
            peers.add(new InetSocketAddress(hp.substring(0, c), Integer.parseInt(hp.substring(c + 1))));
        }
        Duration timeout = Duration.ofMillis(((Number) b.get("collectiveTimeoutMs")).longValue());
        long groupToken = ((Number) b.get("ringToken")).longValue();
        Path scratch = Files.createTempDirectory("gale-train-r" + rank + "-");
        Path ck = null;
        if (start.blob().length > 0) {
            ck = scratch.resolve("checkpoint");
            DirectoryBlob.unpack(start.blob(), ck);
        }
        Ring ring = null;
        WorkerContext made = null;
        try {
            ring = Ring.connect(rank, world, data, peers, groupToken, timeout, tls, !Boolean.FALSE.equals(b.get("sharedMemory")));
            data.close();
            Map<String, Object> cfg = (Map<String, Object>) b.getOrDefault("config", Map.of());
            WorkerContext ctx = new WorkerContext(rank, world, ((Number) b.get("localRank")).intValue(),
                    ((Number) b.get("nodeRank")).intValue(), ((Number) b.get("attempt")).intValue(),
                    Boolean.TRUE.equals(b.get("gpu")) ? Device.gpu(0) : Device.cpu(), cfg, ring, wire,
                    ck, scratch, (Map<String, String>) b.getOrDefault("datasets", Map.of()));
            made = ctx;
            Ring r = ring;
            Thread reader = new Thread(() -> readDriver(wire, ctx, r), "gale-train-control");
            reader.setDaemon(true);
            reader.start();
            // the PyTorch thread count is set on the command line (-Dai.djl.pytorch.num_threads, read when the
            // engine starts), so a loop that never touches DJL does not pay for loading it
            Class<?> cls = Class.forName((String) b.get("loop"));
            TrainLoop loop = (TrainLoop) cls.getDeclaredConstructor().newInstance();
            loop.run(ctx);
            wire.send(ControlWire.DONE, Map.of("rank", rank), null);
            return 0;
        } catch (Throwable t) {
            if (ring != null) ring.abort("rank " + rank + " failed: " + t);
            boolean stopped = t instanceof GroupStoppedException;
            boolean peer = t instanceof CollectiveException c && c.causedByPeer();
            Map<String, Object> err = new LinkedHashMap<>();
            err.put("rank", rank);
            err.put("error", t.toString());
            err.put("stack", stack(t));
            err.put("peer", peer);
            err.put("stopped", stopped);
            try {
                wire.send(ControlWire.ERROR, err, null);
            } catch (IOException ignored) {
                // the driver is gone: nothing to tell
            }
            return 1;
        } finally {
            if (made != null) made.closeDatasets();
            deleteTree(scratch);
        }
    }

    private static void readDriver(ControlWire wire, WorkerContext ctx, Ring ring) {
        try {
            while (true) {
                ControlWire.Frame f = wire.read();
                if (f.type() == ControlWire.ACK) {
                    ctx.acks.add(f);
                } else if (f.type() == ControlWire.STOP) {
                    ring.abort("the driver stopped the group: " + f.body().getOrDefault("reason", ""));
                    ctx.acks.add(f);
                }
            }
        } catch (IOException e) {
            // the driver closed the link (teardown) or died: end this worker now
            System.err.println("gale-train worker rank " + ctx.worldRank() + ": driver link lost (" + e + "); exiting");
            System.err.flush();
            Runtime.getRuntime().halt(EXIT_DRIVER_LOST);
        }
    }

    static String stack(Throwable t) {
        StringWriter sw = new StringWriter();
        t.printStackTrace(new PrintWriter(sw));
        return sw.toString();
    }

    private static void deleteTree(Path p) {
        try (Stream<Path> s = Files.walk(p)) {
            s.sorted(Comparator.reverseOrder()).forEach(x -> x.toFile().delete());
        } catch (IOException ignored) {
            // best effort
        }
    }
}
