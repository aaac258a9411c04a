package dev.gale.tune.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.gale.cluster.ClusterMessage;
import dev.gale.cluster.Lease;
import dev.gale.cluster.LeaseReply;
import dev.gale.cluster.NodeAgent;
import dev.gale.cluster.ResourceManager;
import dev.gale.cluster.WorkEvent;
import dev.gale.gpu.ResourceSpec;
import dev.gale.tune.Mode;
import dev.gale.tune.Result;
import dev.gale.tune.ResultGrid;
import dev.gale.tune.RunConfig;
import dev.gale.tune.Stopper;
import dev.gale.tune.TrialStatus;
import dev.gale.tune.TrialSummary;
import dev.gale.tune.TuneConfig;
import dev.gale.tune.schedulers.Decision;
import dev.gale.tune.search.Suggestion;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The experiment's controller: an actor that reacts to suggestions, lease grants, results,
 * completions and failures. Searcher and scheduler are called from here only.
 *
 * <p>Every trial transition goes through {@link TrialRecord#moveTo}, which checks it. The
 * controller completes {@code done} with the {@link ResultGrid} when no trial is left to run.
 */
public final class TuneController extends AbstractBehavior<TuneController.Command> {

    /** Messages of the controller. */
    public interface Command {
    }

    private record WrappedLease(LeaseReply reply) implements Command {
    }

    private record WrappedWork(WorkEvent event) implements Command {
    }

    private enum Tick implements Command { INSTANCE }

    /**
     * Everything the controller needs to run an experiment.
     *
     * @param group     the fairness group of its lease requests (the experiment's name)
     * @param placement how its trials are placed across nodes
     * @param restored  the interrupted run to continue, or null for a new experiment
     * @param launch    what the caller wants recorded in the snapshot to launch it again (may be empty)
     */
    public record Setup(TuneConfig tune, RunConfig run, ResourceSpec resources, String trainable,
                        ActorRef<ResourceManager.Command> resourceManager, ExperimentStorage storage,
                        ProgressReporter reporter, CompletableFuture<ResultGrid> done, String group,
                        dev.gale.cluster.Placement placement, ExperimentRestore restored, Map<String, Object> launch) {
        public Setup {
            if (group == null) group = "";
            if (placement == null) placement = dev.gale.cluster.Placement.PACK;
            launch = launch == null ? Map.of() : launch;
        }

        /** A new experiment, packed, in group {@code run.name()}. */
        public Setup(TuneConfig tune, RunConfig run, ResourceSpec resources, String trainable,
                     ActorRef<ResourceManager.Command> resourceManager, ExperimentStorage storage,
                     ProgressReporter reporter, CompletableFuture<ResultGrid> done) {
            this(tune, run, resources, trainable, resourceManager, storage, reporter, done, run.name(), null, null, null);
        }
    }

    private static final int UNLIMITED_OUTSTANDING = 2;

    private final Setup s;
    private final TuneConfig cfg;
    private final String metric;
    private final Mode mode;
    private final ActorRef<LeaseReply> leaseAdapter;
    private final ActorRef<WorkEvent> workAdapter;
    private final LinkedHashMap<String, TrialRecord> trials = new LinkedHashMap<>();
    private final ArrayDeque<TrialRecord> retryQueue = new ArrayDeque<>();
    /** Trials paused by the scheduler, in pause order, until its {@code planPaused} resumes or ends them. */
    private final LinkedHashMap<String, TrialRecord> paused = new LinkedHashMap<>();
    private final Map<String, TrialRecord> byRequest = new HashMap<>();
    private final Map<String, TrialRecord> byLease = new HashMap<>();
    private final long planned;
    private final long startNanos;
    private final long deadlineNanos;
    private final Stopper[] stoppers;
    private long created;
    private int running;
    private boolean searcherFinished;
    private boolean searcherWaiting;
    private boolean stopping;
    private String abortReason;
    private boolean dirty;
    /** Whether other experiments wait for resources (then freed leases go back to the ResourceManager). */
    private boolean contended;

    /** The controller's behavior. */
    public static Behavior<Command> create(Setup setup) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> new TuneController(ctx, timers, setup)));
    }

    private TuneController(ActorContext<Command> ctx, TimerScheduler<Command> timers, Setup s) {
        super(ctx);
        this.s = s;
        this.cfg = s.tune();
        this.metric = cfg.metric();
        this.mode = cfg.mode() == null ? Mode.MAX : cfg.mode();
        this.leaseAdapter = ctx.messageAdapter(LeaseReply.class, WrappedLease::new);
        this.workAdapter = ctx.messageAdapter(WorkEvent.class, WrappedWork::new);
        this.planned = cfg.searcher().plannedTrials(cfg.numSamples());
        this.startNanos = System.nanoTime() - (s.restored() == null ? 0 : (long) (s.restored().elapsedS() * 1e9));
        this.deadlineNanos = cfg.timeBudget() == null ? Long.MAX_VALUE : startNanos + cfg.timeBudget().toNanos();
        this.stoppers = cfg.stoppers().toArray(new Stopper[0]);
        timers.startTimerWithFixedDelay(Tick.INSTANCE, Duration.ofMillis(Math.min(s.run().progressMillis(), 1000)));
        if (s.restored() != null) restore(s.restored());
        ctx.getSelf().tell(Kick.INSTANCE);
    }

    /**
     * Takes over the trials of an interrupted run: finished ones stay finished (those that ended
     * after the last snapshot are told to the searcher and scheduler, whose saved state predates
     * their end), paused ones wait for the scheduler's plan, the others run again from their last
     * checkpoint as a new attempt that is not counted as a failure.
     */
    private void restore(ExperimentRestore r) {
        for (ExperimentRestore.TrialState ts : r.trials()) {
            TrialRecord t = new TrialRecord(ts.id(), new LinkedHashMap<>(ts.config()));
            t.attempt = Math.max(0, ts.attempts() - 1);
            t.failures = ts.failures();
            t.checkpoint = ts.checkpoint();
            t.checkpointResult = ts.checkpointResult();
            t.last = ts.last();
            t.best = ts.best();
            t.error = ts.error();
            trials.put(t.id, t);
            switch (ts.status()) {
                case TERMINATED, ERROR -> {
                    t.status = ts.status();
                    if (ts.endedAfterSnapshot()) safeComplete(t, ts.status() == TrialStatus.ERROR);
                }
                case PAUSED -> {
                    t.status = TrialStatus.PAUSED;
                    paused.put(t.id, t);
                }
                default -> {
                    t.status = TrialStatus.PENDING;
                    t.attempt++;
                    retryQueue.addLast(t);
                }
            }
        }
        created = trials.size();
        dirty = true;
        getContext().getLog().info("restored {} trials: {} to run again from their checkpoints, {} paused",
                trials.size(), retryQueue.size(), paused.size());
    }

    private enum Kick implements Command { INSTANCE }

    /** This behavior, or stopped once the experiment has finished. */
    private Behavior<Command> next() {
        return finished ? Behaviors.stopped() : this;
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(TrialProtocol.ResultBatch.class, this::onResults)
                .onMessage(TrialProtocol.TrialEnded.class, this::onEnded)
                .onMessage(WrappedLease.class, this::onLease)
                .onMessage(WrappedWork.class, this::onWork)
                .onMessage(ParamMessages.ParamRequest.class, this::onParam)
                .onMessage(TrialProtocol.CheckpointChunk.class, this::onCheckpointChunk)
                .onMessage(TrialProtocol.CheckpointFetch.class, this::onCheckpointFetch)
                .onMessageEquals(Tick.INSTANCE, this::onTick)
                .onMessageEquals(Kick.INSTANCE, () -> {
                    fill();
                    maybeFinish();
                    return next();
                })
                .build();
    }

    // ---------------------------------------------------------------- starting trials

    private int activeLimit() {
        return cfg.maxConcurrentTrials();
    }

    private void fill() {
        while (!stopping) {
            int outstanding = byRequest.size();
            int limit = activeLimit();
            if (limit > 0 && running + outstanding >= limit) return;
            if (limit == 0 && outstanding >= UNLIMITED_OUTSTANDING) return;
            TrialRecord t = retryQueue.poll();
            if (t == null) t = newTrial();
            if (t == null) return;
            requestLease(t);
        }
    }

    private TrialRecord newTrial() {
        if (searcherFinished || created >= planned) return null;
        String id = trialId(created + 1);
        Suggestion sug;
        try {
            sug = cfg.searcher().suggest(id);
        } catch (RuntimeException e) {
            abort("searcher " + cfg.searcher().name() + " failed: " + e);
            return null;
        }
        if (sug instanceof Suggestion.Wait) {
            searcherWaiting = true;
            return null;
        }
        searcherWaiting = false;
        if (sug instanceof Suggestion.Finished) {
            searcherFinished = true;
            return null;
        }
        Map<String, Object> config = ((Suggestion.Config) sug).config();
        created++;
        byte[] params;
        try {
            params = ExperimentStorage.JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(config);
        } catch (JsonProcessingException e) {
            // keep a JSON-safe stand-in, so that the state snapshot (and the rest of the experiment) can still be written
            Map<String, Object> safe = jsonSafe(config);
            TrialRecord t = new TrialRecord(id, safe);
            trials.put(id, t);
            dirty = true;
            byte[] stand;
            try {
                stand = ExperimentStorage.JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(safe);
            } catch (JsonProcessingException impossible) {
                stand = "{}".getBytes();
            }
            s.storage().trialCreated(id, stand);
            failNow(t, "config of " + id + " cannot be serialized to JSON (" + e.getOriginalMessage()
                    + "): sample plain values (numbers, strings, booleans, lists, maps) in the search space");
            return newTrial();
        }
        TrialRecord t = new TrialRecord(id, config);
        trials.put(id, t);
        dirty = true;
        s.storage().trialCreated(id, params);
        try {
            cfg.scheduler().onTrialAdd(id);
            cfg.scheduler().onTrialConfig(id, config);
        } catch (RuntimeException e) {
            failNow(t, "scheduler " + cfg.scheduler().name() + " rejected the trial: " + e);
            return newTrial();
        }
        return t;
    }

    /** {@code config} with every value JSON cannot carry replaced by a description of it. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> jsonSafe(Map<String, ?> config) {
        return (Map<String, Object>) jsonSafeValue(config, 0);
    }

    private static Object jsonSafeValue(Object v, int depth) {
        if (v == null || v instanceof String || v instanceof Boolean) return v;
        if (v instanceof Number n) {
            if (v instanceof Double d && !Double.isFinite(d) || v instanceof Float f && !Float.isFinite(f)) return v.toString();
            return n.getClass().getName().startsWith("java.") ? n : n.toString();
        }
        if (depth < 32 && v instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : m.entrySet()) out.put(String.valueOf(e.getKey()), jsonSafeValue(e.getValue(), depth + 1));
            return out;
        }
        if (depth < 32 && v instanceof List<?> l) {
            List<Object> out = new ArrayList<>(l.size());
            for (Object o : l) out.add(jsonSafeValue(o, depth + 1));
            return out;
        }
        return "<not serializable: " + v.getClass().getName() + ">";
    }

    static String trialId(long n) {
        String num = Long.toString(n);
        return "trial_" + "00000".substring(Math.min(5, num.length())) + num;
    }

    private void requestLease(TrialRecord t) {
        String rid = t.id + "#" + t.attempt;
        byRequest.put(rid, t);
        s.resourceManager().tell(new ResourceManager.RequestLease(rid, s.resources(), leaseAdapter, s.group(), s.placement()));
    }

    private Behavior<Command> onLease(WrappedLease w) {
        if (w.reply() instanceof LeaseReply.Granted g) {
            Lease lease = g.lease();
            TrialRecord t = byRequest.remove(lease.requestId());
            if (t == null || stopping || t.status != TrialStatus.PENDING) {
                s.resourceManager().tell(new ResourceManager.ReleaseLease(lease.leaseId()));
            } else {
                start(t, lease);
            }
            fill();
        } else if (w.reply() instanceof LeaseReply.Contention c) {
            contended = c.othersWaiting();
        } else if (w.reply() instanceof LeaseReply.Revoked r) {
            TrialRecord t = byLease.get(r.leaseId());
            if (t != null && t.lease != null && t.lease.leaseId().equals(r.leaseId()) && t.status == TrialStatus.RUNNING) {
                detach(t); // nothing to release or reuse: the node is gone
                attemptFailed(t, "node lost: " + r.reason(), "lease " + r.leaseId() + " revoked: " + r.reason());
                fill(); // the retry asks for a lease on another node now
            }
        }
        maybeFinish();
        return next();
    }

    private void start(TrialRecord t, Lease lease) {
        t.lease = lease;
        t.stopRequested = false;
        t.pauseRequested = false;
        t.moveTo(TrialStatus.RUNNING);
        running++;
        dirty = true;
        byLease.put(lease.leaseId(), t);
        Result ck = t.checkpointResult;
        TrialPayload p = new TrialPayload(t.id, t.attempt, s.trainable(), t.config,
                s.storage().trialDir(t.id).toString(),
                t.checkpoint == null ? null : s.storage().trialDir(t.id).resolve(t.checkpoint).toString(),
                ck == null ? 0 : ck.iteration(), ck == null ? 0 : ck.timeTotalS(),
                s.run().isolation(), s.run().stopGracePeriod().toMillis(), s.run().stopOnGpuMemoryOverBudget(),
                s.storage().token());
        String payload;
        try {
            payload = ExperimentStorage.JSON.writeValueAsString(p);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode trial payload", e);
        }
        t.workId = t.id + "#" + (++t.runs);
        lease.agent().tell(new NodeAgent.StartWork(t.workId, lease.leaseId(), lease.allocation(), TrialRunner.class.getName(),
                payload, getContext().getSelf(), workAdapter));
    }

    // ---------------------------------------------------------------- results

    private Behavior<Command> onResults(TrialProtocol.ResultBatch b) {
        TrialRecord t = trials.get(b.trialId());
        boolean stop;
        if (t == null || t.attempt != b.attempt() || t.status != TrialStatus.RUNNING) {
            stop = true;
        } else {
            List<ReportedResult> rs = b.results();
            for (int i = 0, n = rs.size(); i < n && !t.stopRequested; i++) {
                handleResult(t, rs.get(i));
            }
            stop = t.stopRequested;
            if (t.inbox == null) t.inbox = b.inbox();
        }
        b.inbox().tell(new RunnerAck(stop));
        if (searcherWaiting) fill();
        return this;
    }

    private void handleResult(TrialRecord t, ReportedResult rr) {
        String problem = validate(rr);
        if (problem != null) {
            failAfterStop(t, problem);
            return;
        }
        Result r = new Result(t.id, rr.iteration(), rr.timeTotalS(), rr.timestamp(), rr.metrics());
        t.last = r;
        if (rr.checkpoint() != null) {
            t.checkpoint = rr.checkpoint();
            t.checkpointResult = r;
        }
        if (metric != null && (t.best == null || mode.better(r.metric(metric), t.best.metric(metric)))) t.best = r;
        t.attributes = cfg.searcher().trialAttributes(t.id);
        s.storage().result(t.id, row(t, rr, t.attributes));
        try {
            cfg.searcher().onTrialResult(t.id, r);
        } catch (RuntimeException e) {
            failAfterStop(t, "searcher " + cfg.searcher().name() + " failed on this result: " + e);
            return;
        }
        for (Stopper st : stoppers) {
            if (st.shouldStop(r)) {
                t.stopRequested = true;
                return;
            }
        }
        Decision d;
        try {
            d = cfg.scheduler().onTrialResult(t.id, r);
        } catch (RuntimeException e) {
            failAfterStop(t, e.getMessage() == null ? e.toString() : e.getMessage());
            return;
        }
        if (d instanceof Decision.Stop) {
            t.stopRequested = true;
        } else if (d instanceof Decision.Pause) {
            t.stopRequested = true;
            t.pauseRequested = true;
        } else if (d instanceof Decision.Exploit x) {
            TrialRecord donor = trials.get(x.donorTrialId());
            if (donor != null && donor != t && donor.checkpoint != null) {
                t.stopRequested = true;
                t.exploit = x;
            }
        }
    }

    private String validate(ReportedResult rr) {
        Map<String, Object> m = rr.metrics();
        if (metric != null && !Result.TRAINING_ITERATION.equals(metric) && !Result.TIME_TOTAL_S.equals(metric)
                && !m.containsKey(metric)) {
            return "metric '" + metric + "' is missing from result " + rr.iteration() + ", which has " + m.keySet()
                    + ": report it from the trainable, or set TuneConfig.metric to one of those";
        }
        for (Map.Entry<String, Object> e : m.entrySet()) {
            String problem = validateValue(e.getKey(), e.getValue(), rr.iteration(), 0);
            if (problem != null) return problem;
        }
        return null;
    }

    /** Checks one value of a result, and the values nested in its maps and lists. */
    private static String validateValue(String name, Object v, long iteration, int depth) {
        if (v instanceof Double d && !Double.isFinite(d) || v instanceof Float f && !Float.isFinite(f)) {
            return "metric '" + name + "' = " + v + " in result " + iteration
                    + ": results must be finite numbers (diverged training? lower the learning rate or guard the value)";
        }
        if (v != null && !(v instanceof Number || v instanceof String || v instanceof Boolean
                || v instanceof Map || v instanceof List)) {
            return "metric '" + name + "' has type " + v.getClass().getName() + " in result " + iteration
                    + ": report numbers, strings, booleans, lists or maps (convert tensors with getFloat())";
        }
        if (depth >= 32 && (v instanceof Map || v instanceof List)) {
            return "metric '" + name + "' is nested more than 32 levels deep in result " + iteration
                    + " (a map or list that contains itself?): report plain values";
        }
        if (v instanceof Map<?, ?> sub) {
            for (Map.Entry<?, ?> e : sub.entrySet()) {
                String p = validateValue(name + "." + e.getKey(), e.getValue(), iteration, depth + 1);
                if (p != null) return p;
            }
        } else if (v instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                String p = validateValue(name + "[" + i + "]", list.get(i), iteration, depth + 1);
                if (p != null) return p;
            }
        }
        return null;
    }

    /** A result as the grid shows it: as its row in result.jsonl, with the searcher's attributes (never overwriting). */
    private static Map<String, Object> withAttributes(Result r, Map<String, Object> attributes) {
        Map<String, Object> m = ResultGrid.flatten(r);
        if (r == null || attributes.isEmpty()) return m;
        Map<String, Object> out = new LinkedHashMap<>(m);
        for (Map.Entry<String, Object> a : attributes.entrySet()) out.putIfAbsent(a.getKey(), a.getValue());
        return java.util.Collections.unmodifiableMap(out);
    }

    /** A result row: the metrics, the automatic fields, then the searcher's attributes of the trial (never overwriting). */
    private static Map<String, Object> row(TrialRecord t, ReportedResult rr, Map<String, Object> attributes) {
        Map<String, Object> row = new LinkedHashMap<>(rr.metrics().size() + 6 + attributes.size());
        row.putAll(rr.metrics());
        row.put(Result.TRAINING_ITERATION, rr.iteration());
        row.put(Result.TIME_TOTAL_S, rr.timeTotalS());
        row.put(Result.TIMESTAMP, rr.timestamp());
        row.put("trial_id", t.id);
        if (rr.checkpoint() != null) row.put("checkpoint", rr.checkpoint());
        if (!attributes.isEmpty()) for (Map.Entry<String, Object> a : attributes.entrySet()) row.putIfAbsent(a.getKey(), a.getValue());
        return row;
    }

    /**
     * Define-by-run: a running trial asks for a parameter. The first ask of a name goes to the
     * searcher and is recorded in the trial's config (and params.json); later asks of the same
     * name, retries included, get the recorded value.
     */
    private Behavior<Command> onParam(ParamMessages.ParamRequest m) {
        TrialRecord t = trials.get(m.trialId());
        if (t == null || t.attempt != m.attempt() || t.status != TrialStatus.RUNNING) {
            m.inbox().tell(new ParamMessages.ParamReply(m.name(), null, "trial " + m.trialId() + " is not running"));
            return this;
        }
        Object value;
        try {
            dev.gale.tune.search.Domain d = m.spec().toDomain(m.name());
            Object known = new dev.gale.tune.Config(t.config).has(m.name()) ? new dev.gale.tune.Config(t.config).get(m.name()) : null;
            if (known != null) {
                if (!d.contains(known)) {
                    throw new IllegalArgumentException("parameter '" + m.name() + "' was suggested before as " + known
                            + ", outside the domain asked now (" + d + "): ask for a parameter with one domain only");
                }
                value = known;
            } else {
                value = cfg.searcher().suggestParameter(t.id, m.name(), d);
                if (!d.contains(value)) {
                    throw new IllegalStateException("searcher " + cfg.searcher().name() + " suggested " + value
                            + " for '" + m.name() + "', outside " + d);
                }
                t.config = withPath(t.config, m.name(), value);
                dirty = true;
                try {
                    s.storage().trialCreated(t.id, ExperimentStorage.JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(t.config));
                } catch (JsonProcessingException e) {
                    throw new IllegalArgumentException("parameter '" + m.name() + "' cannot be written as JSON: " + e.getOriginalMessage());
                }
                // the scheduler sees the config grow (population-based training explores from it)
                cfg.scheduler().onTrialConfig(t.id, t.config);
            }
        } catch (RuntimeException e) {
            m.inbox().tell(new ParamMessages.ParamReply(m.name(), null, e.getMessage() == null ? e.toString() : e.getMessage()));
            return this;
        }
        m.inbox().tell(new ParamMessages.ParamReply(m.name(), value, null));
        return this;
    }

    /** A copy of {@code config} with {@code value} at the dotted {@code path}. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> withPath(Map<String, Object> config, String path, Object value) {
        Map<String, Object> out = new LinkedHashMap<>(config);
        String[] parts = path.split("\\.");
        Map<String, Object> cur = out;
        for (int i = 0; i < parts.length - 1; i++) {
            Object c = cur.get(parts[i]);
            Map<String, Object> copy = c instanceof Map<?, ?> cm ? new LinkedHashMap<>((Map<String, Object>) cm) : new LinkedHashMap<>();
            cur.put(parts[i], copy);
            cur = copy;
        }
        cur.put(parts[parts.length - 1], value);
        return out;
    }

    private Behavior<Command> onCheckpointChunk(TrialProtocol.CheckpointChunk c) {
        TrialRecord t = trials.get(c.trialId());
        if (t == null || t.attempt != c.attempt() || t.status != TrialStatus.RUNNING || !c.name().startsWith("checkpoint_")
                || c.name().contains("/") || c.name().contains("..")) {
            return this;
        }
        s.storage().checkpointChunk(c.trialId(), c.name(), c.seq(), c.last(), c.data());
        return this;
    }

    private Behavior<Command> onCheckpointFetch(TrialProtocol.CheckpointFetch f) {
        Path want = Path.of(f.path()).normalize();
        if (!want.startsWith(s.storage().dir())) {
            f.replyTo().tell(new CheckpointTransfer.Data(0, true, new byte[0], "checkpoint " + f.path()
                    + " is outside the experiment directory " + s.storage().dir()));
        } else {
            s.storage().sendCheckpoint(want, f.replyTo());
        }
        return this;
    }

    // ---------------------------------------------------------------- endings

    private Behavior<Command> onEnded(TrialProtocol.TrialEnded e) {
        TrialRecord t = trials.get(e.trialId());
        if (t == null || t.attempt != e.attempt() || t.status != TrialStatus.RUNNING) return this;
        Lease freed = detach(t);
        if (t.failOnEnd != null) {
            finalError(t, t.failOnEnd);
        } else if (e.error() == null) {
            s.storage().trialClosed(t.id);
            if (t.exploit != null && !stopping) {
                applyExploit(t);
            } else if (t.pauseRequested && !stopping) {
                t.moveTo(TrialStatus.PAUSED);
                paused.put(t.id, t);
            } else {
                t.moveTo(TrialStatus.TERMINATED);
                safeComplete(t, false);
            }
        } else {
            attemptFailed(t, e.error(), e.stackTrace() == null ? e.error() : e.stackTrace());
        }
        dirty = true;
        planPaused(false);
        reuseOrRelease(freed);
        fill();
        maybeFinish();
        return next();
    }

    /**
     * Restarts a trial with the exploit's config from the donor's latest checkpoint: the new
     * config is written to params.json, the checkpoint is referenced where the donor wrote it
     * (checkpoints are never deleted), and the iteration count continues from it.
     */
    private void applyExploit(TrialRecord t) {
        Decision.Exploit x = t.exploit;
        t.exploit = null;
        TrialRecord donor = trials.get(x.donorTrialId());
        t.moveTo(TrialStatus.PAUSED);
        try {
            byte[] params = ExperimentStorage.JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(x.config());
            s.storage().trialCreated(t.id, params);
            t.config = x.config();
            cfg.scheduler().onTrialConfig(t.id, t.config);
        } catch (JsonProcessingException e) {
            getContext().getLog().warn("exploit of {} ignored: its new config cannot be serialized: {}", t.id, e.getOriginalMessage());
        }
        t.checkpoint = s.storage().trialDir(donor.id).resolve(donor.checkpoint).toString();
        t.checkpointResult = donor.checkpointResult;
        t.moveTo(TrialStatus.PENDING);
        retryQueue.addLast(t);
    }

    private boolean warnedResumeWithoutCheckpoint;

    /** Asks the scheduler which paused trials to resume and which to end. */
    private void planPaused(boolean idle) {
        if (paused.isEmpty() || stopping) return;
        dev.gale.tune.schedulers.TrialScheduler.PausedPlan plan;
        try {
            plan = cfg.scheduler().planPaused(new ArrayList<>(paused.keySet()), idle);
        } catch (RuntimeException e) {
            abort("scheduler " + cfg.scheduler().name() + " failed to plan paused trials: " + e);
            return;
        }
        for (String id : plan.resume()) {
            TrialRecord t = paused.remove(id);
            if (t != null) {
                if (t.checkpoint == null && !warnedResumeWithoutCheckpoint) {
                    warnedResumeWithoutCheckpoint = true;
                    getContext().getLog().warn("{} resumes from its start: it paused without a checkpoint (report one with"
                            + " its results to continue where it paused); said once per experiment", t.id);
                }
                t.moveTo(TrialStatus.PENDING);
                retryQueue.addLast(t);
            }
        }
        for (String id : plan.stop()) {
            TrialRecord t = paused.remove(id);
            if (t != null) {
                t.moveTo(TrialStatus.TERMINATED);
                safeComplete(t, false);
            }
        }
        dirty = true;
    }

    private Behavior<Command> onWork(WrappedWork w) {
        if (w.event() instanceof WorkEvent.Failed f) {
            TrialRecord t = byLease.get(f.leaseId());
            if (t != null && t.status == TrialStatus.RUNNING && t.lease != null && t.lease.leaseId().equals(f.leaseId())
                    && f.workId().equals(t.workId)) {
                Lease freed = detach(t);
                attemptFailed(t, f.error(), f.stackTrace());
                reuseOrRelease(freed);
                fill();
                maybeFinish();
            }
        }
        return next();
    }

    /** Detaches a trial that stopped running from its lease and returns the lease (null when revoked). */
    private Lease detach(TrialRecord t) {
        Lease l = t.lease;
        if (l != null) byLease.remove(l.leaseId());
        t.lease = null;
        t.inbox = null;
        running--;
        return l;
    }

    /**
     * Hands a freed lease straight to the next trial that waits for one (all trials of an
     * experiment lease the same spec, as Ray's actor reuse): the oldest trial with a request
     * still queued at the ResourceManager (whose request is then cancelled; a grant already on its
     * way is released when it arrives), else a retry or a new trial within the concurrency limit.
     * Saves the release/grant round trip per trial. Without a taker the lease is released.
     */
    private void reuseOrRelease(Lease l) {
        if (l == null) return;
        if (!stopping && !contended) {
            TrialRecord next = null;
            if (!byRequest.isEmpty()) {
                var it = byRequest.entrySet().iterator();
                var e = it.next();
                it.remove();
                s.resourceManager().tell(new ResourceManager.CancelRequest(e.getKey()));
                next = e.getValue();
            } else if (activeLimit() == 0 || running < activeLimit()) {
                next = retryQueue.poll();
                if (next == null) next = newTrial();
            }
            if (next != null && next.status == TrialStatus.PENDING) {
                start(next, l);
                return;
            }
        }
        s.resourceManager().tell(new ResourceManager.ReleaseLease(l.leaseId()));
    }

    private void attemptFailed(TrialRecord t, String error, String detail) {
        t.failures++;
        s.storage().trialError(t.id, t.attempt, detail);
        s.storage().trialClosed(t.id);
        t.error = firstLine(error);
        boolean retry = !stopping && (cfg.maxFailures() == -1 || t.failures <= cfg.maxFailures());
        if (retry) {
            t.attempt++;
            t.moveTo(TrialStatus.PENDING);
            retryQueue.addFirst(t);
        } else {
            t.moveTo(TrialStatus.ERROR);
            safeComplete(t, true);
            try {
                cfg.scheduler().onTrialError(t.id);
            } catch (RuntimeException ignored) {
                // the trial is over either way
            }
        }
        dirty = true;
    }

    /** A trial that must end in ERROR as soon as its thread stops (a bad result). */
    private void failAfterStop(TrialRecord t, String problem) {
        t.failOnEnd = problem;
        t.stopRequested = true;
    }

    /** Ends a trial that never ran in ERROR. */
    private void failNow(TrialRecord t, String problem) {
        t.moveTo(TrialStatus.ERROR);
        t.error = problem;
        s.storage().trialError(t.id, t.attempt, problem);
        safeComplete(t, true);
    }

    private void finalError(TrialRecord t, String problem) {
        t.error = problem;
        s.storage().trialError(t.id, t.attempt, problem);
        s.storage().trialClosed(t.id);
        t.moveTo(TrialStatus.ERROR);
        safeComplete(t, true);
        try {
            cfg.scheduler().onTrialError(t.id);
        } catch (RuntimeException ignored) {
            // the trial is over either way
        }
    }

    private void safeComplete(TrialRecord t, boolean error) {
        Map<String, Object> end = new LinkedHashMap<>();
        end.put("trial_id", t.id);
        end.put("status", t.status.name());
        end.put("config", t.config);
        end.put("last_result", ResultGrid.flatten(t.last));
        end.put("best_result", ResultGrid.flatten(t.best));
        end.put("checkpoint", t.checkpoint);
        end.put("error", t.error);
        s.storage().journal(ExperimentRestore.JOURNAL_FILE, end);
        try {
            cfg.searcher().onTrialComplete(t.id, t.last, error);
            if (!error) cfg.scheduler().onTrialComplete(t.id, t.last);
        } catch (RuntimeException e) {
            getContext().getLog().warn("searcher/scheduler failed on completion of {}: {}", t.id, e.toString());
        }
    }

    private static String firstLine(String s) {
        if (s == null) return null;
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    // ---------------------------------------------------------------- time, budget, finishing

    private Behavior<Command> onTick() {
        if (!stopping && System.nanoTime() >= deadlineNanos) {
            stopAll(null);
        }
        if (s.storage().failure() != null && abortReason == null) {
            abort("cannot write the experiment directory " + s.storage().dir() + ": " + s.storage().failure()
                    + " (free space or fix permissions, then start a new experiment; what was written is kept)");
        }
        s.storage().flush();
        if (dirty && s.storage().snapshot(() -> state(false), trials.size() > 1000, false)) {
            dirty = false;
        }
        if (!s.run().quiet()) s.reporter().update(snapshot(), elapsedSeconds());
        if (searcherWaiting) fill();
        maybeFinish();
        return next();
    }

    private void abort(String reason) {
        if (abortReason == null) abortReason = reason;
        stopAll(reason);
    }

    /** Stops starting trials and asks every running trial to stop. */
    private void stopAll(String reason) {
        stopping = true;
        for (String rid : byRequest.keySet()) {
            s.resourceManager().tell(new ResourceManager.CancelRequest(rid));
        }
        for (TrialRecord t : byRequest.values()) {
            if (t.status == TrialStatus.PENDING) {
                t.moveTo(TrialStatus.TERMINATED);
                if (reason != null) t.error = reason;
            }
        }
        byRequest.clear();
        for (TrialRecord t : retryQueue) {
            if (t.status == TrialStatus.PENDING) t.moveTo(TrialStatus.TERMINATED);
        }
        retryQueue.clear();
        for (TrialRecord t : paused.values()) t.moveTo(TrialStatus.TERMINATED);
        paused.clear();
        for (TrialRecord t : trials.values()) {
            if (t.status == TrialStatus.RUNNING) {
                t.stopRequested = true;
                if (t.lease != null) t.lease.agent().tell(new NodeAgent.StopWork(t.lease.leaseId()));
            }
        }
        dirty = true;
    }

    private void maybeFinish() {
        if (running > 0 || !byRequest.isEmpty()) return;
        if (!stopping) {
            if (!retryQueue.isEmpty()) return;
            boolean noMore = searcherFinished || created >= planned || searcherWaiting;
            if (!noMore) return;
            if (!paused.isEmpty()) {
                planPaused(true);
                if (!retryQueue.isEmpty()) {
                    fill();
                    return;
                }
                for (TrialRecord t : paused.values()) { // nothing else can happen: end them
                    getContext().getLog().warn("{} stays paused with nothing left to run: ending it", t.id);
                    t.moveTo(TrialStatus.TERMINATED);
                    safeComplete(t, false);
                }
                paused.clear();
            }
        }
        finish();
    }

    private boolean finished;

    private void finish() {
        if (finished) return;
        finished = true;
        s.storage().snapshot(() -> state(true), trials.size() > 1000, true);
        s.storage().close();
        s.reporter().done(snapshot(), elapsedSeconds());
        if (abortReason == null && s.storage().failure() != null) {
            abortReason = "cannot write the experiment directory " + s.storage().dir() + ": " + s.storage().failure()
                    + " (free space or fix permissions, then start a new experiment; what was written is kept)";
        }
        if (abortReason != null) {
            s.done().completeExceptionally(new IllegalStateException(abortReason));
        } else {
            s.done().complete(new ResultGrid(s.storage().dir(), metric, cfg.mode(), snapshot()));
        }
    }

    private double elapsedSeconds() {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    private List<TrialSummary> snapshot() {
        List<TrialSummary> out = new ArrayList<>(trials.size());
        for (TrialRecord t : trials.values()) {
            Path dir = s.storage().trialDir(t.id);
            out.add(new TrialSummary(t.id, t.status, t.config, withAttributes(t.last, t.attributes), withAttributes(t.best, t.attributes),
                    t.status == TrialStatus.ERROR || t.error != null && t.status != TrialStatus.TERMINATED ? t.error : null,
                    dir, t.checkpoint == null ? null : dir.resolve(t.checkpoint), t.attempt + 1));
        }
        return out;
    }

    private Map<String, Object> state(boolean finished) {
        Map<String, Object> st = new LinkedHashMap<>();
        st.put("version", 1);
        st.put("name", s.run().name());
        st.put("metric", metric);
        st.put("mode", cfg.mode() == null ? null : cfg.mode().name());
        st.put("num_samples", cfg.numSamples());
        st.put("finished", finished);
        st.put("elapsed_s", elapsedSeconds());
        if (abortReason != null) st.put("aborted", abortReason);
        if (!s.launch().isEmpty()) st.put("launch", s.launch());
        st.put("searcher", Map.of("name", cfg.searcher().name(), "state", safe(() -> cfg.searcher().save())));
        st.put("scheduler", Map.of("name", cfg.scheduler().name(), "state", safe(() -> cfg.scheduler().save())));
        List<Map<String, Object>> list = new ArrayList<>(trials.size());
        for (TrialRecord t : trials.values()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("trial_id", t.id);
            m.put("status", t.status.name());
            m.put("config", t.config);
            m.put("attempts", t.attempt + 1);
            m.put("failures", t.failures);
            m.put("last_result", ResultGrid.flatten(t.last));
            m.put("best_result", ResultGrid.flatten(t.best));
            m.put("checkpoint", t.checkpoint);
            m.put("checkpoint_result", ResultGrid.flatten(t.checkpointResult));
            m.put("error", t.error);
            list.add(m);
        }
        st.put("trials", list);
        return st;
    }

    private static Object safe(java.util.function.Supplier<Object> f) {
        try {
            return f.get();
        } catch (RuntimeException e) {
            return Map.of("error", e.toString());
        }
    }
}
