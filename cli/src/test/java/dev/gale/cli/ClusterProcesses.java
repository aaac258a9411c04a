package dev.gale.cli;

import dev.gale.cli.testkit.GaleProcess;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code gale} commands of one test against background cluster nodes, through the launcher in
 * child processes, all with one home. Remembers the pids of the nodes they start ({@code (pid N,})
 * and kills those still running at {@link #close()}.
 */
final class ClusterProcesses implements AutoCloseable {
    static final Duration RUN = Duration.ofSeconds(180);
    private static final Pattern PID = Pattern.compile("\\(pid (\\d+),");
    private static final Pattern HEAD = Pattern.compile("Gale head node up at (\\S+) \\(pid");

    private final Path dir;
    private final Path home;
    private final List<Long> pids = new ArrayList<>();

    ClusterProcesses(Path dir, Path home) {
        this.dir = dir;
        this.home = home;
    }

    /** Starts {@code gale args} in the test's directory with its home. */
    GaleProcess start(String... args) {
        return GaleProcess.builder(args).workingDirectory(dir).home(home).start();
    }

    /** Runs {@code gale args} to its end, asserts the exit status, and returns the process (for its output). */
    GaleProcess run(int expected, String... args) {
        try (GaleProcess p = start(args)) {
            assertEquals(expected, p.waitFor(RUN), p.describe());
            Matcher m = PID.matcher(p.stdout());
            while (m.find()) pids.add(Long.parseLong(m.group(1)));
            return p;
        }
    }

    /** {@code gale cluster start --port 0 <extra>}: the head's address. */
    String startHead(String... extra) {
        List<String> args = new ArrayList<>(List.of("cluster", "start", "--port", "0"));
        args.addAll(List.of(extra));
        GaleProcess p = run(0, args.toArray(String[]::new));
        Matcher m = HEAD.matcher(p.stdout());
        assertTrue(m.find(), p.describe());
        return m.group(1);
    }

    /** Asserts that no line of the process's output is Pekko's "connection has been aborted" warning. */
    static void quiet(GaleProcess p) {
        for (String text : List.of(p.stdout(), p.stderr())) {
            assertFalse(text.contains("StreamTcpException") || text.contains("The connection has been aborted"),
                    "no 'connection has been aborted' warning: " + p.describe());
        }
    }

    /** Waits until {@code file} exists. */
    static void awaitFile(Path file, Duration timeout, GaleProcess whose) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!Files.exists(file)) {
            assertTrue(System.nanoTime() < deadline, "no " + file + " within " + timeout.toSeconds() + " s: " + whose.describe());
            assertTrue(whose.isAlive(), file + " not created before the process ended: " + whose.describe());
            Thread.sleep(50);
        }
    }

    /** Waits until the node processes started through this have exited (after {@code gale cluster stop}). */
    void awaitNodesGone(Duration timeout) throws Exception {
        for (long pid : pids) {
            ProcessHandle h = ProcessHandle.of(pid).orElse(null);
            if (h != null) h.onExit().get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        }
    }

    /** The files under {@code d} (for messages). */
    static List<Path> list(Path d) throws java.io.IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.toList();
        }
    }

    @Override
    public void close() {
        for (long pid : pids) ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
}
