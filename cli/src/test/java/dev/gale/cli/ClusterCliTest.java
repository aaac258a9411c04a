package dev.gale.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code gale cluster start}, {@code gale node start}, {@code gale cluster status} and
 * {@code gale cluster stop} end to end: two background node JVMs, a status table showing both, and
 * a stop after which both processes are gone; plus {@code gale cluster secret} and the errors when
 * no cluster runs. Uses a temporary Gale home ({@code -Dgale.home}).
 */
@DisabledOnOs(OS.WINDOWS)
class ClusterCliTest {
    private static final Pattern PID = Pattern.compile("\\(pid (\\d+),");
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final List<Long> pids = new ArrayList<>();
    private PrintStream oldOut;
    private PrintStream oldErr;
    private String oldHome;

    @BeforeEach
    void capture(@TempDir Path home) {
        oldOut = System.out;
        oldErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        oldHome = System.getProperty("gale.home");
        System.setProperty("gale.home", home.toString());
    }

    @AfterEach
    void restore() {
        System.setOut(oldOut);
        System.setErr(oldErr);
        if (oldHome == null) System.clearProperty("gale.home");
        else System.setProperty("gale.home", oldHome);
        for (long pid : pids) ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }

    private String run(int expectedCode, String... args) {
        out.reset();
        err.reset();
        int code = Gale.execute(args);
        String text = out.toString(StandardCharsets.UTF_8);
        assertEquals(expectedCode, code, String.join(" ", args) + "\nstdout:\n" + text + "\nstderr:\n" + err.toString(StandardCharsets.UTF_8));
        Matcher m = PID.matcher(text);
        while (m.find()) pids.add(Long.parseLong(m.group(1)));
        return text;
    }

    @Test
    void startJoinStatusStop(@TempDir Path tmp) throws Exception {
        int port = freePort();
        String addr = "127.0.0.1:" + port;
        String started = run(0, "cluster", "start", "--port", Integer.toString(port), "--resources", "cpus=2,memory=1GiB");
        assertTrue(started.contains("Gale head node up at " + addr), started);
        assertTrue(started.contains("gale node start --join " + addr), started);
        Path home = Path.of(System.getProperty("gale.home"));
        assertEquals(addr, Files.readString(home.resolve("cluster-address")).strip());
        assertTrue(Files.list(home.resolve("logs")).findAny().isPresent(), "the head node logs under <gale home>/logs");

        // no --join: the recorded head node
        String joined = run(0, "node", "start", "--resources", "cpus=3,memory=2GiB,licenses=4");
        assertTrue(joined.contains("joined " + addr), joined);
        assertEquals(2, pids.size(), "both nodes run in the background: " + pids);
        for (long pid : pids) assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "pid " + pid);

        String status = run(0, "cluster", "status");
        assertTrue(status.contains("Gale cluster at " + addr + ": 2 nodes, 0 leases, 0 queued requests"), status);
        assertTrue(status.contains(addr + " ") && status.contains(" 0/2 ") && status.contains(" 0/3 "), status);
        assertTrue(status.contains("0B/1.0GiB") && status.contains("0B/2.0GiB"), status);
        assertTrue(status.contains("custom licenses=4"), status);
        assertTrue(status.contains("Unmet demand: none"), status);

        String starting2 = run(1, "cluster", "start", "--port", "0");
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("already runs at " + addr), starting2 + err);

        String stopped = run(0, "cluster", "stop");
        assertTrue(stopped.contains("Stopped 2 nodes of the Gale cluster at " + addr), stopped);
        for (long pid : pids) {
            ProcessHandle h = ProcessHandle.of(pid).orElse(null);
            if (h != null) h.onExit().get(60, TimeUnit.SECONDS);
        }
        assertFalse(Files.exists(home.resolve("cluster-address")), "the stopped cluster's address is forgotten");

        run(1, "cluster", "status", "--address", addr);
        String e = err.toString(StandardCharsets.UTF_8);
        assertTrue(e.contains("no Gale cluster at " + addr) && e.contains("gale cluster start"), e);
        run(1, "cluster", "stop");
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("gale cluster start"), err.toString(StandardCharsets.UTF_8));
        run(2, "node", "start");
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--join host:port is required"), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void labelsShowInStatusAndANodeIsDrainedThenStopped() throws Exception {
        int port = freePort();
        String addr = "127.0.0.1:" + port;
        run(0, "cluster", "start", "--port", Integer.toString(port), "--resources", "cpus=2,memory=1GiB", "--labels", "role=head");
        String joined = run(0, "node", "start", "--resources", "cpus=1,memory=1GiB", "--labels", "zone=b,disk=ssd");
        Matcher up = Pattern.compile("Gale node up at (\\S+),").matcher(joined);
        assertTrue(up.find(), joined);
        String node = up.group(1);
        long nodePid = pids.getLast();

        String status = run(0, "cluster", "status");
        assertTrue(status.contains("Nodes (labels, draining, idle):"), status);
        assertTrue(status.contains("labels role=head") && status.contains("labels disk=ssd,zone=b"), status);

        String drained = run(0, "cluster", "drain", node, "--deadline", "5s");
        assertTrue(drained.contains("Node " + node + " is drained: it takes no new work; all its work ended in time."), drained);
        assertTrue(run(0, "cluster", "status").contains("DRAINING"), "status shows the drained node");

        run(2, "cluster", "stop-node", addr);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("pass --address with another node"), err.toString(StandardCharsets.UTF_8));
        run(2, "cluster", "drain", node, "--deadline", "soon");
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--deadline 'soon'"), err.toString(StandardCharsets.UTF_8));

        String stopped = run(0, "cluster", "stop-node", node);
        assertTrue(stopped.contains("Node " + node + " was drained and has left the cluster."), stopped);
        ProcessHandle h = ProcessHandle.of(nodePid).orElse(null);
        if (h != null) h.onExit().get(60, TimeUnit.SECONDS);
        String after = run(0, "cluster", "status");
        assertTrue(after.contains("Gale cluster at " + addr + ": 1 node,"), after);
        run(0, "cluster", "stop");
    }

    @Test
    void secretMakesAKeystoreOnceAndNeedsAPassword(@TempDir Path tmp) throws IOException {
        Path pw = tmp.resolve("pw");
        Files.writeString(pw, "s3cret-password\n");
        Path ks = tmp.resolve("cluster.p12");
        String made = run(0, "cluster", "secret", "--out", ks.toString(), "--password-file", pw.toString());
        assertTrue(made.contains("--tls-keystore " + ks), made);
        assertTrue(Files.size(ks) > 0);
        new dev.gale.cluster.TlsSettings(ks, "s3cret-password").check();
        run(2, "cluster", "secret", "--out", ks.toString(), "--password-file", pw.toString());
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("already exists"), err.toString(StandardCharsets.UTF_8));
        if (System.getenv("GALE_CLUSTER_SECRET") == null) {
            run(2, "cluster", "secret", "--out", tmp.resolve("other.p12").toString());
            assertTrue(err.toString(StandardCharsets.UTF_8).contains("GALE_CLUSTER_SECRET"), err.toString(StandardCharsets.UTF_8));
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
