package dev.gale.cli;

import dev.gale.autoscaler.NodeType;
import dev.gale.cli.testkit.GaleProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code gale cluster up}, {@code gale cluster status} and {@code gale cluster down} through the
 * launcher in child processes, with the {@code local} provider: a head offering 1 CPU, a node type
 * of 2 CPUs; {@code gale tune --address} of trials asking 2 CPUs makes the autoscaler launch nodes,
 * a trial runs on one of them (a worker JVM of the cluster, not the head), {@code gale cluster
 * status} shows the node types and the cost per hour; then {@code kill -9} of the head while the
 * trial runs there, and {@code gale cluster down} exits 0 after which no process of the cluster is
 * left (found in the process table by the cluster's label, as the provider finds them).
 */
@DisabledOnOs(OS.WINDOWS)
class ClusterUpDownCliTest {
    static final Duration NODE = Duration.ofSeconds(180);
    static final Duration GONE = Duration.ofSeconds(60);
    static final Pattern UP = Pattern.compile("Cluster (\\S+) up: head at (\\S+) \\(pid (\\d+),");

    @Test
    void upLaunchesNodesForDemandAndDownAfterTheHeadIsKilledLeavesNoNodeRunning(@TempDir Path tmp) throws Exception {
        // a name of its own: other runs of this test on the machine have their own clusters
        String name = "cli-up-" + Long.toString(new SplittableRandom().nextLong(1L << 40), 36);
        Files.writeString(tmp.resolve("cluster.yaml"), """
                cluster: %s
                head:
                  port: 0
                  resources: {cpus: 1, memory: 2GiB}
                autoscaler:
                  tick: 1s
                  idleTimeout: 20s
                  joinTimeout: 3m
                  maxNodes: 2
                nodeTypes:
                  - name: cpu-2
                    resources: {cpus: 2, memory: 1GiB}
                    costPerHour: 0.25
                    max: 2
                """.formatted(name));
        Path gates = Files.createDirectories(tmp.resolve("gates"));
        Files.writeString(tmp.resolve("gate.yaml"), "dir: \"" + gates + "\"\nx: {uniform: [0, 1]}\n");
        Path state = tmp.resolve("state");
        try (ClusterProcesses gale = new ClusterProcesses(tmp, tmp.resolve("home"))) {
            try {
                GaleProcess up = gale.run(0, "cluster", "up", "cluster.yaml", "--state-dir", state.toString());
                Matcher m = UP.matcher(up.stdout());
                assertTrue(m.find(), "cluster up prints the head's address and pid: " + up.describe());
                assertEquals(name, m.group(1));
                String addr = m.group(2);
                long headPid = Long.parseLong(m.group(3));
                assertTrue(up.stdout().contains("Node types: [cpu-2 (0..2, 0.25/h)]"), up.describe());

                GaleProcess idle = gale.run(0, "cluster", "status", "--address", addr);
                String st = idle.stdout();
                assertTrue(st.contains("Autoscaler (cluster " + name + ", provider local): 0.00 per hour"), idle.describe());
                assertTrue(st.contains("cpu-2            0..2, 0.2500/h: 0 launching, 0 joined, 0 draining"), idle.describe());
                assertEquals(List.of(), nodesOf(name), "no node before any demand");

                // two trials of 2 CPUs: the head's 1 CPU holds neither, a cpu-2 node holds one each
                Path started;
                try (GaleProcess tune = gale.start("tune", "--address", addr, "--class", GateTrainable.class.getName(), "--space", "gate.yaml",
                        "-n", "2", "--cpus", "2", "--storage-path", "results", "--name", "scaled", "--seed", "5")) {
                    started = awaitAnyStarted(gates, tune);
                    long trialPid = Long.parseLong(Files.readString(started).strip());
                    assertNotEquals(headPid, trialPid, "the trial runs on a launched node, not on the head");
                    assertTrue(nodesOf(name).contains(trialPid), "the trial's JVM is a node of cluster " + name + ": " + nodesOf(name)
                            + " " + tune.describe());

                    GaleProcess busy = gale.run(0, "cluster", "status", "--address", addr);
                    String b = busy.stdout();
                    Matcher cost = Pattern.compile("Autoscaler \\(cluster " + name + ", provider local\\): (\\d+\\.\\d\\d) per hour").matcher(b);
                    assertTrue(cost.find(), busy.describe());
                    double perHour = Double.parseDouble(cost.group(1));
                    assertTrue(perHour == 0.25 || perHour == 0.50, "one or two cpu-2 nodes at 0.25/h each: " + busy.describe());
                    assertTrue(b.contains("cpu-2            0..2, 0.2500/h: "), busy.describe());
                    assertTrue(b.contains("Nodes launched:") && b.contains(" JOINED "), "the node the trial runs on is listed: " + busy.describe());

                    List<Long> before = nodesOf(name);
                    new ProcessBuilder("kill", "-9", Long.toString(headPid)).start().waitFor(10, TimeUnit.SECONDS);
                    awaitGone(List.of(headPid), "the killed head");
                    assertTrue(isAlive(trialPid), "the node outlives its head (a session of its own): " + before);

                    // gale tune (a member of the cluster) stays until down is done: the nodes and it are the majority
                    // that the split-brain resolver keeps, so no node leaves on its own and down has them to end
                    List<Long> orphans = nodesOf(name);
                    assertFalse(orphans.isEmpty(), "the nodes launched by the dead head still run");
                    GaleProcess down = gale.run(0, "cluster", "down", "cluster.yaml", "--state-dir", state.toString());
                    Matcher ended = Pattern.compile("terminated (\\d+) node\\(s\\) of cluster " + name).matcher(down.stdout());
                    assertTrue(ended.find(), down.describe());
                    assertTrue(Integer.parseInt(ended.group(1)) >= orphans.size(), "every node found is terminated: " + orphans + down.describe());
                    awaitGone(orphans, "the nodes of cluster " + name + " after gale cluster down");
                    assertEquals(List.of(), nodesOf(name), "no process of cluster " + name + " is left");
                }
                assertTrue(Files.isRegularFile(state.resolve("head.log")), "the head logged to the state directory: " + list(state));

                GaleProcess again = gale.run(0, "cluster", "down", "cluster.yaml", "--state-dir", state.toString());
                assertTrue(again.stdout().contains("no node of cluster " + name + " was running"), again.describe());
            } finally {
                for (long pid : nodesOf(name)) ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
    }

    /** Waits until some trial created its {@code started-*} file (it then runs on a node). */
    static Path awaitAnyStarted(Path gates, GaleProcess tune) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + NODE.toNanos();
        while (true) {
            try (Stream<Path> s = Files.list(gates)) {
                Optional<Path> f = s.filter(p -> p.getFileName().toString().startsWith("started-")).findFirst();
                if (f.isPresent() && !Files.readString(f.get()).isBlank()) return f.get();
            }
            assertTrue(tune.isAlive(), "gale tune ended before a trial started on a launched node: " + tune.describe());
            assertTrue(System.nanoTime() < deadline, "no trial started on a launched node within " + NODE.toSeconds() + " s: " + tune.describe());
            Thread.sleep(100);
        }
    }

    /** Waits until none of {@code pids} runs. */
    static void awaitGone(List<Long> pids, String what) throws InterruptedException {
        long deadline = System.nanoTime() + GONE.toNanos();
        while (pids.stream().anyMatch(ClusterUpDownCliTest::isAlive)) {
            assertTrue(System.nanoTime() < deadline, what + " still run after " + GONE.toSeconds() + " s: "
                    + pids.stream().filter(ClusterUpDownCliTest::isAlive).toList());
            Thread.sleep(100);
        }
    }

    static boolean isAlive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /** The processes whose command line carries the label {@code gale-cluster=<name>} (the local provider's nodes of the cluster). */
    static List<Long> nodesOf(String name) {
        String label = NodeType.LABEL_CLUSTER + "=" + name;
        List<Long> out = new ArrayList<>();
        ProcessHandle.allProcesses().forEach(p -> {
            Path cmdline = Path.of("/proc", Long.toString(p.pid()), "cmdline");
            try {
                String text = new String(Files.readAllBytes(cmdline), StandardCharsets.UTF_8);
                for (String arg : text.split("\0")) {
                    if (arg.equals(label) || arg.startsWith(label + ",") || arg.contains("," + label + ",") || arg.endsWith("," + label)) {
                        out.add(p.pid());
                        return;
                    }
                }
            } catch (IOException e) {
                // gone, or not ours to read
            }
        });
        return out;
    }

    static List<Path> list(Path d) throws IOException {
        return ClusterProcesses.list(d);
    }
}
