package dev.gale.tune.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gale.cluster.Lease;
import dev.gale.cluster.LeaseReply;
import dev.gale.cluster.NodeAgent;
import dev.gale.cluster.ResourceManager;
import dev.gale.gpu.Allocation;
import dev.gale.gpu.ResourceSpec;
import dev.gale.tune.ExperimentStoppedException;
import dev.gale.tune.Mode;
import dev.gale.tune.ResultGrid;
import dev.gale.tune.RunConfig;
import dev.gale.tune.TrialStatus;
import dev.gale.tune.TuneConfig;
import dev.gale.tune.search.Domains;
import dev.gale.tune.search.SearchSpace;
import dev.gale.tune.storage.JournalEntry;
import dev.gale.tune.storage.internal.MemoryExperimentStore;
import dev.gale.cluster.testkit.ManualClock;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The controller actor on its own: a probe plays the ResourceManager and another the node's agent;
 * the store is in memory and the clock is moved by hand. Checks what the controller asks for, what
 * it starts where, and how it ends trials and the experiment.
 */
class TuneControllerTest {
    static final ActorTestKit KIT = ActorTestKit.create();
    static final ObjectMapper JSON = new ObjectMapper();
    static final ResourceSpec ONE_CPU = ResourceSpec.ofCpus(1);
    static final Duration WAIT = Duration.ofSeconds(10);

    final TestProbe<ResourceManager.Command> rm = KIT.createTestProbe();
    final TestProbe<NodeAgent.Command> agent = KIT.createTestProbe();
    final TestProbe<Object> inbox = KIT.createTestProbe();
    final MemoryExperimentStore store = new MemoryExperimentStore();
    final ManualClock clock = new ManualClock(java.time.Instant.ofEpochMilli(1_700_000_000_000L));
    final CompletableFuture<ResultGrid> done = new CompletableFuture<>();
    ActorRef<TuneController.Command> controller;

    @AfterAll
    static void shutdown() {
        KIT.shutdownTestKit();
    }

    @AfterEach
    void close() {
        store.close();
    }

    void start(TuneConfig.Builder tune, RunConfig run) {
        TuneConfig cfg = tune.metric("loss").mode(Mode.MIN).build();
        cfg.searcher().setup(SearchSpace.of(Map.of("x", Domains.uniform(0, 1))), "loss", Mode.MIN, cfg.numSamples(), 1);
        cfg.scheduler().setup("loss", Mode.MIN);
        controller = KIT.spawn(TuneController.create(new TuneController.Setup(cfg, run, ONE_CPU, "not.Used", rm.ref(), store,
                List.of(), done, "exp", null, null, Map.of(), clock)));
    }

    static RunConfig run() {
        return new RunConfig("exp", null, true, 20);
    }

    /** The next demand the controller sends, skipping periodic syncs. */
    ResourceManager.Demand demand() {
        return rm.fishForMessage(WAIT, m -> m instanceof ResourceManager.Demand
                ? org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes.complete()
                : org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes.continueAndIgnore())
                .getLast() instanceof ResourceManager.Demand d ? d : null;
    }

    Lease grant(ResourceManager.Demand d, String leaseId) {
        Lease l = new Lease(leaseId, d.want().demandKey(), "node-a", agent.ref(), new Allocation(ONE_CPU, 1, 0, List.of(), Map.of()));
        d.replyTo().tell(new LeaseReply.BundleGranted(d.holderId(), d.want().demandKey(), List.of(l)));
        return l;
    }

    NodeAgent.StartWork started() {
        return agent.expectMessageClass(NodeAgent.StartWork.class, WAIT);
    }

    static String trialOf(NodeAgent.StartWork w) throws IOException {
        if (w.payloadObject() instanceof TrialPayload p) return p.trialId(); // an agent in this JVM gets the object
        return (String) JSON.readValue(w.payload(), Map.class).get("trialId");
    }

    static int attemptOf(NodeAgent.StartWork w) throws IOException {
        if (w.payloadObject() instanceof TrialPayload p) return p.attempt();
        return ((Number) JSON.readValue(w.payload(), Map.class).get("attempt")).intValue();
    }

    void report(String trial, int attempt, long iteration, double loss) {
        controller.tell(new TrialProtocol.ResultBatch(trial, attempt,
                List.of(new ReportedResult(iteration, iteration, clock.millis(), Map.of("loss", loss), null)), AttemptInbox.of(inbox.ref())));
    }

    void ended(String trial, int attempt) {
        controller.tell(new TrialProtocol.TrialEnded(trial, attempt, false, null, null));
    }

    Throwable failure() throws Exception {
        try {
            done.get(30, TimeUnit.SECONDS);
            throw new AssertionError("the experiment ended normally");
        } catch (ExecutionException e) {
            return e.getCause();
        }
    }

    @Test
    void asksForEveryTrialItCouldStartAndReusesALeaseForTheNextTrial() throws Exception {
        start(TuneConfig.builder().numSamples(3), run());
        ResourceManager.Demand d = demand();
        assertEquals(3, d.want().count(), "all three trials could start now (not two)");
        assertEquals(ONE_CPU, d.want().bundle().specs().getFirst());
        Lease l = grant(d, "L1");
        NodeAgent.StartWork w1 = started();
        assertEquals("L1", w1.leaseId());
        assertEquals("trial_00001", trialOf(w1));
        report("trial_00001", 0, 1, 0.5);
        assertEquals(new RunnerAck(false), inbox.expectMessageClass(RunnerAck.class, WAIT));
        ended("trial_00001", 0);
        NodeAgent.StartWork w2 = started();
        assertEquals("L1", w2.leaseId(), "the freed lease goes straight to the next trial");
        assertEquals("trial_00002", trialOf(w2));
        ended("trial_00002", 0);
        ended(trialOf(started()), 0);
        ResultGrid g = done.get(30, TimeUnit.SECONDS);
        assertEquals(3, g.count(TrialStatus.TERMINATED));
        rm.fishForMessage(WAIT, m -> m instanceof ResourceManager.ReleaseLease r && r.leaseId().equals(l.leaseId())
                ? org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes.complete()
                : org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes.continueAndIgnore());
        List<JournalEntry.Event> t1 = store.journal().stream().filter(e -> e.trial().trialId().equals("trial_00001"))
                .map(JournalEntry::event).toList();
        assertEquals(List.of(JournalEntry.Event.CREATED, JournalEntry.Event.STARTED, JournalEntry.Event.TERMINATED), t1);
    }

    @Test
    void theTimeBudgetOnTheInjectedClockStopsRunningTrials() throws Exception {
        start(TuneConfig.builder().numSamples(2).timeBudget(Duration.ofSeconds(60)), run());
        grant(demand(), "L1");
        NodeAgent.StartWork w = started();
        report(trialOf(w), 0, 1, 0.5);
        inbox.expectMessageClass(RunnerAck.class, WAIT);
        agent.expectNoMessage(Duration.ofMillis(200));
        clock.advance(Duration.ofSeconds(61));
        assertEquals(new NodeAgent.StopWork("L1"), agent.expectMessageClass(NodeAgent.StopWork.class, WAIT));
        controller.tell(new TrialProtocol.TrialEnded(trialOf(w), 0, true, null, null));
        ResultGrid g = done.get(30, TimeUnit.SECONDS);
        assertEquals(TrialStatus.TERMINATED, g.trials().getFirst().status());
        assertEquals(1, g.size(), "no trial starts after the budget ran out");
    }

    @Test
    void anInterruptRecordsRunningTrialsAsInterruptedAndAbandonsThemAfterTheDeadline() throws Exception {
        start(TuneConfig.builder().numSamples(2), run().withStopGracePeriod(Duration.ofSeconds(5)));
        ResourceManager.Demand d = demand();
        grant(d, "L1");
        String trial = trialOf(started());
        controller.tell(new TuneController.Interrupt("interrupted (test)"));
        assertEquals(new NodeAgent.StopWork("L1"), agent.expectMessageClass(NodeAgent.StopWork.class, WAIT));
        assertFalse(done.isDone(), "it waits for the trial to stop");
        clock.advance(Duration.ofSeconds(16)); // past the grace period + 10 s: the node never answered
        Throwable e = failure();
        ExperimentStoppedException s = assertInstanceOf(ExperimentStoppedException.class, e);
        assertTrue(s.interrupted());
        assertEquals(List.of(trial), s.interruptedTrials());
        assertEquals(JournalEntry.Event.INTERRUPTED, store.journal().getLast().event());
        assertEquals(TrialStatus.INTERRUPTED, store.load().snapshot().trial(trial).status());
    }

    @Test
    void aLostLeaseIsAFailedAttemptRetriedOnANewLease() throws Exception {
        start(TuneConfig.builder().numSamples(1).maxFailures(1), run());
        ResourceManager.Demand d = demand();
        Lease l1 = grant(d, "L1");
        NodeAgent.StartWork w = started();
        assertEquals(0, attemptOf(w));
        d.replyTo().tell(new LeaseReply.Revoked(l1.requestId(), "L1", "node node-a left the cluster"));
        ResourceManager.Demand again = demand();
        assertEquals(1, again.want().count());
        grant(again, "L2");
        NodeAgent.StartWork retry = started();
        assertEquals("L2", retry.leaseId());
        assertEquals(1, attemptOf(retry), "a new attempt");
        ended("trial_00001", 1);
        ResultGrid g = done.get(30, TimeUnit.SECONDS);
        assertEquals(TrialStatus.TERMINATED, g.trials().getFirst().status());
        assertEquals(2, g.trials().getFirst().attempts());
        assertTrue(store.errorText("trial_00001").contains("node node-a left the cluster"));
    }

    @Test
    void anAttemptStoppedBecauseItsLeaseEndedIsNotFinishedAndItsLeaseIsNotReused() throws Exception {
        start(TuneConfig.builder().numSamples(2).maxConcurrentTrials(1).maxFailures(1), run());
        ResourceManager.Demand d = demand();
        Lease l1 = grant(d, "L1");
        NodeAgent.StartWork w = started();
        assertEquals("trial_00001", trialOf(w));
        // the node stopped the attempt because the ResourceManager revoked L1 (a drain's deadline);
        // the attempt's end reaches the controller before the revocation does
        controller.tell(new TrialProtocol.TrialEnded("trial_00001", 0, true, null, null, false, true));
        ResourceManager.Demand again = demand();
        assertEquals(1, again.want().count(), "a new lease is asked for");
        agent.expectNoMessage(Duration.ofMillis(300)); // nothing is started on the revoked L1
        grant(again, "L2");
        NodeAgent.StartWork retry = started();
        assertEquals("L2", retry.leaseId());
        assertEquals("trial_00001", trialOf(retry), "the stopped attempt is retried, not recorded as finished");
        assertEquals(1, attemptOf(retry));
        d.replyTo().tell(new LeaseReply.Revoked(l1.requestId(), "L1", "node node-a is draining")); // late: changes nothing
        ended("trial_00001", 1);
        ended(trialOf(started()), 0);
        ResultGrid g = done.get(30, TimeUnit.SECONDS);
        assertEquals(2, g.count(TrialStatus.TERMINATED));
        assertEquals(2, g.trial("trial_00001").orElseThrow().attempts());
        assertTrue(store.errorText("trial_00001").contains("released or revoked"), store.errorText("trial_00001"));
    }

    @Test
    void aTrialAskedToMoveStopsAtItsNextReportAndRunsAgainFromItsCheckpointWithoutAFailure() throws Exception {
        start(TuneConfig.builder().numSamples(3).maxConcurrentTrials(1).maxFailures(0), run());
        ResourceManager.Demand d = demand();
        Lease l1 = grant(d, "L1");
        assertEquals("trial_00001", trialOf(started()));
        controller.tell(new TrialProtocol.ResultBatch("trial_00001", 0, List.of(new ReportedResult(1, 1, clock.millis(),
                Map.of("loss", 0.5), "checkpoint_000001")), AttemptInbox.of(inbox.ref())));
        assertEquals(new RunnerAck(false), inbox.expectMessageClass(RunnerAck.class, WAIT));
        rm.fishForMessage(WAIT, m -> m.equals(new ResourceManager.SetMovable("L1", true))
                ? org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes.complete()
                : org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes.continueAndIgnore());
        d.replyTo().tell(new LeaseReply.MoveRequested(l1.requestId(), "L1", clock.instant().plusSeconds(60)));
        report("trial_00001", 0, 2, 0.4);
        assertEquals(new RunnerAck(true), inbox.expectMessageClass(RunnerAck.class, WAIT), "it stops at its next report");
        controller.tell(new TrialProtocol.TrialEnded("trial_00001", 0, true, null, null));
        rm.fishForMessage(WAIT, m -> m instanceof ResourceManager.ReleaseLease r && r.leaseId().equals("L1")
                ? org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes.complete()
                : org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes.continueAndIgnore());
        agent.expectNoMessage(Duration.ofMillis(300)); // nothing more runs on L1: its node is being emptied
        grant(demand(), "L2");
        NodeAgent.StartWork again = started();
        assertEquals("L2", again.leaseId());
        assertEquals("trial_00001", trialOf(again), "the moved trial is first in line");
        assertEquals(1, attemptOf(again), "a new attempt");
        TrialPayload p = (TrialPayload) again.payloadObject();
        assertTrue(p.checkpoint() != null && p.checkpoint().endsWith("checkpoint_000001"), "it resumes from its checkpoint: " + p);
        ended("trial_00001", 1);
        // the next trial on L2 is asked to move too, but returns by itself before it sees the stop: it is finished,
        // and L2 goes back instead of to another trial
        NodeAgent.StartWork second = started();
        assertEquals("L2", second.leaseId());
        controller.tell(new TrialProtocol.ResultBatch(trialOf(second), 0, List.of(new ReportedResult(1, 1, clock.millis(),
                Map.of("loss", 0.3), "checkpoint_000001")), AttemptInbox.of(inbox.ref())));
        inbox.expectMessageClass(RunnerAck.class, WAIT);
        d.replyTo().tell(new LeaseReply.MoveRequested(d.want().demandKey(), "L2", clock.instant().plusSeconds(60)));
        ended(trialOf(second), 0);
        rm.fishForMessage(WAIT, m -> m instanceof ResourceManager.ReleaseLease r && r.leaseId().equals("L2")
                ? org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes.complete()
                : org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes.continueAndIgnore());
        agent.expectNoMessage(Duration.ofMillis(300)); // the third trial does not start on L2
        grant(demand(), "L3");
        NodeAgent.StartWork third = started();
        assertEquals("L3", third.leaseId());
        ended(trialOf(third), 0);
        ResultGrid g = done.get(30, TimeUnit.SECONDS);
        assertEquals(3, g.count(TrialStatus.TERMINATED), g.table());
        assertEquals(1, g.trial(trialOf(second)).orElseThrow().attempts(), "it had finished: not run again");
        assertEquals(2, g.trial("trial_00001").orElseThrow().attempts());
        assertEquals(null, g.trial("trial_00001").orElseThrow().error(), "a move is not a failure (maxFailures 0)");
        List<JournalEntry.Event> t1 = store.journal().stream().filter(e -> e.trial().trialId().equals("trial_00001"))
                .map(JournalEntry::event).toList();
        assertEquals(List.of(JournalEntry.Event.CREATED, JournalEntry.Event.STARTED, JournalEntry.Event.REQUEUED,
                JournalEntry.Event.STARTED, JournalEntry.Event.TERMINATED), t1);
    }

    @Test
    void aFullDiskAbortsTheExperimentAndLeavesRunningTrialsResumable() throws Exception {
        start(TuneConfig.builder().numSamples(2), run());
        grant(demand(), "L1");
        String trial = trialOf(started());
        store.failFrom(new IOException("No space left on device"));
        report(trial, 0, 1, 0.5); // its row meets the full disk
        assertEquals(new NodeAgent.StopWork("L1"), agent.expectMessageClass(NodeAgent.StopWork.class, WAIT));
        controller.tell(new TrialProtocol.TrialEnded(trial, 0, true, null, null));
        ExperimentStoppedException s = assertInstanceOf(ExperimentStoppedException.class, failure());
        assertFalse(s.interrupted(), "aborted by an error, not on request");
        assertTrue(s.getMessage().contains("cannot write the experiment directory") && s.getMessage().contains("No space left"),
                s.getMessage());
        assertEquals(List.of(trial), s.interruptedTrials());
    }
}
