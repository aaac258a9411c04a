package dev.gale.tune.study;

import dev.gale.cluster.GaleNode;
import dev.gale.gpu.ResourceSpec;
import dev.gale.tune.Mode;
import dev.gale.tune.Result;
import dev.gale.tune.ResultGrid;
import dev.gale.tune.RunConfig;
import dev.gale.tune.TrialContext;
import dev.gale.tune.TuneConfig;
import dev.gale.tune.Tuner;
import dev.gale.tune.internal.DefineByRun;
import dev.gale.tune.storage.ExperimentLayout;
import dev.gale.tune.schedulers.FifoScheduler;
import dev.gale.tune.schedulers.TrialScheduler;
import dev.gale.tune.search.Searcher;
import dev.gale.tune.search.Searchers;
import dev.gale.tune.study.internal.AskedTrial;
import dev.gale.tune.study.internal.OptimizeTrial;
import dev.gale.tune.study.internal.StudyDirectory;
import dev.gale.tune.study.internal.StudyHistory;
import dev.gale.tune.study.internal.StudyPruner;
import dev.gale.tune.study.internal.StudySampler;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

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
 * judged by the pruner (any {@link TrialScheduler}: ASHA, median stopping, synchronous Hyperband
 * and BOHB's, which pause trials and resume them, population-based training, which restarts them
 * from a better trial's checkpoint; see {@link StudyTrial} for what the objective sees). A trial
 * that reaches the pruner's maximum budget ({@link TrialScheduler#budgetExhausted}) is not pruned:
 * its objective runs on and returns its value. Every optimize call writes an experiment directory
 * {@code <storage>/<name>/optimize_<k>}.
 *
 * <p>Ask-and-tell ({@link #ask()}, {@link #tell}) uses the same sampler and pruner for trials the
 * caller evaluates itself (nothing to place on the cluster; a pruner that pauses or exploits makes
 * that {@code report} throw {@link IllegalStateException}); they are appended to
 * {@code <storage>/<name>/ask_tell.jsonl}. Call ask/tell from one thread, and not while
 * {@code optimize} runs.
 *
 * <p><b>Persistence and reopening</b> (Optuna's {@code load_if_exists}). Besides the experiments
 * and {@code ask_tell.jsonl}, the study keeps {@code <storage>/<name>/study.json}: the sampler's
 * and pruner's saved state ({@link Searcher#save()}), replaced atomically after every
 * {@link #tell}/{@link #tellFailed} and after every optimize run; each optimize experiment's own
 * snapshots hold the same state while it runs. A study built with
 * {@link Builder#loadIfExists(boolean) loadIfExists(true)} on a directory that holds an earlier
 * study loads it: {@link #trials()} lists the earlier trials in their original order, new
 * optimize runs take the next free {@code optimize_<k>}, new asked ids continue the numbering, and
 * the sampler and pruner continue from the newest saved state (the study file, or the snapshot of
 * an experiment that ran after it), so the sampler has learned every loaded trial before it
 * suggests again. Without {@code loadIfExists}, building on such a directory fails and changes
 * nothing. If the last optimize run was interrupted (its driver JVM killed), the next
 * {@link #optimize} first finishes it through {@link Tuner.Builder#restore} (see there).
 *
 * <p>Limits of reopening: the sampler given must be of the kind the study ran with (its state is
 * loaded into it); a pruner of another kind starts without the saved state. A trial that ended
 * after the last state was written — within about a second before a crash — is listed but was
 * not learned by the sampler when its experiment cannot be resumed (killed before its first
 * snapshot), and a trial that started and ended after its experiment's last snapshot is run again
 * by the resume, as {@code Tuner.restore} does.
 */
public final class Study {
    /** The metric name the objective's value is reported under. */
    public static final String VALUE = "value";
    /** Marks the objective's return value among a trial's results (internal to the study and its pruner adapter). */
    public static final String FINAL = "final";

    private final String name;
    private final Path dir;
    private final Mode mode;
    private final StudySampler sampler;
    private final StudyPruner pruner;
    private final ResourceSpec resources;
    private final GaleNode node;
    private final String address;
    private final dev.gale.cluster.TlsSettings tls;
    private final java.io.PrintStream out;
    private final int maxConcurrent;
    private final int maxFailures;
    private final long seed;
    private final boolean quiet;
    private final dev.gale.tune.callback.DashboardOptions dashboard;
    /** The ended trials of each optimize run, by k, as recorded in its experiment directory. */
    private final TreeMap<Integer, List<FrozenTrial>> optimized;
    /** Ask/tell trials with the number of optimize runs started before each was told. */
    private final List<StudyHistory.Told> told;
    private int optimizeCalls;
    private long asked;
    /** The number of the last Tuner run whose sampler knowledge is in this study's sampler. */
    private long studyRuns;
    /** The k of an interrupted optimize run that the next optimize resumes, or 0. */
    private int interrupted;
    private int interruptedSamples;

    private Study(Builder b, Path dir, StudyDirectory.Contents earlier) {
        this.name = b.name;
        this.dir = dir;
        this.mode = b.mode;
        this.sampler = new StudySampler(b.sampler != null ? b.sampler : Searchers.auto());
        this.pruner = new StudyPruner(b.pruner != null ? b.pruner : new FifoScheduler());
        this.resources = b.resources != null ? b.resources : ResourceSpec.DEFAULT;
        this.node = b.node;
        this.address = b.address;
        this.tls = b.tls;
        this.out = b.out != null ? b.out : System.out;
        this.maxConcurrent = b.maxConcurrent;
        this.maxFailures = b.maxFailures;
        this.quiet = b.quiet;
        this.dashboard = b.dashboard;
        Long recorded = earlier != null && earlier.state() != null ? recordedSeed(earlier.state()) : null;
        this.seed = b.seedGiven ? b.seed : recorded != null ? recorded : drawSeed();
        if (!b.seedGiven && recorded == null && !quiet) {
            out.println("[gale] study " + name + ": seed " + seed + " (none given: drawn at random"
                    + (dir == null ? "" : " and recorded in " + dir.resolve(StudyDirectory.STATE_FILE))
                    + "; pass seed(" + seed + ") to repeat the study)");
            out.flush();
        }
        if (earlier == null) {
            optimized = new TreeMap<>();
            told = new ArrayList<>();
            return;
        }
        StudyHistory.Loaded l = StudyHistory.load(name, dir, mode, seed, sampler, pruner, earlier);
        optimized = l.optimized();
        told = l.told();
        optimizeCalls = l.optimizeCalls();
        asked = l.asked();
        studyRuns = l.studyRuns();
        interrupted = l.interrupted();
        interruptedSamples = l.interruptedSamples();
    }

    private static Long recordedSeed(Map<String, Object> state) {
        Object v = state.get("seed");
        if (v instanceof Number n) return n.longValue();
        if (v instanceof String str) {
            try {
                return Long.parseLong(str);
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return null;
    }

    /** A seed for a study given none: non-negative and below 2^31, so it is easy to pass again. */
    private static long drawSeed() {
        return java.util.concurrent.ThreadLocalRandom.current().nextInt(Integer.MAX_VALUE);
    }

    /** True when the study keeps its trials in memory (built without a storage path). */
    private boolean inMemory() {
        return dir == null;
    }

    /**
     * A builder: mode MIN, the {@link Searchers#auto() auto} sampler, no pruner, as many trials at once
     * as the cluster's CPUs allow (one CPU each), a seed drawn at random, trials kept in memory (no storage path).
     */
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
        private String address;
        private dev.gale.cluster.TlsSettings tls;
        private java.io.PrintStream out;
        private int maxConcurrent;
        private int maxFailures;
        private long seed;
        private boolean seedGiven;
        private boolean quiet;
        private boolean loadIfExists;
        private dev.gale.tune.callback.DashboardOptions dashboard;

        private Builder() {
        }

        /** The study name: its directory under the storage path. */
        public Builder name(String n) { this.name = n; return this; }
        /**
         * Where the study is kept: the directory {@code <storagePath>/<name>} holds one experiment
         * directory per {@code optimize} call, the ask-and-tell trials and the sampler's state, so
         * the study can be reopened ({@link #loadIfExists}) and resumed after a crash. Without it
         * (the default, as Optuna's in-memory storage) the study keeps its trials in this JVM only.
         */
        public Builder storagePath(Path p) { this.storagePath = p; return this; }
        /** MIN (default) or MAX. */
        public Builder mode(Mode m) { this.mode = m; return this; }
        /** The sampler (any Searcher; default {@link Searchers#auto()}). */
        public Builder sampler(Searcher s) { this.sampler = s; return this; }
        /** The pruner (any TrialScheduler judging {@value #VALUE}; default none). */
        public Builder pruner(TrialScheduler p) { this.pruner = p; return this; }
        public Builder resources(ResourceSpec r) { this.resources = r; return this; }
        /**
         * Runs on an existing node's cluster instead of the embedded one this JVM shares
         * ({@link GaleNode#shared()}, the default).
         */
        public Builder node(GaleNode n) { this.node = n; return this; }

        /**
         * Runs on the cluster at {@code hostPort} (e.g. the head of {@code gale cluster start}):
         * each {@code optimize} joins it as a client and leaves at its end (see
         * {@link Tuner.Builder#address}); the objective must then be a class the nodes can create.
         */
        public Builder address(String hostPort) { this.address = hostPort; return this; }

        /** The cluster secret to join a TLS cluster at {@link #address} with (see {@link Tuner.Builder#tls}). */
        public Builder tls(dev.gale.cluster.TlsSettings settings) { this.tls = settings; return this; }

        /** Where the study prints its seed and progress lines (default standard output). */
        public Builder output(java.io.PrintStream o) { this.out = o; return this; }
        public Builder maxConcurrentTrials(int n) { this.maxConcurrent = n; return this; }
        public Builder maxFailures(int n) { this.maxFailures = n; return this; }
        /**
         * The sampler's seed: a study built again with the same seed, sampler and objective asks
         * the same parameters in the same order (with one trial at a time; with several at once,
         * the order in which trials end can differ). Without it a seed is drawn at random when the
         * study is built, printed ({@code [gale] study <name>: seed N}) unless {@link #quiet}, and
         * recorded in {@code study.json} when the study has a storage path; a reopened study
         * ({@link #loadIfExists}) without a seed continues with its recorded one.
         */
        public Builder seed(long s) { this.seed = s; this.seedGiven = true; return this; }

        /**
         * No output (default false): neither the drawn seed nor the progress lines. Without it each
         * {@code optimize} prints a line every 5 seconds and one at its end: trials COMPLETE, PRUNED,
         * FAIL, RUNNING and WAITING (Optuna's words), the best value, and the time since the call.
         */
        public Builder quiet(boolean q) { this.quiet = q; return this; }

        /**
         * Whether {@link #build()} continues a study already recorded under this name and storage
         * path (Optuna's {@code load_if_exists}; default false). With true, its trials are loaded
         * and its sampler and pruner continue from their saved state (give a sampler of the same
         * kind and the same mode); an interrupted optimize run is finished by the next
         * {@link Study#optimize}. With false, a directory that already holds a study is an error.
         * Either way a directory without one starts a new study.
         */
        public Builder loadIfExists(boolean b) { this.loadIfExists = b; return this; }

        /**
         * Serves the web dashboard while each {@link Study#optimize} runs (null, the default: none):
         * its trials, their intermediate values and every plot, live. Needs the module
         * gale-observability on the classpath ({@link #build()} fails naming it otherwise). Each
         * optimize prints {@code dashboard: <url>} once the page is up and stops the dashboard when it
         * returns (open the study's directory with {@code gale dashboard} afterwards).
         */
        public Builder dashboard(dev.gale.tune.callback.DashboardOptions options) { this.dashboard = options; return this; }

        /**
         * Validates and builds; with {@link #loadIfExists} loads the recorded study.
         *
         * @throws IllegalArgumentException for bad options; when the directory already holds a
         *                                  study and {@code loadIfExists} is false (nothing is changed); when the
         *                                  recorded study ran another mode or sampler kind, or its files cannot be read
         */
        public Study build() {
            if (name == null || name.isBlank()) throw new IllegalArgumentException("name is blank: give the study a name");
            new RunConfig(name, storagePath, true, 1000); // validates the name
            if (mode == null) throw new IllegalArgumentException("mode is null: use Mode.MIN or Mode.MAX");
            if (node != null && address != null) {
                throw new IllegalArgumentException("both node(...) and address(" + address + ") are set: give one of them");
            }
            if (tls != null && address == null) {
                throw new IllegalArgumentException("tls(...) is for joining a cluster by address: give address(host:port) too");
            }
            if (address != null) dev.gale.cluster.NodeConfig.checkHostPort("address", address);
            if (dashboard != null) dev.gale.tune.internal.Dashboards.provider("Study.builder().dashboard(...)");
            if (storagePath == null) return new Study(this, null, null);
            Path dir = storagePath.resolve(name);
            if (!StudyDirectory.holdsStudy(dir)) return new Study(this, dir, null);
            StudyDirectory.Contents earlier = StudyDirectory.read(dir);
            if (!loadIfExists) {
                throw new IllegalArgumentException("study '" + name + "' already exists in " + dir + " (" + earlier.describe()
                        + "): pass loadIfExists(true) to continue it, or choose another name or storagePath for a new study");
            }
            return new Study(this, dir, earlier);
        }
    }

    /** The study directory, or null for a study kept in memory (built without a storage path). */
    public Path dir() {
        return dir;
    }

    /** The study name. */
    public String name() {
        return name;
    }

    // ------------------------------------------------------------------ run config and the study file

    /** The run config of experiment {@code expName}: quiet for the Tuner, with the study's own progress line unless quiet. */
    private RunConfig runConfig(String expName, long startNanos) {
        // the Tuner's table speaks of TERMINATED/ERROR trials: the study prints its own line
        RunConfig rc = new RunConfig(expName, inMemory() ? null : dir, true, 1000).withDashboard(dashboard);
        if (quiet) return rc;
        return rc.withCallbacks(new dev.gale.tune.internal.StudyProgress(out, "study " + name + ", " + expName, VALUE, FINAL,
                mode, System::nanoTime, startNanos, 5000));
    }

    /** Writes study.json: the sampler's and pruner's state and the counters. */
    private void saveState() {
        if (inMemory()) return;
        Map<String, Object> st = new LinkedHashMap<>();
        st.put("version", 1);
        st.put("name", name);
        st.put("mode", mode.name());
        st.put("seed", seed);
        st.put("runs", studyRuns);
        st.put("optimize_calls", optimizeCalls);
        st.put("asked", asked);
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("name", sampler.inner().name());
        s.put("state", sampler.isSetUp() ? sampler.inner().save() : null);
        st.put("sampler", s);
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("name", pruner.inner().name());
        p.put("state", pruner.isSetUp() ? pruner.inner().save() : null);
        st.put("pruner", p);
        StudyDirectory.writeState(dir, st);
    }

    // ------------------------------------------------------------------ optimize

    /**
     * Runs {@code nTrials} new trials of {@code objective} on the cluster and returns that run's
     * grid. The objective's value is reported as {@value #VALUE}; a trial whose objective throws
     * ends in ERROR (retried up to maxFailures) and the study goes on.
     *
     * <p>On a study loaded with an interrupted optimize run (its driver was killed), this call
     * first finishes that run — in its own directory, through {@link Tuner.Builder#restore}:
     * trials that had ended are not run again, trials that were running run again (from their
     * last checkpoint), and the run goes on to the number of trials it was started with — and
     * then runs {@code nTrials} new trials in the next {@code optimize_<k>}. So {@code nTrials}
     * always counts new trials, as in Optuna; the grid returned is the new run's, and
     * {@link #trials()} lists both.
     *
     * @throws IllegalArgumentException when {@code nTrials < 1}, for configuration mistakes
     */
    public ResultGrid optimize(Objective objective, int nTrials) {
        if (objective == null) throw new IllegalArgumentException("objective is null");
        if (nTrials < 1) throw new IllegalArgumentException("nTrials = " + nTrials + ": run 1 or more trials");
        // the shared node (when this study uses it) starts while the run is prepared; Tuner.fit waits for it
        if (node == null && address == null) GaleNode.prestartShared();
        if (interrupted > 0) run(objective, interrupted, interruptedSamples, true);
        return run(objective, ++optimizeCalls, nTrials, false);
    }

    /** Runs (or, with {@code resume}, finishes) experiment {@code optimize_<k>}. */
    private ResultGrid run(Objective objective, int k, int nTrials, boolean resume) {
        long startNanos = System.nanoTime();
        String expName = StudyDirectory.OPTIMIZE_PREFIX + k;
        Path expDir = inMemory() ? null : dir.resolve(expName);
        sampler.prefix(expName + "/");
        pruner.prefix(sampler.prefix());
        long run = studyRuns + 1;
        Map<String, Object> launch = new LinkedHashMap<>();
        launch.put("study", name);
        launch.put("study_run", run);
        Tuner.Builder b = Tuner.builder((TrialContext ctx) -> {
                    if (!(ctx instanceof DefineByRun dbr)) {
                        throw new IllegalStateException("define-by-run needs Gale's trial runtime");
                    }
                    OptimizeTrial trial = new OptimizeTrial(ctx, dbr);
                    double v = objective.evaluate(trial);
                    Map<String, Object> last = new LinkedHashMap<>();
                    last.put(VALUE, v);
                    if (trial.lastStep() != null) last.put("step", trial.lastStep()); // a pruner keyed on "step" finds it
                    last.put(FINAL, true);
                    ctx.report(last);
                })
                .tuneConfig(TuneConfig.builder().metric(VALUE).mode(mode).numSamples(nTrials)
                        .maxConcurrentTrials(maxConcurrent).maxFailures(maxFailures).seed(seed)
                        .searcher(sampler).scheduler(pruner).build())
                .runConfig(runConfig(expName, startNanos))
                .resources(resources)
                .node(node)
                .address(address)
                .tls(tls)
                .output(out)
                .inMemory(inMemory())
                .launchInfo(launch);
        if (resume) b.restore(expDir);
        if (inMemory()) {
            ResultGrid g = b.build().fit();
            optimized.put(k, StudyHistory.ended(k, g));
            studyRuns = run;
            return g;
        }
        try {
            return b.build().fit();
        } finally {
            if (Files.exists(expDir.resolve(ExperimentLayout.STATE_FILE))) {
                StudyDirectory.Experiment e = StudyDirectory.readExperiment(k, expDir);
                optimized.put(k, StudyHistory.ended(e));
                if (resume) interrupted = e.resumable() ? k : 0;
                studyRuns = run;
                saveState();
            }
        }
    }

    // ------------------------------------------------------------------ ask and tell

    /** A new trial for the caller to evaluate; answer with {@link #tell}. */
    public StudyTrial ask() {
        sampler.ensureSetup(mode, seed);
        pruner.ensureSetup(mode);
        String id = "ask_" + (++asked);
        pruner.onTrialAdd(id);
        return new AskedTrial(id, sampler, pruner, this);
    }

    /** Records the value of an asked trial (and saves the sampler's state, see the class comment). */
    public void tell(StudyTrial trial, double value) {
        AskedTrial t = asked(trial);
        if (!Double.isFinite(value)) {
            t.unmarkTold();
            tellFailed(trial, "objective value " + value + " is not finite");
            return;
        }
        Result r = new Result(t.id(), t.steps() + 1, 0, System.currentTimeMillis(), Map.of(VALUE, value));
        sampler.onTrialComplete(t.id(), r, false);
        pruner.onTrialComplete(t.id(), r);
        record(new FrozenTrial(t.id(), Collections.unmodifiableMap(new LinkedHashMap<>(t.params())), value,
                t.pruned() ? FrozenTrial.State.PRUNED : FrozenTrial.State.COMPLETE, null));
    }

    /** Records that an asked trial failed (and saves the sampler's state). */
    public void tellFailed(StudyTrial trial, String error) {
        AskedTrial t = asked(trial);
        sampler.onTrialComplete(t.id(), null, true);
        pruner.onTrialError(t.id());
        record(new FrozenTrial(t.id(), Collections.unmodifiableMap(new LinkedHashMap<>(t.params())), null, FrozenTrial.State.FAIL, error));
    }

    private AskedTrial asked(StudyTrial trial) {
        if (!(trial instanceof AskedTrial t) || !t.askedOf(this)) {
            throw new IllegalArgumentException("tell: pass a trial this study's ask() returned");
        }
        if (!t.markTold()) throw new IllegalArgumentException("tell: trial " + t.id() + " was already told");
        return t;
    }

    private void record(FrozenTrial ft) {
        told.add(new StudyHistory.Told(optimizeCalls, ft));
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("trial_id", ft.id());
        row.put("params", ft.params());
        row.put("value", ft.value());
        row.put("state", ft.state().name());
        row.put("error", ft.error());
        row.put("after_optimize", optimizeCalls);
        if (inMemory()) return;
        StudyDirectory.appendLine(dir.resolve(StudyDirectory.ASK_TELL_FILE), row);
        saveState();
    }

    // ------------------------------------------------------------------ results

    /**
     * Every ended trial, in order: optimize runs by k (each in trial creation order), each ask/tell
     * trial after the optimize runs started before it was told. A reopened study lists the same.
     */
    public List<FrozenTrial> trials() {
        return StudyHistory.inOrder(optimized, told);
    }

    /** The completed trial with the best value. */
    public FrozenTrial bestTrial() {
        FrozenTrial best = null;
        for (FrozenTrial t : trials()) {
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
}
