package dev.gale.bench.train;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The peer JVM of one transport's run: this JVM's {@code java} and class path running
 * {@link TransportPeer}. Its output lines are read by a thread of their own; {@link #await} waits
 * for a line with a given prefix until a deadline and fails with the peer's last lines. The peer
 * exits by itself when this JVM goes away (its standard input closes) or its own deadline passes;
 * {@link #close} kills it.
 */
final class PeerProcess implements AutoCloseable {
    private static final String EOF = "\u0000EOF";

    private final Process process;
    private final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final ArrayDeque<String> tail = new ArrayDeque<>();

    private PeerProcess(Process process) {
        this.process = process;
        Thread.ofPlatform().daemon().name("transport-peer-out").start(this::pump);
    }

    static PeerProcess start(List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of("-Xms256m", "-Xmx512m", "-XX:MaxDirectMemorySize=512m", "--enable-native-access=ALL-UNNAMED"));
        if (Runtime.version().feature() >= 23) cmd.add("--sun-misc-unsafe-memory-access=allow");
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), TransportPeer.class.getName()));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        return new PeerProcess(pb.start());
    }

    private void pump() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) lines.add(line);
        } catch (IOException ignored) {
            // the process is gone: EOF below
        }
        lines.add(EOF);
    }

    /**
     * The rest of the first line that starts with {@code prefix} (other lines are kept for error
     * messages).
     *
     * @throws IOException when the peer reported an error, exited, or printed no such line before the deadline
     */
    String await(String prefix, long deadlineNanos, String what) throws IOException {
        while (true) {
            String line;
            try {
                line = lines.poll(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while waiting for the peer JVM to " + what);
            }
            if (line == null) throw new IOException("the peer JVM did not " + what + " before the deadline; its last lines: " + tail);
            if (line.equals(EOF)) {
                lines.add(EOF);
                throw new IOException("the peer JVM exited before it would " + what + "; its last lines: " + tail);
            }
            if (line.startsWith(prefix)) return line.substring(prefix.length()).trim();
            if (line.startsWith(TransportPeer.ERROR)) throw new IOException("the peer JVM failed: " + line.substring(TransportPeer.ERROR.length()).trim());
            tail.add(line);
            if (tail.size() > 20) tail.poll();
        }
    }

    /** CPU time the peer JVM has used so far (user + system), or {@link Duration#ZERO} when the OS does not say. */
    Duration cpu() {
        return process.toHandle().info().totalCpuDuration().orElse(Duration.ZERO);
    }

    long pid() {
        return process.pid();
    }

    @Override
    public void close() {
        try {
            process.getOutputStream().close(); // the peer exits when its standard input closes
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (IOException e) {
            process.destroyForcibly();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
