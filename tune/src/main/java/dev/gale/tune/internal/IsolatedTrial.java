package dev.gale.tune.internal;

import dev.gale.cluster.WorkContext;
import dev.gale.gpu.Allocation;
import dev.gale.gpu.GpuShare;
import dev.gale.tune.TrialStoppedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs one trial attempt in a child JVM ({@code Isolation.PROCESS}) on behalf of the node's
 * {@link TrialRunner}: starts {@code java} from {@code java.home} with the node's class path and
 * {@link TrialChildMain}, serves the requests of the child's {@link ChannelTransport} (results with
 * their checkpoints, parameter asks, waits) over a {@link ChildChannel} from the runner's
 * {@link ControllerTransport} (so batching, flow control, checkpoint storage and GPU telemetry are
 * those of a trial in the node's JVM), relays stop requests, and turns the child's exit into a
 * {@link TrialOutcome}. The child's {@link AttemptContext} counts iterations from the payload and
 * measures {@code time_total_s} from the attempt's start on this node (the JVM start included).
 *
 * <p>Promises: the child's environment has {@code CUDA_VISIBLE_DEVICES} (the lease's GPU indexes,
 * comma separated; empty without GPUs) and {@code OMP_NUM_THREADS} (the lease's threads); its
 * standard output and error are appended to {@code stdout.log} / {@code stderr.log} in the trial
 * directory. A stop request reaches the child as a message at once; a child still alive
 * {@code stopGraceMillis} later is destroyed (forcibly 2 s after that). A child that dies before it
 * reported its end fails the attempt with an error naming its exit code and the tail of its
 * stderr; a child whose stop was requested ends the attempt as stopped. The child never outlives
 * this call.
 */
final class IsolatedTrial {
    private static final Logger LOG = LoggerFactory.getLogger(IsolatedTrial.class);
    /** How long the child may take to start and connect. */
    static final long CONNECT_TIMEOUT_MS = 120_000;
    static final int STDERR_TAIL_LINES = 20;
    static final int STDERR_TAIL_BYTES = 4096;

    private final TrialPayload p;
    private final ControllerTransport transport;
    private final WorkContext wc;
    private final long startNanos = System.nanoTime();
    private volatile Path trialDir;
    private volatile Process proc;
    private volatile ChildChannel channel;
    private volatile boolean done;

    /**
     * @param p         the payload as the controller sent it
     * @param transport the attempt's link to the controller, which the child's requests are served from
     */
    IsolatedTrial(TrialPayload p, ControllerTransport transport, WorkContext wc) {
        this.p = p;
        this.transport = transport;
        this.wc = wc;
    }

    /** The command line of the child JVM. */
    static List<String> command(int port, int threads) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", isWindows() ? "java.exe" : "java").toString());
        cmd.add("-Xss1m");
        cmd.add("--enable-native-access=ALL-UNNAMED");
        if (Runtime.version().feature() >= 23) cmd.add("--sun-misc-unsafe-memory-access=allow");
        cmd.add("-Dai.djl.offline=true");
        cmd.add("-Dai.djl.pytorch.num_threads=" + threads);
        for (String prop : new String[]{"DJL_CACHE_DIR", "logback.configurationFile", "java.io.tmpdir"}) {
            String v = System.getProperty(prop);
            if (v != null) cmd.add("-D" + prop + "=" + v);
        }
        cmd.add("-cp");
        cmd.add(absoluteClassPath(System.getProperty("java.class.path", "")));
        cmd.add(TrialChildMain.class.getName());
        cmd.add(Integer.toString(port));
        return cmd;
    }

    /** {@code cp} with each entry made absolute: the child runs in the trial directory. */
    static String absoluteClassPath(String cp) {
        StringBuilder sb = new StringBuilder();
        for (String e : cp.split(java.io.File.pathSeparator)) {
            if (e.isEmpty()) continue;
            if (!sb.isEmpty()) sb.append(java.io.File.pathSeparator);
            String abs;
            try {
                abs = Path.of(e).toAbsolutePath().toString();
            } catch (java.nio.file.InvalidPathException ex) {
                abs = e; // e.g. a wildcard on Windows: leave it as it is
            }
            sb.append(abs);
        }
        return sb.toString();
    }

    /** The allocation as the child sees it: the same shares with GPUs renumbered 0, 1, ... in lease order. */
    static Allocation renumbered(Allocation a) {
        List<GpuShare> gpus = new ArrayList<>(a.gpus().size());
        for (int i = 0; i < a.gpus().size(); i++) {
            GpuShare g = a.gpus().get(i);
            gpus.add(new GpuShare(i, g.fraction(), g.memoryBytes()));
        }
        return new Allocation(a.spec(), a.cpus(), a.memoryBytes(), gpus, a.custom());
    }

    TrialOutcome run() throws IOException {
        if (p.trainable().startsWith(LocalTrainables.PREFIX)) {
            throw new IllegalArgumentException("trainable " + p.trainable() + " is an instance (a lambda or object) registered"
                    + " in the driver JVM: with RunConfig isolation PROCESS each trial runs in a child JVM, which needs a class:"
                    + " pass a public Trainable class with a public no-argument constructor (Tuner.builder(MyTrainable.class)),"
                    + " or use Isolation.THREAD");
        }
        TrialPayload local = transport.childPayload();
        Path dir = Path.of(local.trialDir());
        trialDir = dir;
        Files.createDirectories(dir);
        Path stdout = dir.resolve("stdout.log");
        Path stderr = dir.resolve("stderr.log");
        long stderrStart = Files.exists(stderr) ? Files.size(stderr) : 0;
        int threads = wc.allocation().spec().threads();
        String token = HexFormat.of().formatHex(new SecureRandom().generateSeed(16));
        Thread watcher = null;
        try (ServerSocket server = new ServerSocket(0, 4, InetAddress.getLoopbackAddress())) {
            server.setSoTimeout(200);
            ProcessBuilder pb = new ProcessBuilder(command(server.getLocalPort(), threads));
            Map<String, String> env = pb.environment();
            env.put("CUDA_VISIBLE_DEVICES", wc.allocation().cudaVisibleDevices());
            env.put("OMP_NUM_THREADS", Integer.toString(threads));
            env.put(ChildChannel.TOKEN_ENV, token);
            pb.redirectOutput(ProcessBuilder.Redirect.appendTo(stdout.toFile()));
            pb.redirectError(ProcessBuilder.Redirect.appendTo(stderr.toFile()));
            pb.directory(dir.toFile());
            proc = pb.start();
            proc.getOutputStream().close();
            transport.gpu().attachProcess(proc.toHandle());
            LOG.debug("{} attempt {}: child JVM pid {} (CUDA_VISIBLE_DEVICES={})", p.trialId(), p.attempt(), proc.pid(),
                    wc.allocation().cudaVisibleDevices());
            watcher = Thread.ofVirtual().name("trial-stop-" + p.trialId()).start(this::watchStops);

            ChildChannel ch = connect(server, token);
            if (ch == null) return exited(stderr, stderrStart);
            channel = ch;
            double elapsed = (System.nanoTime() - startNanos) / 1e9;
            ch.send(ChildChannel.msg("start", "payload", local.withTimeOffset(local.timeOffset() + elapsed),
                    "allocation", renumbered(wc.allocation())));
            Map<String, Object> end = serve(ch);
            if (end == null) return exited(stderr, stderrStart);
            awaitExit(p.stopGraceMillis() + 5000);
            String failure = transport.gpu().failure();
            if (failure != null) return TrialOutcome.failed(failure, null);
            String error = (String) end.get("error");
            if (error != null) return TrialOutcome.failed(error, (String) end.get("stack"));
            return Boolean.TRUE.equals(end.get("stopped")) ? TrialOutcome.wasStopped() : TrialOutcome.ok();
        } finally {
            done = true;
            ChildChannel ch = channel;
            if (ch != null) ch.close();
            Process pr = proc;
            if (pr != null && pr.isAlive()) {
                kill(pr);
                try {
                    pr.waitFor(5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (watcher != null) watcher.interrupt();
        }
    }

    /** Waits for the child to connect and present the token; null when it exited (or was stopped) first. */
    private ChildChannel connect(ServerSocket server, String token) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CONNECT_TIMEOUT_MS);
        while (true) {
            if (!proc.isAlive()) return null;
            if (System.nanoTime() > deadline) {
                kill(proc);
                throw new IOException("the trial's child JVM (pid " + proc.pid() + ") did not connect within "
                        + CONNECT_TIMEOUT_MS / 1000 + " s: see stderr.log in " + trialDir);
            }
            Socket s;
            try {
                s = server.accept();
            } catch (SocketTimeoutException e) {
                continue;
            }
            ChildChannel ch = new ChildChannel(s);
            s.setSoTimeout(10_000);
            Map<String, Object> hello;
            try {
                hello = ch.read();
            } catch (IOException e) {
                ch.close();
                continue;
            }
            if (hello == null || !"hello".equals(hello.get("t")) || !token.equals(hello.get("token"))) {
                LOG.warn("{}: a connection to the trial's private port without the right token was refused", p.trialId());
                ch.close();
                continue;
            }
            s.setSoTimeout(0);
            return ch;
        }
    }

    /** Serves the child's requests until it reports its end (returned) or the stream ends (null). */
    private Map<String, Object> serve(ChildChannel ch) throws IOException {
        while (true) {
            Map<String, Object> m;
            try {
                m = ch.read();
            } catch (IOException e) {
                return null; // the child died, or was killed, mid-message
            }
            if (m == null) return null;
            String t = String.valueOf(m.get("t"));
            switch (t) {
                case "end" -> {
                    return m;
                }
                case "result" -> ch.send(result(m));
                case "param" -> ch.send(param(m));
                case "await" -> ch.send(await());
                default -> LOG.warn("{}: unknown message '{}' from the trial's child JVM ignored", p.trialId(), t);
            }
        }
    }

    /** Hands a result of the child (and its checkpoint) to the controller transport; answers ok, stopped or error. */
    private Map<String, Object> result(Map<String, Object> m) {
        try {
            if (transport.stopRequested()) return ChildChannel.msg("stopped");
            ReportedResult r = ChildChannel.JSON.convertValue(m.get("result"), ReportedResult.class);
            Object from = m.get("from");
            transport.send(r, from == null ? null : Path.of((String) from));
            return ChildChannel.msg("ok", "stop", transport.stopRequested());
        } catch (TrialStoppedException e) {
            return ChildChannel.msg("stopped");
        } catch (RuntimeException e) {
            return error(e);
        }
    }

    private Map<String, Object> param(Map<String, Object> m) {
        try {
            ParamMessages.ParamSpec spec = ChildChannel.JSON.convertValue(m.get("spec"), ParamMessages.ParamSpec.class);
            Object v = transport.parameter((String) m.get("name"), spec);
            return ChildChannel.msg("value", "value", v);
        } catch (TrialStoppedException e) {
            return ChildChannel.msg("stopped");
        } catch (RuntimeException e) {
            return error(e);
        }
    }

    private Map<String, Object> await() {
        try {
            transport.awaitAcknowledged();
            return ChildChannel.msg("ok", "stop", transport.stopRequested());
        } catch (TrialStoppedException e) {
            return ChildChannel.msg("stopped");
        }
    }

    /** An error reply: the message, and whether it is about the child's arguments (IllegalArgumentException there). */
    private static Map<String, Object> error(RuntimeException e) {
        return ChildChannel.msg("error", "error", e.getMessage() == null ? e.toString() : e.getMessage(),
                "argument", e instanceof IllegalArgumentException);
    }

    /**
     * Relays stop requests: a {@code stop} message as soon as the trial should stop (with
     * {@code interrupt} once the work is cancelled), destroy after the grace period, forcibly 2 s
     * later.
     */
    private void watchStops() {
        boolean told = false;
        boolean toldInterrupt = false;
        long since = 0;
        boolean destroyed = false;
        try {
            while (!done) {
                Process pr = proc;
                if (pr == null || !pr.isAlive()) return;
                if (transport.stopRequested()) {
                    boolean interrupt = wc.cancelled();
                    ChildChannel ch = channel;
                    if (ch != null && (!told || interrupt && !toldInterrupt)) {
                        try {
                            ch.send(ChildChannel.msg("stop", "interrupt", interrupt));
                        } catch (IOException e) {
                            // the child is going away: the grace period still applies
                        }
                        toldInterrupt = interrupt;
                    }
                    if (!told) {
                        told = true;
                        since = System.nanoTime();
                    }
                    long waited = (System.nanoTime() - since) / 1_000_000;
                    if (waited >= p.stopGraceMillis() && !destroyed) {
                        LOG.warn("{} attempt {}: child JVM pid {} still running {} ms after it was asked to stop: destroying it",
                                p.trialId(), p.attempt(), pr.pid(), waited);
                        pr.descendants().forEach(ProcessHandle::destroy);
                        pr.destroy();
                        destroyed = true;
                    } else if (destroyed && waited >= p.stopGraceMillis() + 2000) {
                        kill(pr);
                    }
                }
                Thread.sleep(50);
            }
        } catch (InterruptedException e) {
            // the attempt is over
        }
    }

    private void awaitExit(long millis) {
        try {
            if (!proc.waitFor(millis, TimeUnit.MILLISECONDS)) kill(proc);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            kill(proc);
        }
    }

    /** The outcome of a child that went away without reporting its end. */
    private TrialOutcome exited(Path stderr, long stderrStart) {
        Process pr = proc;
        int code;
        try {
            if (!pr.waitFor(10, TimeUnit.SECONDS)) kill(pr);
            code = pr.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            kill(pr);
            code = -1;
        }
        String failure = transport.gpu().failure();
        if (failure != null) return TrialOutcome.failed(failure, null);
        if (transport.stopRequested()) return TrialOutcome.wasStopped();
        String tail = tail(stderr, stderrStart);
        String last = lastLine(tail);
        String head = "trial " + p.trialId() + " attempt " + p.attempt() + ": its JVM (pid " + pr.pid() + ") exited with code "
                + code + " before the trial ended" + (code > 128 ? " (above 128: likely signal " + (code - 128) + ", a crash in native code?)" : "")
                + (last.isEmpty() ? "; stderr.log is empty" : "; stderr.log ends with: " + last);
        String detail = head + "\n--- last lines of " + stderr + " ---\n" + tail;
        return TrialOutcome.failed(detail, detail);
    }

    /** The last lines of what this attempt wrote to stderr.log. */
    static String tail(Path stderr, long from) {
        try (RandomAccessFile f = new RandomAccessFile(stderr.toFile(), "r")) {
            long len = f.length();
            long start = Math.max(from, len - STDERR_TAIL_BYTES);
            byte[] b = new byte[(int) Math.max(0, len - start)];
            f.seek(start);
            f.readFully(b);
            String s = new String(b, StandardCharsets.UTF_8);
            String[] lines = s.split("\r?\n");
            int first = Math.max(0, lines.length - STDERR_TAIL_LINES);
            return String.join("\n", java.util.Arrays.copyOfRange(lines, first, lines.length)).strip();
        } catch (IOException e) {
            return "(cannot read " + stderr + ": " + e.getMessage() + ")";
        }
    }

    private static String lastLine(String s) {
        String[] lines = s.strip().split("\n");
        for (int i = lines.length - 1; i >= 0; i--) {
            if (!lines[i].isBlank()) {
                String l = lines[i].strip();
                return l.length() <= 300 ? l : l.substring(0, 297) + "...";
            }
        }
        return "";
    }

    /** Kills the child and its descendants and waits (up to 5 s) until it is gone, so that an ended attempt holds no process. */
    private static void kill(Process pr) {
        pr.descendants().forEach(ProcessHandle::destroyForcibly);
        pr.destroyForcibly();
        try {
            if (!pr.waitFor(5, TimeUnit.SECONDS)) {
                LOG.warn("child JVM pid {} still exists 5 s after it was killed", pr.pid());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static boolean isWindows() {
        return System.getProperty("os.name", "").startsWith("Windows");
    }
}
