package dev.gale.tune.study;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gale.cluster.GaleNode;
import dev.gale.gpu.ResourceSpec;
import dev.gale.tune.Mode;
import dev.gale.tune.Result;
import dev.gale.tune.ResultGrid;
import dev.gale.tune.RunConfig;
import dev.gale.tune.TrialContext;
import dev.gale.tune.TrialStatus;
import dev.gale.tune.TrialStoppedException;
import dev.gale.tune.TrialSummary;
import dev.gale.tune.TuneConfig;
import dev.gale.tune.Tuner;
import dev.gale.tune.internal.DefineByRun;
import dev.gale.tune.internal.ParamMessages.ParamSpec;
import dev.gale.tune.schedulers.Decision;
import dev.gale.tune.schedulers.FifoScheduler;
import dev.gale.tune.schedulers.TrialScheduler;
import dev.gale.tune.search.Domain;
import dev.gale.tune.search.SearchSpace;
import dev.gale.tune.search.Searcher;
import dev.gale.tune.search.Searchers;
import dev.gale.tune.search.Suggestion;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Define-by-run optimization, Optuna-style, on Gale's samplers, pruners and cluster:
 *
 * <pre>{@code
 * Study study = Study.builder().name("mlp").mode(Mode.MIN).sampler(Searchers.random()).build();
 * study.optimize(trial -> {
 *     double lr = trial.suggestFloat("lr", 1e-5, 1e-1, true);
 *     int layers = trial.suggestInt("layers", 1, 4);
 *     ... for each epoch: trial.report(epoch, loss); if (trial.shouldPrune()) trial.prune();
 *     return loss;
 * }, 50);
 * study.bestParams();
 * }</pre>
 *
 * <p>{@link #optimize} runs each call of the objective as a trial of a {@link Tuner}: placed
 * through the ResourceManager on the cluster (embedded by default), each {@code suggest*} answered
 * by the sampler in the controller ({@link Searcher#suggestParameter}), each {@code report}
 * judged by the pruner (any {@link TrialScheduler}, e.g. ASHA or median stopping). Every optimize
 * call writes an experiment directory {@code <storage>/<name>/optimize_<k>}.
 *
 * <p>Ask-and-tell ({@link #ask()}, {@link #tell}) uses the same sampler and pruner for trials the
 * caller evaluates itself (nothing to place on the cluster); they are appended to
 * {@code <storage>/<name>/ask_tell.jsonl}. Call ask/tell from one thread, and not while
 * {@code optimize} runs.
 */
public final class Study {
    /** The metric name the objective's value is reported under. */
    public static final String VALUE = "value";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String name;
    private final Path dir;
    private final Mode mode;
    private final SamplerAdapter sampler;
    private final PrunerAdapter pruner;
    private final ResourceSpec resources;
    private final GaleNode node;
    private final int maxConcurrent;
    private final int maxFailures;
    private final long seed;
    private final boolean quiet;
    private final List<FrozenTrial> trials = new ArrayList<>();
    private int optimizeCalls;
    private int asked;

    private Study(Builder b) {
        this.name = b.name;
        this.dir = (b.storagePath != null ? b.storagePath : RunConfig.defaultStoragePath()).resolve(b.name);
        this.mode = b.mode;
        this.sampler = new SamplerAdapter(b.sampler != null ? b.sampler : Searchers.random());
        this.pruner = new PrunerAdapter(b.pruner != null ? b.pruner : new FifoScheduler());
        this.resources = b.resources != null ? b.resources : ResourceSpec.DEFAULT;
        this.node = b.node;
        this.maxConcurrent = b.maxConcurrent;
        this.maxFailures = b.maxFailures;
        this.seed = b.seed;
        this.quiet = b.quiet;
    }

    /** A builder: mode MIN, random sampler, no pruner, one trial at a time per CPU. */
    public static Builder builder() {
        return new Builder();
    }

    /** Options of a {@link Study}. */
    public static final class Builder {
        private String name = "study";
        private Path storagePath;
        private Mode mode = Mode.MIN;
        private Searcher sampler;
        private TrialScheduler pruner;
        private ResourceSpec resources;
        private GaleNode node;
        private int maxConcurrent;
        private int maxFailures;
        private long seed;
        private boolean quiet;

        private Builder() {
        }

        /** The study name: its directory under the storage path. */
        public Builder name(String n) { this.name = n; return this; }
        public Builder storagePath(Path p) { this.storagePath = p; return this; }
        /** MIN (default) or MAX. */
        public Builder mode(Mode m) { this.mode = m; return this; }
        /** The sampler (any Searcher; default random). */
        public Builder sampler(Searcher s) { this.sampler = s; return this; }
        /** The pruner (any TrialScheduler judging {@value #VALUE}; default none). */
        public Builder pruner(TrialScheduler p) { this.pruner = p; return this; }
        public Builder resources(ResourceSpec r) { this.resources = r; return this; }
        /** Runs on an existing node's cluster instead of an embedded one. */
        public Builder node(GaleNode n) { this.node = n; return this; }
        public Builder maxConcurrentTrials(int n) { this.maxConcurrent = n; return this; }
        public Builder maxFailures(int n) { this.maxFailures = n; return this; }
        public Builder seed(long s) { this.seed = s; return this; }
        public Builder quiet(boolean q) { this.quiet = q; return this; }

        /** Validates and builds. */
        public Study build() {
            new RunConfig(name, storagePath, true, 1000); // validates the name
            if (mode == null) throw new IllegalArgumentException("mode is null: use Mode.MIN or Mode.MAX");
            return new Study(this);
        }
    }

    /** The study directory. */
    public Path dir() {
        return dir;
    }

    /**
     * Runs {@code nTrials} trials of {@code objective} on the cluster and returns that run's grid.
     * The objective's value is reported as {@value #VALUE}; a trial whose objective throws ends in
     * ERROR (retried up to maxFailures) and the study goes on.
     */
    public ResultGrid optimize(Objective objective, int nTrials) {
        if (objective == null) throw new IllegalArgumentException("objective is null");
        int k = ++optimizeCalls;
        sampler.prefix = "optimize_" + k + "/";
        pruner.prefix = sampler.prefix;
        ResultGrid g = Tuner.builder((TrialContext ctx) -> {
                    if (!(ctx instanceof DefineByRun dbr)) {
                        throw new IllegalStateException("define-by-run needs Gale's trial runtime");
                    }
                    double v = objective.evaluate(new RunningTrial(ctx, dbr));
                    ctx.report(Map.of(VALUE, v, "final", true));
                })
                .tuneConfig(TuneConfig.builder().metric(VALUE).mode(mode).numSamples(nTrials)
                        .maxConcurrentTrials(maxConcurrent).maxFailures(maxFailures).seed(seed)
                        .searcher(sampler).scheduler(pruner).build())
                .runConfig(new RunConfig("optimize_" + k, dir, quiet, 1000))
                .resources(resources)
                .node(node)
                .build().fit();
        for (TrialSummary t : g.trials()) {
            FrozenTrial.State st = t.status() == TrialStatus.ERROR ? FrozenTrial.State.FAIL
                    : Boolean.TRUE.equals(t.lastResult().get("final")) ? FrozenTrial.State.COMPLETE : FrozenTrial.State.PRUNED;
            Double v = st == FrozenTrial.State.COMPLETE ? t.metric(VALUE) : null;
            trials.add(new FrozenTrial(sampler.prefix + t.trialId(), flatten(t.config()), v, st, t.error()));
        }
        return g;
    }

    /** A new trial for the caller to evaluate; answer with {@link #tell}. */
    public StudyTrial ask() {
        sampler.ensureSetup(mode, seed);
        pruner.ensureSetup(mode);
        String id = "ask_" + (++asked);
        pruner.onTrialAdd(id);
        return new AskedTrial(id);
    }

    /** Records the value of an asked trial. */
    public void tell(StudyTrial trial, double value) {
        AskedTrial t = asked(trial);
        if (!Double.isFinite(value)) {
            tellFailed(trial, "objective value " + value + " is not finite");
            return;
        }
        Result r = new Result(t.id, t.steps + 1, 0, System.currentTimeMillis(), Map.of(VALUE, value));
        sampler.onTrialComplete(t.id, r, false);
        pruner.onTrialComplete(t.id, r);
        record(new FrozenTrial(t.id, Map.copyOf(t.params), value, t.pruned ? FrozenTrial.State.PRUNED : FrozenTrial.State.COMPLETE, null));
    }

    /** Records that an asked trial failed. */
    public void tellFailed(StudyTrial trial, String error) {
        AskedTrial t = asked(trial);
        sampler.onTrialComplete(t.id, null, true);
        pruner.onTrialError(t.id);
        record(new FrozenTrial(t.id, Map.copyOf(t.params), null, FrozenTrial.State.FAIL, error));
    }

    private AskedTrial asked(StudyTrial trial) {
        if (!(trial instanceof AskedTrial t) || t.study() != this) {
            throw new IllegalArgumentException("tell: pass a trial this study's ask() returned");
        }
        if (t.told) throw new IllegalArgumentException("tell: trial " + t.id + " was already told");
        t.told = true;
        return t;
    }

    private void record(FrozenTrial ft) {
        trials.add(ft);
        try {
            Files.createDirectories(dir);
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("trial_id", ft.id());
            row.put("params", ft.params());
            row.put("value", ft.value());
            row.put("state", ft.state().name());
            row.put("error", ft.error());
            Files.writeString(dir.resolve("ask_tell.jsonl"), JSON.writeValueAsString(row) + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot record trial " + ft.id() + " in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Every finished trial, in order. */
    public List<FrozenTrial> trials() {
        return Collections.unmodifiableList(trials);
    }

    /** The completed trial with the best value. */
    public FrozenTrial bestTrial() {
        FrozenTrial best = null;
        for (FrozenTrial t : trials) {
            if (t.state() == FrozenTrial.State.COMPLETE && t.value() != null
                    && (best == null || mode.better(t.value(), best.value()))) {
                best = t;
            }
        }
        if (best == null) throw new IllegalStateException("no completed trial yet: run optimize() or tell() first");
        return best;
    }

    /** The best value. */
    public double bestValue() {
        return bestTrial().value();
    }

    /** The parameters of the best trial. */
    public Map<String, Object> bestParams() {
        return bestTrial().params();
    }

    // ------------------------------------------------------------------ trials

    /** Shared suggest* logic: domains from arguments, values from {@link #parameter}. */
    private abstract static class BaseTrial implements StudyTrial {
        final Map<String, Object> params = new LinkedHashMap<>();

        abstract Object parameter(String name, ParamSpec spec);

        @Override
        public double suggestFloat(String name, double low, double high) {
            return num(name, new ParamSpec("uniform", low, high, 0, null)).doubleValue();
        }

        @Override
        public double suggestFloat(String name, double low, double high, boolean log) {
            return num(name, new ParamSpec(log ? "loguniform" : "uniform", low, high, 0, null)).doubleValue();
        }

        @Override
        public double suggestFloat(String name, double low, double high, double step) {
            return num(name, new ParamSpec("quniform", low, high, step, null)).doubleValue();
        }

        @Override
        public int suggestInt(String name, int low, int high) {
            return num(name, new ParamSpec("randint", low, (double) high + 1, 0, null)).intValue();
        }

        @Override
        public int suggestInt(String name, int low, int high, int step) {
            return num(name, new ParamSpec("qrandint", low, high, step, null)).intValue();
        }

        @Override
        @SuppressWarnings("unchecked")
        public <T> T suggestCategorical(String name, List<T> choices) {
            Object v = get(name, new ParamSpec("choice", 0, 0, 0, new ArrayList<>(choices)));
            for (T c : choices) {
                if (c.equals(v) || c instanceof Number a && v instanceof Number b && a.doubleValue() == b.doubleValue()) return c;
            }
            return (T) v;
        }

        private Number num(String name, ParamSpec spec) {
            return (Number) get(name, spec);
        }

        private Object get(String name, ParamSpec spec) {
            Object v = parameter(name, spec);
            params.put(name, v);
            return v;
        }

        @Override
        public void prune() {
            throw new TrialStoppedException(id());
        }

        @Override
        public Map<String, Object> params() {
            return Collections.unmodifiableMap(params);
        }
    }

    /** A trial of {@link #optimize}, running on a node. */
    private static final class RunningTrial extends BaseTrial {
        private final TrialContext ctx;
        private final DefineByRun dbr;

        RunningTrial(TrialContext ctx, DefineByRun dbr) {
            this.ctx = ctx;
            this.dbr = dbr;
        }

        @Override
        public String id() {
            return ctx.trialId();
        }

        @Override
        Object parameter(String name, ParamSpec spec) {
            return dbr.parameter(name, spec);
        }

        @Override
        public void report(long step, double value) {
            ctx.report(Map.of(VALUE, value, "step", step));
            dbr.awaitAcknowledged();
        }

        @Override
        public boolean shouldPrune() {
            return ctx.shouldStop();
        }
    }

    /** A trial of {@link #ask()}, evaluated by the caller. */
    private final class AskedTrial extends BaseTrial {
        final String id;
        boolean pruned;
        boolean told;
        long steps;

        AskedTrial(String id) {
            this.id = id;
        }

        Study study() {
            return Study.this;
        }

        @Override
        public String id() {
            return id;
        }

        @Override
        Object parameter(String name, ParamSpec spec) {
            Object known = params.get(name);
            Domain d = spec.toDomain(name);
            if (known != null) {
                if (!d.contains(known)) throw new IllegalArgumentException("parameter '" + name + "' was asked before with another domain");
                return known;
            }
            Object v = sampler.suggestParameter(id, name, d);
            if (!d.contains(v)) throw new IllegalStateException("sampler suggested " + v + " for '" + name + "', outside " + d);
            return v;
        }

        @Override
        public void report(long step, double value) {
            steps++;
            Result r = new Result(id, steps, 0, System.currentTimeMillis(), Map.of(VALUE, value, "step", step));
            sampler.onTrialResult(id, r);
            if (pruner.onTrialResult(id, r) instanceof Decision.Stop) pruned = true;
        }

        @Override
        public boolean shouldPrune() {
            return pruned;
        }
    }

    // ------------------------------------------------------------------ adapters

    private static Map<String, Object> flatten(Map<String, Object> config) {
        return ResultGrid.flatConfig(config);
    }

    /** The user's sampler, set up once for the whole study, seeing study-wide trial ids. */
    private static final class SamplerAdapter implements Searcher {
        final Searcher inner;
        String prefix = "";
        boolean setUp;

        SamplerAdapter(Searcher inner) {
            this.inner = inner;
        }

        void ensureSetup(Mode mode, long seed) {
            if (!setUp) {
                inner.setup(SearchSpace.of(Map.of()), VALUE, mode, Integer.MAX_VALUE, seed);
                setUp = true;
            }
        }

        @Override
        public void setup(SearchSpace space, String metric, Mode mode, int numSamples, long seed) {
            ensureSetup(mode, seed);
        }

        @Override
        public Suggestion suggest(String trialId) {
            return new Suggestion.Config(new LinkedHashMap<>());
        }

        @Override
        public Object suggestParameter(String trialId, String name, Domain domain) {
            return inner.suggestParameter(prefix(trialId), name, domain);
        }

        @Override
        public void onTrialResult(String trialId, Result result) {
            inner.onTrialResult(prefix(trialId), result);
        }

        @Override
        public void onTrialComplete(String trialId, Result last, boolean error) {
            inner.onTrialComplete(prefix(trialId), last, error);
        }

        private String prefix(String id) {
            return id.startsWith("ask_") ? id : prefix + id;
        }

        @Override
        public Object save() {
            return inner.save();
        }

        @Override
        public void restore(Object state) {
            inner.restore(state);
        }

        @Override
        public String name() {
            return inner.name();
        }
    }

    /** The user's pruner, set up once, seeing study-wide trial ids. */
    private static final class PrunerAdapter implements TrialScheduler {
        final TrialScheduler inner;
        String prefix = "";
        boolean setUp;

        PrunerAdapter(TrialScheduler inner) {
            this.inner = inner;
        }

        void ensureSetup(Mode mode) {
            if (!setUp) {
                inner.setup(VALUE, mode);
                setUp = true;
            }
        }

        private String p(String id) {
            return id.startsWith("ask_") ? id : prefix + id;
        }

        @Override
        public void setup(String metric, Mode mode) {
            ensureSetup(mode);
        }

        @Override
        public void onTrialAdd(String trialId) {
            inner.onTrialAdd(p(trialId));
        }

        @Override
        public Decision onTrialResult(String trialId, Result result) {
            return inner.onTrialResult(p(trialId), result);
        }

        @Override
        public void onTrialComplete(String trialId, Result last) {
            inner.onTrialComplete(p(trialId), last);
        }

        @Override
        public void onTrialError(String trialId) {
            inner.onTrialError(p(trialId));
        }

        @Override
        public PausedPlan planPaused(List<String> paused, boolean idle) {
            List<String> mapped = new ArrayList<>(paused.size());
            for (String id : paused) mapped.add(p(id));
            PausedPlan plan = inner.planPaused(mapped, idle);
            return new PausedPlan(unmap(plan.resume()), unmap(plan.stop()));
        }

        private List<String> unmap(List<String> ids) {
            List<String> out = new ArrayList<>(ids.size());
            for (String id : ids) out.add(id.startsWith(prefix) ? id.substring(prefix.length()) : id);
            return out;
        }

        @Override
        public Object save() {
            return inner.save();
        }

        @Override
        public void restore(Object state) {
            inner.restore(state);
        }

        @Override
        public String name() {
            return inner.name();
        }
    }
}
