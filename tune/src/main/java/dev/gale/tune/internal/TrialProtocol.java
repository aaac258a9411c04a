package dev.gale.tune.internal;

import dev.gale.cluster.ClusterMessage;
import java.util.List;

/**
 * What a running trial attempt (its runner, on whichever node holds its lease) sends the
 * experiment's controller. The controller answers into the attempt's inbox with {@link RunnerAck},
 * {@link ParamMessages.ParamReply} and {@link CheckpointTransfer.Data}.
 *
 * <p>Promises: every message names its trial and attempt; the controller ignores messages of an
 * attempt that is no longer the trial's current running one (a late message of a lost node).
 */
public final class TrialProtocol {
    private TrialProtocol() {
    }

    /** A message from a trial attempt to its controller. */
    public sealed interface ToController extends TuneController.Command, ClusterMessage
            permits ResultBatch, TrialEnded, CheckpointChunk, CheckpointFetch, ParamMessages.ParamRequest,
            ParamMessages.ParamsDrawn {
        /** The trial. */
        String trialId();

        /** The attempt (0 for the first run). */
        int attempt();
    }

    /** Results of one trial attempt, in order; answered with a {@link RunnerAck} to {@code inbox}. */
    public record ResultBatch(String trialId, int attempt, List<ReportedResult> results, AttemptInbox inbox)
            implements ToController {
    }

    /**
     * A trial attempt ended: {@code error} is null when it returned or was stopped;
     * {@code storageFailed} when it ended because the experiment's storage could not be written
     * (its checkpoint met a full disk): then the experiment, not the trial, has failed;
     * {@code leaseEnded} when its node stopped it because the ResourceManager released or revoked
     * its lease ({@link dev.gale.cluster.WorkContext#leaseEnded()}): the lease cannot be used
     * again, and an attempt the controller had not asked to stop did not finish.
     */
    public record TrialEnded(String trialId, int attempt, boolean stopped, String error, String stackTrace,
                             boolean storageFailed, boolean leaseEnded) implements ToController {
        /** An ending that is not a storage failure and not a lease's end. */
        public TrialEnded(String trialId, int attempt, boolean stopped, String error, String stackTrace) {
            this(trialId, attempt, stopped, error, stackTrace, false, false);
        }
    }

    /**
     * A chunk of a checkpoint a node without the experiment's storage sends before the result that
     * names it; the storage writer unpacks it into the trial directory when the last chunk arrives.
     */
    public record CheckpointChunk(String trialId, int attempt, String name, int seq, boolean last, byte[] data)
            implements ToController {
    }

    /** A node without the experiment's storage asks for the checkpoint directory {@code path} (sent to {@code replyTo} in chunks). */
    public record CheckpointFetch(String trialId, int attempt, String path, AttemptInbox replyTo)
            implements ToController {
    }
}
