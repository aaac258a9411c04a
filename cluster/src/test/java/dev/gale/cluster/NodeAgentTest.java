package dev.gale.cluster;

import dev.gale.gpu.Allocation;
import dev.gale.gpu.NodeInventory;
import dev.gale.gpu.ResourceSpec;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The NodeAgent runs {@link Work} by class name and ends every StartWork with exactly one
 * {@link WorkEvent}: Finished when run returns, Failed when the class cannot be started or run throws.
 */
class NodeAgentTest {
    static final Duration WAIT = Duration.ofSeconds(5);
    static final Duration NONE = Duration.ofMillis(300);
    static final AtomicInteger IDS = new AtomicInteger();
    static final Allocation ALLOCATION = new Allocation(ResourceSpec.ofCpus(1), 1, 0, List.of(), Map.of());

    static GaleNode node;
    TestProbe<WorkEvent> events;
    TestProbe<Object> owner;

    @BeforeAll
    static void start() {
        node = GaleNode.start(NodeConfig.embedded().withInventory(new NodeInventory(2, 1L << 30, List.of(), Map.of())));
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    @BeforeEach
    void probes() {
        events = TestProbe.create(node.system());
        owner = TestProbe.create(node.system());
    }

    @AfterEach
    void stopProbes() {
        events.stop();
        owner.stop();
    }

    String startWork(String workClass, String payload) {
        String lease = "lease-" + IDS.incrementAndGet();
        node.agent().tell(new NodeAgent.StartWork(lease, lease, ALLOCATION, workClass, payload, owner.ref(), events.ref()));
        return lease;
    }

    @SuppressWarnings("unchecked")
    static void tellOwner(WorkContext ctx, Object msg) {
        ((ActorRef<Object>) ctx.owner()).tell(msg);
    }

    /** Tells the owner "sleeping", sleeps until interrupted, then tells it {@code onStop}'s text. */
    static void sleepUntilStopped(WorkContext ctx, java.util.function.Supplier<String> onStop) {
        tellOwner(ctx, "sleeping");
        try {
            Thread.sleep(60_000);
            tellOwner(ctx, "woke up on its own");
        } catch (InterruptedException e) {
            tellOwner(ctx, onStop.get());
        }
    }

    /** Tells its owner what it saw, then returns. */
    public static final class EchoWork implements Work {
        public EchoWork() {
        }

        @Override
        public void run(WorkContext ctx) {
            tellOwner(ctx, "echo " + ctx.payload() + " on " + ctx.leaseId() + " with " + ctx.allocation().cpus()
                    + " cpus, thread " + Thread.currentThread().getName() + ", cancelled=" + ctx.cancelled());
        }
    }

    /** Throws. */
    public static final class ThrowingWork implements Work {
        public ThrowingWork() {
        }

        @Override
        public void run(WorkContext ctx) {
            throw new IllegalStateException("kaput: " + ctx.payload());
        }
    }

    /** Sleeps until it is stopped, then says whether it saw the cancellation, and returns. */
    public static final class SleepyWork implements Work {
        public SleepyWork() {
        }

        @Override
        public void run(WorkContext ctx) {
            sleepUntilStopped(ctx, () -> "interrupted, cancelled=" + ctx.cancelled());
        }
    }

    /** Sleeps until it is stopped, then says whether its lease had ended, and returns. */
    public static final class LeaseAwareWork implements Work {
        public LeaseAwareWork() {
        }

        @Override
        public void run(WorkContext ctx) {
            sleepUntilStopped(ctx, () -> "interrupted, leaseEnded=" + ctx.leaseEnded());
        }
    }

    /** Sleeps until it is stopped, then throws (as work that does not expect to be stopped does). */
    public static final class InterruptedThrowsWork implements Work {
        public InterruptedThrowsWork() {
        }

        @Override
        public void run(WorkContext ctx) throws InterruptedException {
            tellOwner(ctx, "sleeping");
            Thread.sleep(60_000);
        }
    }

    /** Hands its inbox to the owner and answers the first message it gets there. */
    public static final class InboxWork implements Work {
        public InboxWork() {
        }

        @Override
        public void run(WorkContext ctx) throws InterruptedException {
            java.util.concurrent.CompletableFuture<Object> got = new java.util.concurrent.CompletableFuture<>();
            ctx.onMessage(got::complete);
            tellOwner(ctx, ctx.inbox());
            try {
                tellOwner(ctx, "inbox got " + got.get(5, java.util.concurrent.TimeUnit.SECONDS));
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** Has no no-argument constructor. */
    public static final class NoConstructorWork implements Work {
        public NoConstructorWork(String x) {
        }

        @Override
        public void run(WorkContext ctx) {
        }
    }

    @Test
    void runsWorkByClassNameAndSendsFinished() {
        String lease = startWork(EchoWork.class.getName(), "{\"a\":1}");
        String said = (String) owner.receiveMessage(WAIT);
        assertTrue(said.startsWith("echo {\"a\":1} on " + lease + " with 1.0 cpus"), said);
        assertTrue(said.contains("thread gale-work-"), "runs on a worker thread of its own: " + said);
        assertTrue(said.endsWith("cancelled=false"), said);
        assertEquals(new WorkEvent.Finished(lease, lease), events.receiveMessage(WAIT));
        events.expectNoMessage(NONE);
    }

    @Test
    void workThatThrowsSendsFailedWithTheStackTrace() {
        String lease = startWork(ThrowingWork.class.getName(), "p1");
        WorkEvent.Failed f = assertInstanceOf(WorkEvent.Failed.class, events.receiveMessage(WAIT));
        assertEquals(lease, f.leaseId());
        assertEquals("java.lang.IllegalStateException: kaput: p1", f.error());
        assertTrue(f.stackTrace().contains("ThrowingWork.run"), f.stackTrace());
        events.expectNoMessage(NONE);
    }

    @Test
    void aFailureAfterTheLeaseEndedSaysSoAndAWorksOwnFailureDoesNot() {
        String lease = startWork(InterruptedThrowsWork.class.getName(), "p");
        assertEquals("sleeping", owner.receiveMessage(WAIT));
        node.agent().tell(new NodeAgent.LeaseEnded(lease));
        WorkEvent.Failed f = assertInstanceOf(WorkEvent.Failed.class, events.receiveMessage(WAIT));
        assertEquals(lease, f.leaseId());
        assertTrue(f.leaseEnded(), "the owner can tell a revoked lease from the work's own failure: " + f);

        startWork(ThrowingWork.class.getName(), "p2");
        WorkEvent.Failed own = assertInstanceOf(WorkEvent.Failed.class, events.receiveMessage(WAIT));
        assertTrue(!own.leaseEnded(), "the work's own failure: " + own);
    }

    @Test
    void aWorkStoppedByItsLeasesEndKnowsItAndAStartOnAnEndedLeaseIsRefusedAsSuch() {
        String asked = startWork(LeaseAwareWork.class.getName(), "");
        assertEquals("sleeping", owner.receiveMessage(WAIT));
        node.agent().tell(new NodeAgent.StopWork(asked));
        assertEquals("interrupted, leaseEnded=false", owner.receiveMessage(WAIT), "its owner asked it to stop");
        assertEquals(new WorkEvent.Finished(asked, asked), events.receiveMessage(WAIT));

        String lease = startWork(LeaseAwareWork.class.getName(), "");
        assertEquals("sleeping", owner.receiveMessage(WAIT));
        node.agent().tell(new NodeAgent.LeaseEnded(lease));
        assertEquals("interrupted, leaseEnded=true", owner.receiveMessage(WAIT),
                "the work can tell its owner that the lease ended, not that it was asked to stop");
        assertEquals(new WorkEvent.Finished(lease, lease), events.receiveMessage(WAIT));

        node.agent().tell(new NodeAgent.StartWork("late", lease, ALLOCATION, EchoWork.class.getName(), "", owner.ref(), events.ref()));
        WorkEvent.Failed refused = assertInstanceOf(WorkEvent.Failed.class, events.receiveMessage(WAIT));
        assertEquals("late", refused.workId());
        assertTrue(refused.leaseEnded() && refused.error().contains("released or revoked"), "refused as the lease's end: " + refused);
        owner.expectNoMessage(NONE);
    }

    @Test
    void unknownClassSendsFailedNamingTheClass() {
        String lease = startWork("com.example.NoSuchWork", "");
        WorkEvent.Failed f = assertInstanceOf(WorkEvent.Failed.class, events.receiveMessage(WAIT));
        assertEquals(lease, f.leaseId());
        assertTrue(f.error().contains("com.example.NoSuchWork"), f.error());
        assertTrue(f.error().contains("ClassNotFoundException"), f.error());
        assertTrue(f.stackTrace().contains("ClassNotFoundException"), f.stackTrace());
        events.expectNoMessage(NONE);
    }

    @Test
    void classesThatAreNotRunnableWorkSendFailed() {
        String notWork = startWork("java.lang.String", "");
        WorkEvent.Failed f = assertInstanceOf(WorkEvent.Failed.class, events.receiveMessage(WAIT));
        assertEquals(notWork, f.leaseId());
        assertTrue(f.error().contains("java.lang.String") && f.error().contains(Work.class.getName()), f.error());

        String noCtor = startWork(NoConstructorWork.class.getName(), "");
        WorkEvent.Failed g = assertInstanceOf(WorkEvent.Failed.class, events.receiveMessage(WAIT));
        assertEquals(noCtor, g.leaseId());
        assertTrue(g.error().contains(NoConstructorWork.class.getName()), g.error());
        events.expectNoMessage(NONE);
    }

    @Test
    void stopWorkCancelsAndInterruptsTheWork() {
        String lease = startWork(SleepyWork.class.getName(), "");
        assertEquals("sleeping", owner.receiveMessage(WAIT));
        node.agent().tell(new NodeAgent.StopWork(lease));
        assertEquals("interrupted, cancelled=true", owner.receiveMessage(WAIT));
        assertEquals(new WorkEvent.Finished(lease, lease), events.receiveMessage(WAIT));
        events.expectNoMessage(NONE);
        node.agent().tell(new NodeAgent.StopWork(lease)); // already ended: ignored
        node.agent().tell(new NodeAgent.StopWork("unknown-lease"));
        events.expectNoMessage(NONE);
    }

    @Test
    void duplicateStartWorkOfARunningWorkIsIgnored() {
        String lease = startWork(SleepyWork.class.getName(), "");
        assertEquals("sleeping", owner.receiveMessage(WAIT));
        node.agent().tell(new NodeAgent.StartWork(lease, lease, ALLOCATION, EchoWork.class.getName(), "dup", owner.ref(), events.ref()));
        owner.expectNoMessage(NONE);
        node.agent().tell(new NodeAgent.StopWork(lease));
        assertEquals("interrupted, cancelled=true", owner.receiveMessage(WAIT));
        assertEquals(new WorkEvent.Finished(lease, lease), events.receiveMessage(WAIT));
        events.expectNoMessage(NONE);
    }

    @Test
    void aLeaseRunsASecondWorkWhileTheFirstIsStillEnding() {
        String lease = startWork(SleepyWork.class.getName(), "");
        assertEquals("sleeping", owner.receiveMessage(WAIT));
        // the holder reuses its lease for the next work before the first one's thread is gone
        node.agent().tell(new NodeAgent.StartWork(lease + "/2", lease, ALLOCATION, EchoWork.class.getName(), "second",
                owner.ref(), events.ref()));
        owner.receiveMessage(WAIT);
        assertEquals(new WorkEvent.Finished(lease + "/2", lease), events.receiveMessage(WAIT));
        node.agent().tell(new NodeAgent.StopWork(lease));
        assertEquals("interrupted, cancelled=true", owner.receiveMessage(WAIT));
        assertEquals(new WorkEvent.Finished(lease, lease), events.receiveMessage(WAIT));
    }

    @Test
    void messagesToTheInboxReachTheWork() {
        String lease = startWork(InboxWork.class.getName(), "");
        @SuppressWarnings("unchecked")
        ActorRef<Object> inbox = (ActorRef<Object>) owner.receiveMessage(WAIT);
        inbox.tell("ping");
        assertEquals("inbox got ping", owner.receiveMessage(WAIT));
        assertEquals(new WorkEvent.Finished(lease, lease), events.receiveMessage(WAIT));
    }

    @Test
    void manyWorksRunAtOnceEachEndingOnce() {
        int n = 6;
        java.util.Set<String> leases = new java.util.HashSet<>();
        for (int i = 0; i < n; i++) leases.add(startWork(i % 2 == 0 ? EchoWork.class.getName() : ThrowingWork.class.getName(), "w" + i));
        java.util.Set<String> ended = new java.util.HashSet<>();
        for (int i = 0; i < n; i++) {
            WorkEvent e = events.receiveMessage(WAIT);
            assertTrue(ended.add(e.leaseId()), "one event per work: " + e);
        }
        assertEquals(leases, ended);
        events.expectNoMessage(NONE);
    }
}
