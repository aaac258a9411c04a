package dev.gale.tune.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gale.cluster.Lease;
import dev.gale.cluster.NodeAgent;
import dev.gale.cluster.WorkEvent;
import dev.gale.tune.Result;
import dev.gale.tune.RunConfig;
import dev.gale.tune.search.Searcher;
import dev.gale.tune.storage.ExperimentStore;
import dev.gale.tune.storage.internal.PlainJson;
import org.apache.pekko.actor.typed.ActorRef;

import java.nio.file.Path;
import java.util.Map;

/**
 * Starts one attempt of a trial on a granted lease: records the start (PENDING → RUNNING, journal
 * first), then sends the node the work with the trial's payload (config, trial directory, the
 * checkpoint to resume from and the iteration count it continues from, and how it may draw its
 * define-by-run parameters itself: {@link Searcher#independentDraw}): as JSON text to a node in
 * another JVM; to a node in this JVM as the object that text would decode to (a
 * {@link PlainJson} copy of the config; the JSON text when the config holds anything else), so
 * a trial sees the same values wherever it runs. Confined to the controller.
 */
final class TrialStarter {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String trainable;
    private final RunConfig run;
    private final ExperimentStore store;
    private final TrialLifecycle lifecycle;
    private final ActorRef<TuneController.Command> owner;
    private final ActorRef<WorkEvent> events;
    private final String workPrefix;
    private final Searcher searcher;

    /**
     * @param workPrefix prefix of the work ids, unique in the cluster (the lease holder's id), so that
     *                   two experiments' {@code trial_00001} never share a work id on a node
     */
    TrialStarter(String trainable, RunConfig run, ExperimentStore store, TrialLifecycle lifecycle,
                 ActorRef<TuneController.Command> owner, ActorRef<WorkEvent> events, String workPrefix, Searcher searcher) {
        this.trainable = trainable;
        this.run = run;
        this.store = store;
        this.lifecycle = lifecycle;
        this.owner = owner;
        this.events = events;
        this.workPrefix = workPrefix;
        this.searcher = searcher;
    }

    /** Runs the PENDING trial {@code t} on {@code lease}. */
    void start(TrialRecord t, Lease lease) {
        t.lease = lease;
        t.stopRequested = false;
        t.pauseRequested = false;
        t.moveRequested = false;
        lifecycle.started(t, lease.nodeId(), lease.allocation().cudaVisibleDevices());
        Result ck = t.checkpointResult;
        Path dir = store.trialDir(t.id);
        TrialPayload p = new TrialPayload(t.id, t.attempt, trainable, t.config, dir.toString(),
                t.checkpoint == null ? null : dir.resolve(t.checkpoint).toString(),
                ck == null ? 0 : ck.iteration(), ck == null ? 0 : ck.timeTotalS(),
                run.isolation(), run.stopGracePeriod().toMillis(), run.stopOnGpuMemoryOverBudget(), store.token(),
                searcher.independentDraw(t.id));
        t.workId = workPrefix + "/" + t.id + "#" + (++t.runs);
        // a node in this JVM gets the payload as JSON would give it back, without the text
        Map<String, Object> plain = lease.agent().path().address().hasLocalScope() ? PlainJson.copyOf(p.config()) : null;
        lease.agent().tell(plain != null
                ? new NodeAgent.StartWork(t.workId, lease.leaseId(), lease.allocation(), TrialRunner.class.getName(), null, owner,
                events, p.withConfig(plain))
                : new NodeAgent.StartWork(t.workId, lease.leaseId(), lease.allocation(), TrialRunner.class.getName(), json(p),
                owner, events));
    }

    private static String json(TrialPayload p) {
        try {
            return JSON.writeValueAsString(p);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode the payload of " + p.trialId() + " (its config was checked when it was made): " + e, e);
        }
    }
}
