package dev.gale.cluster;

import dev.gale.cluster.testkit.NodeProcess;
import dev.gale.gpu.ResourceSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Drain and stop a node with real JVMs: an idle head is drained at once and takes no work after;
 * a 2-CPU task of a {@link TaskClient} runs on the other node (labelled {@code zone=b}), which is
 * drained with a 2 s deadline: its task's lease is revoked at the deadline and the task waits
 * (every node drains) until a fresh node joins, where it runs again and ends once. The labelled
 * node is then stopped: its process exits 0 and it leaves the cluster.
 */
@DisabledOnOs(OS.WINDOWS)
class DrainStopNodeTest {
    static final Duration UP = Duration.ofSeconds(90);
    final List<NodeProcess> nodes = new ArrayList<>();

    @AfterEach
    void stopAll() {
        nodes.forEach(NodeProcess::close);
    }

    @Test
    void aDrainedNodeTakesNoWorkItsLeasesAreRevokedAtTheDeadlineAndItStops(@TempDir Path tmp) throws Exception {
        NodeProcess head = add(NodeProcess.head("cpus=2,memory=1GiB"));
        String seed = head.awaitUp(UP);
        NodeProcess b = add(NodeProcess.join(seed, "cpus=2,memory=1GiB", "--labels", "zone=b,disk=ssd"));
        String bAddress = b.awaitUp(UP);
        Path log = tmp.resolve("runs.log");
        try (GaleNode client = GaleNode.connect(seed); TaskClient tasks = TaskClient.create(client, 3)) {
            HeadNodeLossTest.awaitNodes(client, 2, Duration.ofSeconds(60));
            ClusterStatus st = client.status(Duration.ofSeconds(10));
            assertEquals(Map.of("zone", "b", "disk", "ssd"), st.demand().node(b.nodeId()).labels(), "nodes advertise their labels");
            assertEquals(0, client.drain(head.address(), Duration.ofSeconds(5), Duration.ofSeconds(30)), "nothing runs: drained at once");
            IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                    () -> client.drain("127.0.0.1:1", Duration.ZERO, Duration.ofSeconds(30)));
            assertTrue(unknown.getMessage().contains(b.nodeId()), unknown.getMessage());
            // the head stays drained: the task goes to b
            List<CompletableFuture<HeadNodeLossTest.Ran>> fs = tasks.map(HeadNodeLossTest.RecordedSleep.class,
                    List.of(new HeadNodeLossTest.Job("t0", 15_000, log.toString())), ResourceSpec.ofCpus(2));
            awaitStarts(log, 1);
            assertEquals(b.pid(), Long.parseLong(HeadNodeLossTest.starts(log).getFirst()[2]), "the drained head took no work");

            long t0 = System.nanoTime();
            int revoked = client.drain(bAddress, Duration.ofSeconds(2), Duration.ofSeconds(30));
            assertEquals(1, revoked, "the task on b still ran at the deadline: its lease was revoked");
            assertTrue(client.status(Duration.ofSeconds(10)).demand().node(b.nodeId()).draining());
            // both nodes drain: the task waits as demand (nothing is granted on a draining node)
            assertTrue(awaitWaiting(client, 1), "the revoked task waits for a node");

            // a fresh node joins: the waiting task goes there
            NodeProcess fresh = add(NodeProcess.join(seed, "cpus=2,memory=1GiB"));
            fresh.awaitUp(UP);
            HeadNodeLossTest.Ran ran = fs.getFirst().get(120, TimeUnit.SECONDS);
            assertEquals(fresh.pid(), ran.pid(), "the revoked task ran again on the node that can take work");
            Map<String, List<Long>> runs = new HashMap<>();
            for (String line : Files.readAllLines(log)) {
                String[] p = line.split(" ");
                runs.computeIfAbsent(p[0], k -> new ArrayList<>()).add(Long.parseLong(p[2]));
            }
            assertEquals(List.of(b.pid(), fresh.pid()), runs.get("start"), "started on b, then (after the revocation) on the fresh node");
            assertEquals(List.of(fresh.pid()), runs.get("end"), "ended once");
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(120));

            assertEquals(0, client.stopNode(bAddress, Duration.ofSeconds(5), Duration.ofSeconds(60)));
            assertEquals(0, b.waitFor(Duration.ofSeconds(60)), b.describe());
            assertFalse(b.isAlive());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (client.status(Duration.ofSeconds(10)).demand().node(b.nodeId()) != null) {
                if (System.nanoTime() > deadline) fail("the stopped node is still registered");
                Thread.sleep(100);
            }
        }
    }

    static void awaitStarts(Path log, int n) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (HeadNodeLossTest.starts(log).size() < n) {
            if (System.nanoTime() > deadline) fail(n + " task starts not seen within 60 s");
            Thread.sleep(100);
        }
    }

    static boolean awaitWaiting(GaleNode client, int bundles) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (client.status(Duration.ofSeconds(10)).demand().waitingBundles() == bundles) return true;
            Thread.sleep(100);
        }
        return false;
    }

    NodeProcess add(NodeProcess p) {
        nodes.add(p);
        return p;
    }
}
