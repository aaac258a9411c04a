package dev.gale.cluster;

import dev.gale.gpu.NodeInventory;
import dev.gale.gpu.ResourceSpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Remote futures on an embedded node: submit and map return the tasks' outputs through JSON,
 * failures carry the remote stack trace, resources are leased (at most as many tasks run at once
 * as fit) and given back, cancelling stops a running task. The multi-JVM test runs them on
 * other nodes.
 */
class TaskClientTest {
    static GaleNode node;

    @BeforeAll
    static void start() {
        node = GaleNode.start(NodeConfig.embedded().withInventory(new NodeInventory(2, 1L << 30, List.of(), Map.of())));
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    /** Input of {@link Scale}. */
    public record Point(double x, double y) {
    }

    /** Scales a point; throws on a negative x. */
    public static final class Scale implements RemoteTask<Point, Point> {
        @Override
        public Point call(Point p) {
            if (p.x() < 0) throw new IllegalArgumentException("negative x: " + p.x());
            return new Point(2 * p.x(), 2 * p.y());
        }
    }

    static final AtomicInteger RUNNING = new AtomicInteger();
    static final AtomicInteger MAX_RUNNING = new AtomicInteger();

    /** Sleeps {@code ms} and returns it; counts how many run at once. */
    public static final class Sleep implements RemoteTask<Integer, List<Integer>> {
        @Override
        public List<Integer> call(Integer ms) throws Exception {
            int now = RUNNING.incrementAndGet();
            MAX_RUNNING.accumulateAndGet(now, Math::max);
            try {
                Thread.sleep(ms);
            } finally {
                RUNNING.decrementAndGet();
            }
            return List.of(ms, ms);
        }
    }

    /** Has no public no-argument constructor. */
    public static final class NoCtor implements RemoteTask<Integer, Integer> {
        public NoCtor(int x) {
        }

        @Override
        public Integer call(Integer in) {
            return in;
        }
    }

    @Test
    void submitAndMapReturnOutputsAndFailuresCarryTheRemoteTrace() throws Exception {
        try (TaskClient client = TaskClient.create(node)) {
            assertEquals(new Point(2, 4), client.submit(Scale.class, new Point(1, 2), ResourceSpec.ofCpus(1)).get(30, TimeUnit.SECONDS));
            List<Point> in = new ArrayList<>();
            for (int i = 0; i < 20; i++) in.add(new Point(i, -i));
            List<Point> out = TaskClient.gather(client.map(Scale.class, in, ResourceSpec.ofCpus(0.5)));
            for (int i = 0; i < 20; i++) assertEquals(new Point(2 * i, -2 * i), out.get(i));

            CompletableFuture<Point> bad = client.submit(Scale.class, new Point(-1, 0), ResourceSpec.ofCpus(1));
            ExecutionException e = assertThrows(ExecutionException.class, () -> bad.get(30, TimeUnit.SECONDS));
            RemoteTaskException r = assertInstanceOf(RemoteTaskException.class, e.getCause());
            assertTrue(r.getMessage().contains("negative x: -1.0"), r.getMessage());
            assertTrue(r.remoteStackTrace().contains("Scale.call"), r.remoteStackTrace());
        }
        awaitIdle();
    }

    @Test
    void tasksRunOnlyAsManyAtOnceAsTheirResourcesFitAndCancelStopsOne() throws Exception {
        MAX_RUNNING.set(0);
        try (TaskClient client = TaskClient.create(node)) {
            List<CompletableFuture<List<Integer>>> fs = client.map(Sleep.class, List.of(150, 150, 150, 150, 150), ResourceSpec.ofCpus(1));
            assertEquals(List.of(150, 150), TaskClient.gather(fs).getFirst());
            assertEquals(2, MAX_RUNNING.get(), "2 CPUs, 1 CPU per task: two at a time");

            CompletableFuture<List<Integer>> longOne = client.submit(Sleep.class, 60_000, ResourceSpec.ofCpus(2));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (RUNNING.get() == 0 && System.nanoTime() < deadline) Thread.sleep(10);
            assertEquals(1, RUNNING.get());
            longOne.cancel(true);
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (RUNNING.get() > 0 && System.nanoTime() < deadline) Thread.sleep(10);
            assertEquals(0, RUNNING.get(), "cancelling interrupts the running task");
            // its lease came back: a task needing both CPUs runs
            assertEquals(List.of(1, 1), client.submit(Sleep.class, 1, ResourceSpec.ofCpus(2)).get(30, TimeUnit.SECONDS));
        }
        awaitIdle();
    }

    @Test
    void badSubmissionsAreRefusedWithTheFix() {
        try (TaskClient client = TaskClient.create(node)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> client.submit(NoCtor.class, 1, ResourceSpec.ofCpus(1)));
            assertTrue(e.getMessage().contains("no public no-argument constructor"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> client.submit(Scale.class, new Point(1, 1), null));
        }
    }

    @Test
    void aTaskWhoseResourcesFitNoNodeFailsAtOnceWithTheReason() throws Exception {
        try (TaskClient client = TaskClient.create(node)) {
            CompletableFuture<Point> huge = client.submit(Scale.class, new Point(1, 1), ResourceSpec.ofCpus(64));
            ExecutionException e = assertThrows(ExecutionException.class, () -> huge.get(30, TimeUnit.SECONDS));
            RemoteTaskException r = assertInstanceOf(RemoteTaskException.class, e.getCause());
            assertTrue(r.getMessage().contains("cannot be placed") && r.getMessage().contains("1 x [cpus=64]")
                    && r.getMessage().contains("1 x {cpus 2, memory 1.0GiB}"), r.getMessage());
            // the client goes on: a task that fits runs
            assertEquals(new Point(2, 2), client.submit(Scale.class, new Point(1, 1), ResourceSpec.ofCpus(1)).get(30, TimeUnit.SECONDS));
        }
        awaitIdle();
    }

    @Test
    void openTasksFailWithTheReasonTheClientStopped() throws Exception {
        // closed by its owner
        TaskClient closed = TaskClient.create(node);
        CompletableFuture<List<Integer>> cut = closed.submit(Sleep.class, 60_000, ResourceSpec.ofCpus(1));
        closed.close();
        ExecutionException e = assertThrows(ExecutionException.class, () -> cut.get(30, TimeUnit.SECONDS));
        assertEquals("task client closed", e.getCause().getMessage());
        awaitIdle();

        // a client member removed from the cluster (as the split-brain resolver downs one it cannot reach)
        long stopped = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (RUNNING.get() > 0 && System.nanoTime() < stopped) Thread.sleep(10); // the closed client's task, if it had started
        assertEquals(0, RUNNING.get(), "the closed client's work was stopped");
        try (GaleNode member = GaleNode.connect(node.address()); TaskClient client = TaskClient.create(member)) {
            CompletableFuture<List<Integer>> running = client.submit(Sleep.class, 60_000, ResourceSpec.ofCpus(1));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (RUNNING.get() == 0 && System.nanoTime() < deadline) Thread.sleep(10);
            assertEquals(1, RUNNING.get(), "the task runs");
            org.apache.pekko.cluster.typed.Cluster.get(node.system()).manager().tell(new org.apache.pekko.cluster.typed.Down(
                    org.apache.pekko.cluster.typed.Cluster.get(member.system()).selfMember().address()));
            ExecutionException down = assertThrows(ExecutionException.class, () -> running.get(30, TimeUnit.SECONDS));
            String why = down.getCause().getMessage();
            assertTrue(why.startsWith("task client stopped: this client's cluster member is") && why.contains("removed from the cluster"), why);
        }
        // the ResourceManager frees a member's leases when the member is removed, which Pekko does
        // only stable-after (7 s) after the downing
        awaitIdle(Duration.ofSeconds(40));
    }

    @Test
    void theSplitBrainResolverLeavesGossipTimeBeforeItDownsEveryMember() {
        // every member downs all when reachability has not settled stable-after + down-all-when-unstable
        // after it first saw a member unreachable; the leader's decision on a crash comes stable-after
        // after the leader saw it, then travels by gossip: down-all-when-unstable is the room for that
        Duration all = node.system().settings().config().getDuration("pekko.cluster.split-brain-resolver.down-all-when-unstable");
        assertTrue(all.toSeconds() >= 10, "down-all-when-unstable is " + all + ": Pekko's default (3/4 of stable-after) downed a cluster");
    }

    static void awaitIdle() throws InterruptedException {
        awaitIdle(Duration.ofSeconds(10));
    }

    static void awaitIdle(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        ClusterStatus st = node.status(Duration.ofSeconds(5));
        while (st.nodes().getFirst().leases() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
            st = node.status(Duration.ofSeconds(5));
        }
        assertEquals(0, st.nodes().getFirst().leases(), "every lease was given back");
    }
}
