package dev.gale.cli;

import dev.gale.gpu.Bytes;
import dev.gale.gpu.ResourceSpec;
import dev.gale.tune.Mode;
import dev.gale.tune.ResultGrid;
import dev.gale.tune.RunConfig;
import dev.gale.tune.TrialStatus;
import dev.gale.tune.TrialSummary;
import dev.gale.tune.TuneConfig;
import dev.gale.tune.Tuner;
import dev.gale.tune.schedulers.AshaScheduler;
import dev.gale.tune.schedulers.Schedulers;
import dev.gale.tune.schedulers.TrialScheduler;
import dev.gale.tune.search.SearchSpace;
import dev.gale.tune.search.Searchers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import picocli.CommandLine;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code gale tune --class <Trainable> --space <file>}: runs a user's trainable on the embedded cluster. */
@Command(name = "tune", mixinStandardHelpOptions = true,
        description = {"Tune a Trainable class over a search space file (JSON or YAML).",
                "The class must be on the classpath: give its jar, classes directory or .java source file",
                "with --classpath (or set GALE_CLASSPATH)."})
final class TuneCommand implements Callable<Integer> {
    /** The searcher names of {@code --searcher}'s help (picocli lists them for ${COMPLETION-CANDIDATES}). */
    static final class SearcherNames extends ArrayList<String> {
        private static final long serialVersionUID = 1L;

        SearcherNames() {
            super(Searchers.NAMES);
        }
    }

    /** The scheduler names of {@code --scheduler}'s help: every name {@code Schedulers.byName} accepts. */
    static final class SchedulerNames extends ArrayList<String> {
        private static final long serialVersionUID = 1L;

        SchedulerNames() {
            super(Schedulers.NAMES);
        }
    }

    @Option(names = "--class", description = "fully qualified name of a Trainable class (required unless --resume)")
    String trainableClass;

    @Option(names = "--classpath", paramLabel = "PATH[:PATH...]",
            description = {"where --class is: jars, class directories, or .java source files, which the gale launcher",
                    "compiles with its own JDK (>= 21); added to the classpath of this run and of its trials"})
    String classpath;

    @Option(names = "--resume", paramLabel = "DIR",
            description = "continue the interrupted experiment in DIR with the options it was started with")
    Path resume;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--space", description = "search space file (.json, .yaml, .yml)")
    Path space;

    @Option(names = "--metric", description = "metric to optimize")
    String metric;

    @Option(names = "--mode", description = "min or max")
    String mode;

    @Option(names = {"-n", "--num-samples"}, defaultValue = "1", description = "samples of the space (default ${DEFAULT-VALUE})")
    int numSamples;

    @Option(names = "--max-concurrent", defaultValue = "0", description = "most trials at once; 0 = as resources allow")
    int maxConcurrent;

    @Option(names = "--searcher", defaultValue = "random", completionCandidates = SearcherNames.class,
            description = "${COMPLETION-CANDIDATES}, or a plugin's name (default ${DEFAULT-VALUE})")
    String searcher;

    @Option(names = "--scheduler", defaultValue = "fifo", completionCandidates = SchedulerNames.class,
            description = "${COMPLETION-CANDIDATES}, or a plugin's name (default ${DEFAULT-VALUE})")
    String scheduler;

    @Option(names = "--max-t", description = "ASHA: max training_iteration")
    Double maxT;

    @Option(names = "--grace-period", description = "ASHA: min training_iteration before stopping")
    Double gracePeriod;

    @Option(names = "--reduction-factor", description = "ASHA: reduction factor")
    Double reductionFactor;

    @Option(names = "--max-iterations", description = "stop each trial after this many reports")
    Long maxIterations;

    @Option(names = "--cpus", defaultValue = "1", description = "CPUs per trial (default ${DEFAULT-VALUE})")
    double cpus;

    @Option(names = "--gpus", defaultValue = "0", description = "GPUs per trial, whole or a fraction")
    double gpus;

    @Option(names = "--gpu-memory", description = "GPU memory per trial, e.g. 8GiB")
    String gpuMemory;

    @Option(names = "--max-failures", defaultValue = "0", description = "retries per trial from its last checkpoint")
    int maxFailures;

    @Option(names = "--time-budget", description = "budget for the whole experiment, e.g. 300s, 10m, 1h")
    String timeBudget;

    @Option(names = "--seed", description = "searcher seed (default: drawn at random, printed, and recorded in the experiment state)")
    Long seed;

    @Option(names = "--name", description = "experiment name (default gale_<timestamp>)")
    String name;

    @Option(names = "--storage-path", description = "parent of experiment directories (default ~/gale_results)")
    Path storagePath;

    @Option(names = {"-q", "--quiet"}, description = "no progress output")
    boolean quiet;

    @Option(names = "--address", paramLabel = "HOST:PORT",
            description = "run on the existing cluster at HOST:PORT (default: $GALE_ADDRESS, else an embedded one-node cluster)")
    String address;

    @CommandLine.Mixin
    ClusterCommand.TlsOptions tls = new ClusterCommand.TlsOptions();

    @Option(names = "--placement", defaultValue = "pack", description = "pack | spread: how trials are placed across nodes")
    String placement;

    @Option(names = "--isolation", defaultValue = "thread",
            description = "thread | process: run each trial in the node's JVM, or in a child JVM of its own (CUDA_VISIBLE_DEVICES set)")
    String isolation;

    @Option(names = "--stop-on-gpu-memory-over-budget",
            description = "end a trial's attempt as failed when it uses more GPU memory than it leased")
    boolean stopOnGpuMemoryOverBudget;

    @Option(names = "--dashboard", arity = "0..1", fallbackValue = "8265", paramLabel = "PORT",
            description = {"serve the web dashboard on 127.0.0.1:PORT while the search runs (default port 8265; 0 picks a",
                    "free one); the line 'dashboard: URL' says where; it stops when the search ends",
                    "(then: gale dashboard DIR)"})
    Integer dashboard;

    /** Key of the launch information that holds the original arguments. */
    static final String ARGS_KEY = "gale_tune_args";

    @Override
    public Integer call() {
        if (resume != null) return resume();
        if (trainableClass == null) {
            throw new IllegalArgumentException("--class is missing: give the Trainable class to tune, or --resume DIR");
        }
        List<String> args = spec.commandLine().getParseResult() == null ? List.of()
                : spec.commandLine().getParseResult().originalArgs();
        int at = args.indexOf(spec.name()); // the parent's arguments and this command's name come first
        return run(null, Map.of(ARGS_KEY, List.copyOf(at >= 0 ? args.subList(at + 1, args.size()) : args)));
    }

    /** Re-reads the first run's arguments from the experiment and continues it. */
    private Integer resume() {
        Map<String, Object> launch = Tuner.launchInfo(resume);
        if (!(launch.get(ARGS_KEY) instanceof List<?> saved)) {
            throw new IllegalArgumentException(resume + " was not started by 'gale tune' (no recorded arguments):"
                    + " resume it from Java with Tuner.builder(...).restore(dir)");
        }
        List<String> args = new ArrayList<>();
        for (Object o : saved) args.add(String.valueOf(o));
        TuneCommand first = new TuneCommand();
        new CommandLine(first).parseArgs(args.toArray(String[]::new));
        if (quiet) first.quiet = true;
        if (address != null) first.address = address; // the cluster may have moved since the first run
        if (tls.keyStore != null) first.tls = tls;
        if (dashboard != null) first.dashboard = dashboard;
        if (first.classpath != null && classpath == null && !loadable(first.trainableClass)) {
            throw new IllegalArgumentException("the experiment in " + resume + " was started with --classpath " + first.classpath
                    + ": pass it again: gale tune --resume " + resume + " --classpath " + first.classpath);
        }
        return first.run(resume, launch);
    }

    private Integer run(Path restoreDir, Map<String, Object> launch) {
        Mode m = mode == null ? null : Mode.parse(mode);
        checkTrainable();
        if (tls.keyStore != null && address == null && blank(System.getenv("GALE_ADDRESS"))) {
            throw new IllegalArgumentException("--tls-keystore is for joining a TLS cluster: give its address with --address host:port"
                    + " (the embedded cluster needs no TLS)");
        }
        TrialScheduler sched;
        if (scheduler.toLowerCase(Locale.ROOT).equals("asha")) {
            AshaScheduler.Builder b = AshaScheduler.builder();
            if (maxT != null) b.maxT(maxT);
            if (gracePeriod != null) b.gracePeriod(gracePeriod);
            if (reductionFactor != null) b.reductionFactor(reductionFactor);
            sched = b.build();
        } else {
            sched = Schedulers.byName(scheduler);
        }
        TuneConfig.Builder tb = TuneConfig.builder().metric(metric).mode(m).numSamples(numSamples)
                .maxConcurrentTrials(maxConcurrent).searcher(Searchers.byName(searcher)).scheduler(sched)
                .maxFailures(maxFailures);
        if (seed != null) tb.seed(seed);
        if (timeBudget != null) tb.timeBudget(parseDuration(timeBudget));
        if (maxIterations != null) tb.maxIterations(maxIterations);
        ResourceSpec res = ResourceSpec.ofCpus(cpus).withGpus(gpus);
        if (gpuMemory != null) res = res.withGpuMemory(Bytes.parse("--gpu-memory", gpuMemory));
        SearchSpace sp = space == null ? SearchSpace.of(Map.of()) : SearchSpace.load(space);
        dev.gale.tune.Isolation iso;
        try {
            iso = dev.gale.tune.Isolation.valueOf(isolation.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--isolation '" + isolation + "': use thread or process");
        }
        RunConfig rc = new RunConfig(name, storagePath, quiet, 1000).withIsolation(iso)
                .withStopOnGpuMemoryOverBudget(stopOnGpuMemoryOverBudget);
        if (dashboard != null) rc = rc.withDashboard(dev.gale.tune.callback.DashboardOptions.local(dashboard));
        Tuner.Builder builder = Tuner.builder(trainableClass).paramSpace(sp).tuneConfig(tb.build()).runConfig(rc)
                .resources(res).launchInfo(launch);
        if (restoreDir != null) builder.restore(restoreDir);
        if (address != null) builder.address(address);
        if (tls.keyStore != null) builder.tls(tls.settings());
        try {
            builder.placement(dev.gale.cluster.Placement.valueOf(placement.toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--placement '" + placement + "': use pack or spread");
        }
        String joining = address != null ? address : blank(System.getenv("GALE_ADDRESS")) ? null : System.getenv("GALE_ADDRESS").strip();
        if (joining != null) {
            // a wrong address or cluster secret fails here, in seconds, with the option to fix (not at the join timeout)
            dev.gale.cluster.NodeConfig.checkHostPort(address != null ? "--address" : "GALE_ADDRESS", joining);
            dev.gale.cluster.TlsSettings t = tls.settings();
            if (t == null) ClusterProbe.reachable(joining);
            else ClusterProbe.tls(joining, t);
        }
        Tuner tuner = builder.build();
        ResultGrid g;
        try {
            g = tuner.fit();
        } catch (dev.gale.tune.ExperimentStoppedException e) {
            return stopped(e);
        } catch (IllegalStateException e) {
            String why = e.getMessage();
            if (dashboard != null && why != null && why.startsWith("dashboard: port ")) {
                throw new IllegalStateException(why.replace("with --port (0 picks", "with --dashboard PORT (0 picks"), e);
            }
            throw e;
        }
        System.out.print(g.table());
        System.out.println("experiment directory: " + g.experimentDir());
        if (metric != null && g.count(TrialStatus.TERMINATED) > 0) {
            try {
                TrialSummary best = g.best();
                System.out.printf("best %s: %s = %s, config %s%n", best.trialId(), metric,
                        best.lastResult().get(metric), best.config());
            } catch (IllegalArgumentException e) {
                System.out.println(e.getMessage());
            }
        }
        return g.errors().isEmpty() ? 0 : 1;
    }

    /**
     * Says how the experiment stopped early, in the CLI's words, and how to go on: the trials left
     * INTERRUPTED and the exact command that resumes them. Exit 130 when interrupted (as a shell
     * reports Ctrl-C), 1 when aborted by an error.
     */
    private Integer stopped(dev.gale.tune.ExperimentStoppedException e) {
        java.io.PrintStream err = System.err;
        int n = e.interruptedTrials().size();
        if (e.interrupted()) {
            err.println("gale: experiment interrupted: " + n + " running trial" + (n == 1 ? " was" : "s were")
                    + " stopped and recorded as INTERRUPTED" + (n == 0 ? "" : " " + e.interruptedTrials()));
        } else {
            err.println("gale: experiment stopped: " + CliMessages.translate(e.getMessage())
                    .replace("then resume the experiment", "then resume it"));
            if (n > 0) err.println("gale: " + n + " running trial" + (n == 1 ? " is" : "s are") + " recorded as INTERRUPTED " + e.interruptedTrials());
        }
        err.println("gale: what was recorded is in " + e.experimentDir());
        err.println("gale: resume with: gale tune --resume " + e.experimentDir());
        err.flush();
        return e.interrupted() ? 130 : 1;
    }

    /**
     * Fails, before anything starts, when {@code --class} cannot be loaded or is no usable
     * Trainable, naming the class and the option that fixes it.
     */
    private void checkTrainable() {
        Class<?> cls;
        try {
            cls = Class.forName(trainableClass, false, loader());
        } catch (ClassNotFoundException | LinkageError e) {
            String given = classpath == null ? "" : System.getProperty("gale.classpath.added") == null
                    ? " (--classpath " + classpath + " was given, but only the gale launcher script applies it: run ./gale)"
                    : " (not in --classpath " + classpath + ")";
            throw new IllegalArgumentException("--class " + trainableClass + ": no such class on the classpath" + given
                    + ": give the jar or classes directory that holds it, or its .java source file, with --classpath PATH"
                    + " (or set GALE_CLASSPATH=PATH)" + (e instanceof LinkageError ? " [" + e + "]" : ""));
        }
        if (!dev.gale.tune.Trainable.class.isAssignableFrom(cls)) {
            throw new IllegalArgumentException("--class " + trainableClass + " is not a Trainable: it must implement "
                    + dev.gale.tune.Trainable.class.getName() + " (public void train(TrialContext ctx))");
        }
        int mod = cls.getModifiers();
        boolean ctor;
        try {
            ctor = java.lang.reflect.Modifier.isPublic(cls.getConstructor().getModifiers());
        } catch (NoSuchMethodException e) {
            ctor = false;
        }
        if (!java.lang.reflect.Modifier.isPublic(mod) || java.lang.reflect.Modifier.isAbstract(mod) || !ctor
                || (cls.isMemberClass() && !java.lang.reflect.Modifier.isStatic(mod))) {
            throw new IllegalArgumentException("--class " + trainableClass + " cannot be created by name: make it a public,"
                    + " non-abstract (static, if nested) class with a public no-argument constructor");
        }
    }

    private static boolean loadable(String className) {
        try {
            Class.forName(className, false, loader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    private static ClassLoader loader() {
        ClassLoader cl = Thread.currentThread().getContextClassLoader();
        return cl != null ? cl : TuneCommand.class.getClassLoader();
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    /** Parses {@code 300s}, {@code 10m}, {@code 1h}, {@code 500ms} or an ISO-8601 duration. */
    static Duration parseDuration(String s) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        try {
            if (t.endsWith("ms")) return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
            if (t.endsWith("s")) return Duration.ofMillis(Math.round(Double.parseDouble(t.substring(0, t.length() - 1)) * 1000));
            if (t.endsWith("m")) return Duration.ofMillis(Math.round(Double.parseDouble(t.substring(0, t.length() - 1)) * 60_000));
            if (t.endsWith("h")) return Duration.ofMillis(Math.round(Double.parseDouble(t.substring(0, t.length() - 1)) * 3_600_000));
            return Duration.parse(s);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("--time-budget '" + s + "': use e.g. 300s, 10m, 1h");
        }
    }
}
