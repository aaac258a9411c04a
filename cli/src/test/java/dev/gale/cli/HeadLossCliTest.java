package dev.gale.cli;

import dev.gale.cli.testkit.GaleProcess;
import dev.gale.cluster.testkit.AllocationSampler;
import dev.gale.cluster.GaleNode;
import dev.gale.tune.ResultGrid;
import dev.gale.tune.TrialStatus;
import dev.gale.tune.TrialSummary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code kill -9} of the node that hosts the ResourceManager while a {@code gale tune --address}
 * search runs on a three-node cluster, all through the launcher: the singleton moves, the nodes'
 * own allocations (sampled throughout) never show a node over-committed or a lease on two nodes,
 * the search completes with every trial finished once and every iteration recorded once, the trials
 * that ran on the lost head are retried from their checkpoints on the other nodes, and the trials on
 * the surviving nodes are not restarted.
 */
@DisabledOnOs(OS.WINDOWS)
class HeadLossCliTest {
    static final Duration RUN = Duration.ofSeconds(300);
    static final Pattern PID = Pattern.compile("\\(pid (\\d+),");
    static final int STEPS = 30;

    @Test
    void killingTheHeadNodeLosesNoTrialAndGrantsNothingTwice(@TempDir Path tmp) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String seed = "127.0.0.1:" + port;
        List<Long> nodePids = new ArrayList<>();
        Path home = tmp.resolve("home");
        try {
            long headPid = startNode(home, nodePids, "cluster", "start", "--port", Integer.toString(port), "--resources", "cpus=2,memory=1GiB");
            startNode(home, nodePids, "node", "start", "--join", seed, "--resources", "cpus=2,memory=1GiB");
            startNode(home, nodePids, "node", "start", "--join", seed, "--resources", "cpus=2,memory=1GiB");
            Path log = tmp.resolve("starts.log");
            Path space = StepTrainable.space(tmp, STEPS, 300, log, 0);
            Path dir = tmp.resolve("results").resolve("headloss");
            try (GaleNode client = GaleNode.connect(seed); AllocationSampler sampler = new AllocationSampler(client);
                 GaleProcess run = GaleProcess.builder("tune", "--address", seed, "--class", StepTrainable.class.getName(),
                         "--space", space.toString(), "--metric", "loss", "--mode", "min", "-n", "6", "--max-concurrent", "6",
                         "--max-failures", "3", "--placement", "spread", "--name", "headloss",
                         "--storage-path", tmp.resolve("results").toString()).home(home).name("headloss").start()) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
                while (!allPast(dir, 3)) {
                    assertTrue(System.nanoTime() < deadline && run.isAlive(), "six trials past step 3: " + run.describe());
                    Thread.sleep(100);
                }
                Map<String, Long> firstNode = new HashMap<>();
                for (String[] s : starts(log)) firstNode.putIfAbsent(s[1], Long.parseLong(s[4]));
                List<String> onHead = firstNode.entrySet().stream().filter(e -> e.getValue() == headPid).map(Map.Entry::getKey).toList();
                assertEquals(2, onHead.size(), "SPREAD put two trials on each node: " + firstNode);
                assertTrue(sampler.sawRunning(6), "the agents' own allocations show the six leases: " + sampler.lastError);

                new ProcessBuilder("kill", "-9", Long.toString(headPid)).start().waitFor();
                assertEquals(0, run.waitFor(RUN), run.describe());

                ResultGrid g = ResultGrid.load(dir);
                assertEquals(6, g.count(TrialStatus.TERMINATED), g.table());
                for (TrialSummary t : g.trials()) {
                    List<Integer> its = RecoveryCliTest.rows(t.trialDir()).stream().map(r -> ((Number) r.get("training_iteration")).intValue()).toList();
                    List<Integer> want = new ArrayList<>();
                    for (int i = 1; i <= STEPS; i++) want.add(i);
                    assertEquals(want, its, t.trialId() + " recorded each iteration exactly once");
                }
                Map<String, List<String[]>> byTrial = new HashMap<>();
                for (String[] s : starts(log)) byTrial.computeIfAbsent(s[1], k -> new ArrayList<>()).add(s);
                for (Map.Entry<String, List<String[]>> e : byTrial.entrySet()) {
                    if (onHead.contains(e.getKey())) {
                        String[] retry = e.getValue().getLast();
                        assertTrue(e.getValue().size() >= 2, e.getKey() + " ran on the lost head and was retried");
                        assertNotEquals(headPid, Long.parseLong(retry[4]), "the retry ran on another node");
                        assertTrue(Integer.parseInt(retry[3]) >= 3, e.getKey() + " resumed from its checkpoint, not from the start");
                    } else {
                        assertEquals(1, e.getValue().size(), e.getKey() + " ran on a surviving node and was not restarted");
                    }
                }
                assertEquals(List.of(), sampler.violations, "the nodes' own allocations");
            }
        } finally {
            for (long pid : nodePids) ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    static long startNode(Path home, List<Long> pids, String... args) {
        try (GaleProcess p = GaleProcess.builder(args).home(home).name(args[0] + "-" + args[1]).start()) {
            assertEquals(0, p.waitFor(RUN), p.describe());
            Matcher m = PID.matcher(p.stdout());
            assertTrue(m.find(), p.describe());
            long pid = Long.parseLong(m.group(1));
            pids.add(pid);
            return pid;
        }
    }

    static boolean allPast(Path dir, int step) {
        for (int i = 1; i <= 6; i++) {
            List<Map<String, Object>> r = RecoveryCliTest.rows(dir.resolve(String.format("trial_%05d", i)));
            if (r.isEmpty() || ((Number) r.getLast().get("training_iteration")).intValue() < step) return false;
        }
        return true;
    }

    static List<String[]> starts(Path log) throws IOException {
        List<String[]> out = new ArrayList<>();
        if (!Files.exists(log)) return out;
        for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) out.add(line.split(" "));
        return out;
    }
}
