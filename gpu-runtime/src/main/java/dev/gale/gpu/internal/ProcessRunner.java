package dev.gale.gpu.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a short external command with a timeout and returns its standard output. Implementation
 * detail; not a stable API.
 *
 * <p>Both output streams are drained on virtual threads so the child never blocks on a full
 * pipe, and at most {@link #MAX_OUTPUT} bytes of each are kept. On timeout the child and its
 * descendants are killed.
 */
public final class ProcessRunner {
    /** The most bytes of standard output (and of standard error) that are kept. */
    public static final int MAX_OUTPUT = 1 << 20;

    private ProcessRunner() {
    }

    /**
     * Runs {@code command} with {@code envOverrides} added to the inherited environment.
     *
     * @return its standard output, decoded as UTF-8
     * @throws IOException when it cannot be started, runs longer than {@code timeout} (it is then
     *                     killed), or exits with a non-zero status (the message quotes its stderr)
     */
    public static String run(List<String> command, Map<String, String> envOverrides, Duration timeout)
            throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().putAll(envOverrides);
        pb.redirectInput(ProcessBuilder.Redirect.from(nullFile()));
        Process p = pb.start();
        Drain out = Drain.start(p.getInputStream());
        Drain err = Drain.start(p.getErrorStream());
        boolean done;
        try {
            done = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            kill(p);
            Thread.currentThread().interrupt();
            throw new IOException(command.get(0) + ": interrupted", e);
        }
        if (!done) {
            kill(p);
            throw new IOException(command.get(0) + ": no answer within " + timeout.toMillis() + " ms, killed");
        }
        String stdout = out.await(timeout);
        if (p.exitValue() != 0) {
            String stderr = err.await(Duration.ofMillis(200)).strip();
            if (stderr.isEmpty()) stderr = stdout.strip();
            if (stderr.length() > 300) stderr = stderr.substring(0, 297) + "...";
            throw new IOException(command.get(0) + ": exit status " + p.exitValue()
                    + (stderr.isEmpty() ? "" : ": " + stderr));
        }
        return stdout;
    }

    private static void kill(Process p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
    }

    private static java.io.File nullFile() {
        return new java.io.File(System.getProperty("os.name", "").startsWith("Windows") ? "NUL" : "/dev/null");
    }

    /** Reads one stream to its end on a virtual thread, keeping the first {@link #MAX_OUTPUT} bytes. */
    private static final class Drain implements Runnable {
        private final InputStream in;
        private final ByteArrayOutputStream buf = new ByteArrayOutputStream(256);
        private final Thread thread;

        private Drain(InputStream in) {
            this.in = in;
            this.thread = Thread.ofVirtual().name("process-drain").unstarted(this);
        }

        static Drain start(InputStream in) {
            Drain d = new Drain(in);
            d.thread.start();
            return d;
        }

        @Override
        public void run() {
            try (in) {
                byte[] chunk = new byte[8192];
                int kept = 0;
                for (int n; (n = in.read(chunk)) >= 0; ) {
                    int keep = Math.min(n, MAX_OUTPUT - kept);
                    if (keep <= 0) break;
                    synchronized (buf) {
                        buf.write(chunk, 0, keep);
                    }
                    kept += keep;
                }
                in.transferTo(OutputStream.nullOutputStream());
            } catch (IOException e) {
                // the stream was closed under us (process killed): keep what was read
            }
        }

        /** What was read, waiting up to {@code wait} for the end of the stream. */
        String await(Duration wait) {
            try {
                thread.join(wait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            synchronized (buf) {
                return buf.toString(StandardCharsets.UTF_8);
            }
        }
    }
}
