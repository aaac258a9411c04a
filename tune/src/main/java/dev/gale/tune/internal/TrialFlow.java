package dev.gale.tune.internal;

import dev.gale.cluster.Bundle;
import dev.gale.cluster.Lease;
import dev.gale.cluster.LeasePool;
import dev.gale.cluster.NodeAgent;
import dev.gale.tune.TrialStatus;
import dev.gale.tune.TuneConfig;
import dev.gale.tune.schedulers.Decision;
import dev.gale.tune.schedulers.TrialScheduler;
import dev.gale.tune.storage.ExperimentStore;
import org.slf4j.Logger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which trial runs on which lease, and what an ended attempt becomes: asks the lease pool for as
 * many leases as trials could start now, starts the next trial on each lease granted (or on the
 * lease a finished trial gives up, when no other experiment waits), and turns each attempt's end
 * into its transition (TERMINATED, PAUSED, a PBT exploit, a retry, ERROR, or INTERRUPTED when the
 * experiment is being stopped). Also stops the experiment: the time budget (trials end
 * TERMINATED), an interruption or an abort (running trials end INTERRUPTED, resumable). Confined
 * to the controller.
 */
final class TrialFlow {
    /** How the experiment is going. */
    enum Phase {
        /** Trials start as leases come. */
        RUNNING,
        /** The time budget ran out: running trials are stopped and end TERMINATED. */
        STOPPING,
        /** Interrupted (Ctrl-C, SIGTERM) or aborted (an error): running trials end INTERRUPTED. */
        INTERRUPTING
    }

    private static final String DEMAND = "trials";

    private final TuneConfig cfg;
    private final TrialLifecycle lifecycle;
    private final TrialSource source;
    private final TrialStarter starter;
    private final LeasePool pool;
    private final ExperimentStore store;
    private final CheckpointRetention retention;
    private final Bundle bundle;
    private final Duration pendingTimeout;
    private final Logger log;
    private final Map<String, TrialRecord> byLease = new HashMap<>();
    /** Leases the ResourceManager was told are movable (their trial has a checkpoint to resume from). */
    private final Set<String> movable = new HashSet<>();
    /** Leases the ResourceManager asked to move off (their node is being emptied): never handed to another trial. */
    private final Set<String> leaving = new HashSet<>();
    private Phase phase = Phase.RUNNING;
    private String stopReason;
    private int running;
    private boolean warnedResumeWithoutCheckpoint;

    TrialFlow(TuneConfig cfg, TrialLifecycle lifecycle, TrialSource source, TrialStarter starter, LeasePool pool,
              ExperimentStore store, CheckpointRetention retention, Bundle bundle, Duration pendingTimeout, Logger log) {
        this.cfg = cfg;
        this.lifecycle = lifecycle;
        this.source = source;
        this.starter = starter;
        this.pool = pool;
        this.store = store;
        this.retention = retention;
        this.bundle = bundle;
        this.pendingTimeout = pendingTimeout;
        this.log = log;
    }

    Phase phase() {
        return phase;
    }

    /** Why the experiment stops early (the interruption or the abort), or null. */
    String stopReason() {
        return stopReason;
    }

    int running() {
        return running;
    }

    /** The running trial that holds {@code leaseId}, or null. */
    TrialRecord onLease(String leaseId) {
        return byLease.get(leaseId);
    }

    // ------------------------------------------------------------------ starting

    /**
     * Updates the lease demand to the trials that could start now (0 once the experiment stops):
     * at once when it grows or drops to 0; a smaller, non-zero demand waits for the next
     * {@link #tick()} (a lease granted meanwhile still finds a trial to run), so that a lease
     * handed from trial to trial costs no message to the ResourceManager.
     */
    void fill() {
        updateDemand(false);
    }

    /** Tells the lease pool the exact demand (called on the controller's periodic tick). */
    void tick() {
        updateDemand(true);
    }

    private void updateDemand(boolean exact) {
        if (phase == Phase.RUNNING && source.waiting()) {
            TrialRecord t = source.newTrial(); // the searcher may have something now: bind it early
            if (t != null) source.enqueue(t, false);
        }
        int want = 0;
        if (phase == Phase.RUNNING) {
            int limit = cfg.maxConcurrentTrials();
            want = source.startable();
            if (limit > 0) want = Math.min(want, Math.max(0, limit - running));
        }
        int told = pool.wanted(DEMAND);
        if (want > told || want == 0 && told != 0 || exact && want != told) pool.want(DEMAND, bundle, want, pendingTimeout);
    }

    /** A lease was granted: the next trial runs on it, or it goes back when none can start. */
    void granted(Lease lease) {
        if (phase != Phase.RUNNING || !startNext(lease)) pool.release(lease);
        fill();
    }

    private boolean startNext(Lease lease) {
        TrialRecord t = source.next();
        if (t == null) return false;
        starter.start(t, lease);
        running++;
        byLease.put(lease.leaseId(), t);
        markMovable(lease, false); // until this attempt saves a checkpoint: a resumed trial is not moved again at once
        return true;
    }

    /**
     * Tells the ResourceManager whether the work on {@code lease} can move (its trial has a
     * checkpoint to resume from), when that changed.
     */
    private void markMovable(Lease lease, boolean m) {
        if (m ? movable.add(lease.leaseId()) : movable.remove(lease.leaseId())) pool.setMovable(lease, m);
    }

    /** {@code t} saved a checkpoint in its running attempt: the work on its lease can move from now on. */
    void checkpointed(TrialRecord t) {
        if (t.lease != null && byLease.get(t.lease.leaseId()) == t) markMovable(t.lease, true);
    }

    /**
     * The ResourceManager is emptying the node of {@code lease} and asks to move its work: the
     * trial stops at its next report and runs again from its checkpoint on another lease (a new
     * attempt, not a failure); past the deadline the lease is revoked, with the same outcome.
     */
    void moveRequested(Lease lease) {
        TrialRecord t = byLease.get(lease.leaseId());
        if (t == null) {
            movable.remove(lease.leaseId());
            pool.release(lease);
            return;
        }
        leaving.add(lease.leaseId()); // whatever becomes of t, its lease goes back when it ends
        if (phase != Phase.RUNNING || t.stopRequested) return; // ending anyway
        log.info("{} moves: its node {} is being emptied; it stops at its next report and resumes elsewhere from its checkpoint",
                t.id, lease.nodeId());
        t.stopRequested = true;
        t.moveRequested = true;
    }

    /**
     * Hands a lease freed by an ended attempt straight to the next trial (all trials lease the same
     * bundle, as Ray reuses actors: no release/grant round trip), unless other experiments wait
     * for resources or no trial can start within the concurrency limit; else gives it back.
     */
    private void reuseOrRelease(Lease lease) {
        if (lease == null) return;
        int limit = cfg.maxConcurrentTrials();
        boolean leave = leaving.remove(lease.leaseId());
        if (!leave && phase == Phase.RUNNING && pool.reuseAllowed() && (limit == 0 || running < limit) && startNext(lease)) return;
        movable.remove(lease.leaseId());
        pool.release(lease);
    }

    // ------------------------------------------------------------------ endings

    /**
     * The attempt running on {@code t} ended on its node ({@code error} null: returned or stopped).
     * With {@code leaseEnded} the ResourceManager had released or revoked its lease first (the
     * node stopped it, or refused to start it): the lease is not used again, and an attempt nobody
     * asked to stop failed, as one whose node was lost — it is never recorded as finished,
     * whichever of the two messages (the attempt's end, the lease's loss) came first. An attempt
     * asked to move that stopped ({@code stopped}: it saw the stop) or lost its lease runs again
     * from its checkpoint (a new attempt, not a failure); one that returned by itself first is
     * finished as usual, and its lease goes back all the same.
     */
    void ended(TrialRecord t, String error, String detail, boolean leaseEnded, boolean stopped) {
        if (t.moveRequested && phase == Phase.RUNNING && !t.interruptRequested && (leaseEnded || stopped && error == null)) {
            Lease freed = detach(t); // it stopped to move (or its node stopped it): not finished, not failed
            moved(t, leaseEnded ? null : freed);
            return;
        }
        if (leaseEnded && error == null
                && !(t.stopRequested || t.interruptRequested || t.pauseRequested || t.exploit != null || t.failOnEnd != null)) {
            String why = "stopped by its node: lease " + (t.lease == null ? "?" : t.lease.leaseId())
                    + " was released or revoked by the ResourceManager (a node's drain deadline, or the cluster lost this driver)";
            failedWithoutLease(t, why, detail == null ? why : detail);
        } else {
            finish(t, error, detail, !leaseEnded);
        }
    }

    private void finish(TrialRecord t, String error, String detail, boolean reuseLease) {
        Lease freed = detach(t);
        if (t.interruptRequested) {
            lifecycle.interrupted(t);
        } else if (t.failOnEnd != null) {
            lifecycle.errored(t, t.failOnEnd, null);
        } else if (error == null) {
            if (t.exploit != null && phase == Phase.RUNNING) {
                applyExploit(t);
            } else if (t.pauseRequested && phase == Phase.RUNNING) {
                lifecycle.paused(t);
                source.paused.put(t.id, t);
            } else {
                lifecycle.terminated(t);
            }
        } else {
            failed(t, error, detail);
        }
        afterEnd(reuseLease ? freed : null);
    }

    /** {@code t} stopped to move: its lease goes back (its node is being emptied) and it waits for another, first in line. */
    private void moved(TrialRecord t, Lease freed) {
        if (freed != null) {
            movable.remove(freed.leaseId());
            leaving.remove(freed.leaseId());
            pool.release(freed);
        }
        lifecycle.moved(t);
        source.enqueue(t, true);
        afterEnd(null);
    }

    /** The lease of the running trial {@code t} was lost with its node: the attempt failed (or was interrupted). */
    void lost(TrialRecord t, String reason, String detail) {
        if (t.lease != null) {
            movable.remove(t.lease.leaseId());
            leaving.remove(t.lease.leaseId());
        }
        if (t.moveRequested && phase == Phase.RUNNING && !t.interruptRequested) {
            detach(t);
            moved(t, null);
        } else if (t.interruptRequested) {
            detach(t);
            lifecycle.interrupted(t);
            afterEnd(null);
        } else {
            failedWithoutLease(t, "node lost: " + reason, detail);
        }
    }

    /** The attempt of {@code t} failed and its lease is gone (nothing to release or reuse). */
    private void failedWithoutLease(TrialRecord t, String error, String detail) {
        detach(t);
        failed(t, error, detail);
        afterEnd(null);
    }

    private void failed(TrialRecord t, String error, String detail) {
        boolean retry = phase == Phase.RUNNING && (cfg.maxFailures() == -1 || t.failures + 1 <= cfg.maxFailures());
        lifecycle.attemptFailed(t, error, detail, retry);
        if (retry) source.enqueue(t, true);
    }

    private void afterEnd(Lease freed) {
        planPaused(false);
        reuseOrRelease(freed);
        fill();
    }

    private Lease detach(TrialRecord t) {
        Lease l = t.lease;
        if (l != null) byLease.remove(l.leaseId());
        t.lease = null;
        running--;
        return l;
    }

    /**
     * Restarts a trial with the exploit's config from the donor's latest checkpoint (pinned against
     * retention until the trial has one of its own); its iteration count continues from it.
     */
    private void applyExploit(TrialRecord t) {
        Decision.Exploit x = t.exploit;
        t.exploit = null;
        TrialRecord donor = lifecycle.get(x.donorTrialId());
        lifecycle.paused(t);
        try {
            lifecycle.configChanged(t, x.config());
        } catch (RuntimeException e) {
            log.warn("exploit of {}: the scheduler rejected its new config: {}", t.id, e.toString());
        }
        if (t.borrowedCheckpoint != null) retention.unpin(t.borrowedCheckpoint);
        // the donor's latest: when the donor has not written one since its own exploit, the one it
        // borrowed, pinned under the trial that wrote it (the donor's first own checkpoint unpins its borrow)
        String ref = donor.resumeCheckpointRef();
        int slash = ref.indexOf('/');
        String owner = ref.substring(0, slash);
        String name = ref.substring(slash + 1);
        retention.pin(owner, name);
        t.borrowedCheckpoint = ref;
        t.checkpoint = store.trialDir(owner).resolve(name).toString();
        t.checkpointResult = donor.checkpointResult;
        lifecycle.requeued(t);
        source.enqueue(t, false);
    }

    /** Asks the scheduler which paused trials to resume and which to end ({@code idle}: nothing else can run). */
    private void planPaused(boolean idle) {
        if (source.paused.isEmpty() || phase != Phase.RUNNING) return;
        TrialScheduler.PausedPlan plan;
        try {
            plan = cfg.scheduler().planPaused(new ArrayList<>(source.paused.keySet()), idle);
        } catch (RuntimeException e) {
            stop(Phase.INTERRUPTING, "scheduler " + cfg.scheduler().name() + " failed to plan paused trials: " + e);
            return;
        }
        for (String id : plan.resume()) {
            TrialRecord t = source.paused.remove(id);
            if (t == null) continue;
            if (t.checkpoint == null && !warnedResumeWithoutCheckpoint) {
                warnedResumeWithoutCheckpoint = true;
                log.warn("{} resumes from its start: it paused without a checkpoint (report one with"
                        + " its results to continue where it paused); said once per experiment", t.id);
            }
            lifecycle.requeued(t);
            source.enqueue(t, false);
        }
        for (String id : plan.stop()) {
            TrialRecord t = source.paused.remove(id);
            if (t != null) lifecycle.terminated(t);
        }
    }

    // ------------------------------------------------------------------ stopping and finishing

    /**
     * Stops starting trials. {@link Phase#STOPPING} (the time budget): queued and paused trials end
     * TERMINATED and running ones are stopped. {@link Phase#INTERRUPTING}: queued and paused trials
     * stay as they are (a resume runs them) and running ones are stopped and end INTERRUPTED.
     */
    void stop(Phase how, String reason) {
        if (phase == Phase.INTERRUPTING || phase == how) return;
        phase = how;
        if (reason != null && stopReason == null) stopReason = reason;
        fill();
        if (how == Phase.STOPPING) {
            for (TrialRecord t : source.queued()) {
                if (t.status == TrialStatus.PENDING) lifecycle.terminated(t);
            }
            source.clearQueued();
            for (TrialRecord t : new ArrayList<>(source.paused.values())) lifecycle.terminated(t);
            source.paused.clear();
        }
        for (TrialRecord t : lifecycle.all()) {
            if (t.status != TrialStatus.RUNNING) continue;
            if (how == Phase.INTERRUPTING) t.interruptRequested = true;
            else t.stopRequested = true;
            if (t.lease != null) t.lease.agent().tell(new NodeAgent.StopWork(t.lease.leaseId()));
        }
    }

    /** Ends every attempt still running as INTERRUPTED without waiting for its node (the stop's deadline passed). */
    void abandonRunning() {
        for (TrialRecord t : new ArrayList<>(lifecycle.all())) {
            if (t.status != TrialStatus.RUNNING) continue;
            log.warn("{} did not stop within the deadline; recorded as INTERRUPTED", t.id);
            Lease l = detach(t);
            if (l != null) pool.release(l);
            t.interruptRequested = true;
            lifecycle.interrupted(t);
        }
    }

    /**
     * True when the experiment is over: nothing runs and nothing can start (paused trials the
     * scheduler will not resume then end TERMINATED), or it stops and nothing runs any more.
     */
    boolean over() {
        if (running > 0) return false;
        if (phase != Phase.RUNNING) return true;
        if (source.failure() != null) {
            stop(Phase.INTERRUPTING, source.failure());
            return true;
        }
        if (!source.drained()) return false;
        if (!source.paused.isEmpty()) {
            planPaused(true);
            if (!source.drained()) {
                fill();
                return false;
            }
            for (TrialRecord t : new ArrayList<>(source.paused.values())) { // nothing else can happen: end them
                log.warn("{} stays paused with nothing left to run: ending it", t.id);
                lifecycle.terminated(t);
            }
            source.paused.clear();
        }
        return true;
    }

    /** The trials that were interrupted in this run. */
    List<String> interrupted() {
        List<String> out = new ArrayList<>();
        for (TrialRecord t : lifecycle.all()) if (t.status == TrialStatus.INTERRUPTED) out.add(t.id);
        return out;
    }
}
