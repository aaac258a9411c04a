package dev.gale.tune;

import dev.gale.cluster.ClusterStatus;
import dev.gale.cluster.GaleNode;
import dev.gale.gpu.ResourceSpec;
import dev.gale.cluster.NodeConfig;
import dev.gale.cluster.Placement;
import dev.gale.cluster.TlsSettings;
import dev.gale.tune.internal.ExperimentClaim;
import dev.gale.tune.internal.ExperimentRestore;
import dev.gale.tune.internal.ExperimentResume;
import dev.gale.tune.internal.RunningExperiment;
import dev.gale.tune.storage.internal.FileExperimentStore;
import dev.gale.tune.internal.LocalTrainables;
import dev.gale.tune.internal.ProgressReporter;
import dev.gale.tune.internal.TuneController;
import dev.gale.tune.callback.Callback;
import org.apache.pekko.actor.typed.ActorRef;
import dev.gale.tune.search.SearchSpace;
import org.apache.pekko.actor.typed.Props;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs a hyperparameter search: samples the space, runs each trial on the cluster through a lease
 * of {@link #resources}, streams results to the scheduler and searcher, and returns the
 * {@link ResultGrid}.
 *
 * <p>Without a node or address given, {@link #fit()} runs on the embedded one-node cluster this JVM
 * shares ({@link GaleNode#shared()}): started by the first run, kept for the next ones, stopped at
 * JVM exit or by {@link GaleNode#closeShared()}. Mistakes in the configuration (an invalid space, a scheduler without a metric, an
 * existing experiment directory, resources no node can ever hold) throw
 * {@link IllegalArgumentException} before any trial starts.
 *
 * <pre>{@code
 * ResultGrid grid = Tuner.builder(ctx -> { ... ctx.report(Map.of("loss", loss)); })
 *     .paramSpace(SearchSpace.of(Map.of("lr", Domains.loguniform(1e-4, 1e-1))))
 *     .tuneConfig(TuneConfig.builder().metric("loss").mode(Mode.MIN).numSamples(20).build())
 *     .build().fit();
 * }</pre>
 */
public final class Tuner {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Tuner.class);
    private static final AtomicLong COUNTER = new AtomicLong();

    private final Trainable instance;
    private final String trainableClass;
    private final SearchSpace space;
    /** The config; {@link #fit()} replaces it by one with the seed it runs with. */
    private TuneConfig tuneConfig;
    private RunConfig runConfig;
    private final ResourceSpec resources;
    private final GaleNode node;
    private final PrintStream out;
    private final Placement placement;
    private final String address;
    private final Path restoreDir;
    private final Map<String, Object> launch;
    private final Clock clock;
    private final TlsSettings tls;
    private final boolean inMemory;
    /** The dashboard service when the RunConfig asks for one (found when built: a missing module fails then). */
    private final dev.gale.tune.callback.DashboardProvider dashboards;

    private Tuner(Builder b) {
        this.instance = b.instance;
        this.trainableClass = b.trainableClass;
        this.space = b.space != null ? b.space : SearchSpace.of(Map.of());
        this.tuneConfig = b.tuneConfig != null ? b.tuneConfig : TuneConfig.builder().build();
        this.runConfig = b.runConfig != null ? b.runConfig : RunConfig.defaults(b.clock != null ? b.clock : Clock.systemDefaultZone());
        this.resources = b.resources != null ? b.resources : ResourceSpec.DEFAULT;
        this.node = b.node;
        this.out = b.out != null ? b.out : System.out;
        this.placement = b.placement != null ? b.placement : Placement.PACK;
        String env = System.getenv("GALE_ADDRESS");
        this.address = b.address != null ? b.address : (b.node == null && env != null && !env.isBlank() ? env.trim() : null);
        if (this.address != null) NodeConfig.checkHostPort("address", this.address);
        this.launch = b.launch != null ? Map.copyOf(b.launch) : Map.of();
        this.clock = b.clock != null ? b.clock : Clock.systemUTC();
        this.tls = b.tls;
        this.inMemory = b.inMemory;
        if (tls != null && (b.node != null || address == null)) {
            throw new IllegalArgumentException("tls(...) is for joining a cluster by address: give address(host:port) too"
                    + " (an embedded or given node has its own settings)");
        }
        if (inMemory && b.restoreDir != null) {
            throw new IllegalArgumentException("restore(" + b.restoreDir + ") reads an experiment directory: leave inMemory off");
        }
        if (b.restoreDir != null) {
            this.restoreDir = b.restoreDir.toAbsolutePath().normalize();
            if (this.restoreDir.getFileName() == null) {
                throw new IllegalArgumentException("restore(" + b.restoreDir + "): give an experiment directory, not a root");
            }
            this.runConfig = runConfig.withStoragePath(this.restoreDir.getParent())
                    .withName(this.restoreDir.getFileName().toString());
        } else {
            this.restoreDir = null;
        }
        this.dashboards = runConfig.dashboard() == null ? null : dev.gale.tune.internal.Dashboards.provider("RunConfig.withDashboard(...)");
    }

    /** A tuner of a trainable instance or lambda (runs on the embedded cluster). */
    public static Builder builder(Trainable trainable) {
        if (trainable == null) throw new IllegalArgumentException("trainable is null: pass your training function");
        return new Builder(trainable, null);
    }

    /** A tuner of a trainable class (public, with a public no-argument constructor). */
    public static Builder builder(Class<? extends Trainable> trainableClass) {
        return builder(trainableClass.getName());
    }

    /** A tuner of a trainable class given by name. */
    public static Builder builder(String trainableClassName) {
        if (trainableClassName == null || trainableClassName.isBlank()) {
            throw new IllegalArgumentException("trainable class name is blank: give a fully qualified class name");
        }
        return new Builder(null, trainableClassName);
    }

    /** Builder of {@link Tuner}. */
    public static final class Builder {
        private final Trainable instance;
        private final String trainableClass;
        private SearchSpace space;
        private TuneConfig tuneConfig;
        private RunConfig runConfig;
        private ResourceSpec resources;
        private GaleNode node;
        private PrintStream out;
        private Placement placement;
        private String address;
        private Path restoreDir;
        private Map<String, Object> launch;
        private Clock clock;
        private TlsSettings tls;
        private boolean inMemory;

        private Builder(Trainable instance, String trainableClass) {
            this.instance = instance;
            this.trainableClass = trainableClass;
        }

        /** The search space (validated when built). */
        public Builder paramSpace(SearchSpace space) { this.space = space; return this; }
        /** The search space as a nested map of domains and constants. */
        public Builder paramSpace(Map<String, Object> space) { this.space = SearchSpace.of(space); return this; }
        public Builder tuneConfig(TuneConfig c) { this.tuneConfig = c; return this; }
        public Builder runConfig(RunConfig c) { this.runConfig = c; return this; }
        /** Resources of one trial (default: 1 CPU). */
        public Builder resources(ResourceSpec r) { this.resources = r; return this; }
        /** Runs on this already started node's cluster instead of an embedded one. */
        public Builder node(GaleNode n) { this.node = n; return this; }
        /** Where progress goes (default standard output). */
        public Builder output(PrintStream o) { this.out = o; return this; }
        /**
         * Runs on the existing cluster at {@code hostPort} (any of its nodes, e.g. the head started
         * with {@code gale cluster start}) instead of an embedded one: this JVM joins it as a client
         * that offers no resources, so every trial runs on the cluster's nodes, and leaves when the
         * experiment ends. Without it, the environment variable {@code GALE_ADDRESS} is used when set.
         * Trials on other JVMs need a trainable class (on the nodes' classpath), not a lambda.
         */
        public Builder address(String hostPort) { this.address = hostPort; return this; }
        /**
         * The cluster secret to join the cluster at {@link #address} with, when that cluster runs
         * TLS (its nodes were started with {@code --tls-keystore}): the same keystore and password.
         * A keystore the cluster does not accept fails {@link #fit()} at once, naming the cause.
         */
        public Builder tls(TlsSettings settings) { this.tls = settings; return this; }

        /**
         * Keeps the experiment's records in memory instead of an experiment directory (default
         * false): nothing to {@link #restore} after the JVM ends, no directory to read with
         * {@link ResultGrid#load}; trial directories and checkpoints live in a temporary directory
         * deleted when {@link #fit()} returns. The {@link RunConfig}'s name and storage path are
         * not used. For short runs whose results are used in this JVM only (as {@code Study}
         * without a storage path).
         */
        public Builder inMemory(boolean b) { this.inMemory = b; return this; }

        /** How trials are placed across nodes (default {@link Placement#PACK}). */
        public Builder placement(Placement p) { this.placement = p; return this; }

        /**
         * Continues the interrupted experiment in {@code experimentDir} instead of starting a new
         * one (after the driver was killed, or the machine rebooted): trials that finished are not
         * run again, trials that were running restart from their last checkpoint, and the searcher
         * and scheduler continue from their saved state. Give the same trainable, search space,
         * searcher and scheduler <em>kinds</em> and resources as the first run (their saved state
         * is loaded into them); the experiment directory replaces {@link RunConfig}'s name and
         * storage path.
         */
        public Builder restore(Path experimentDir) { this.restoreDir = experimentDir; return this; }

        /**
         * Plain values (strings, numbers, lists, maps) recorded in the experiment's snapshot so that
         * a tool can launch the same experiment again ({@code gale tune --resume} records its
         * arguments here); read them back with {@link Tuner#launchInfo(Path)}.
         */
        public Builder launchInfo(Map<String, Object> info) { this.launch = info; return this; }

        /** The clock of the experiment (time budget, elapsed time, journal times); default the system's UTC clock. */
        public Builder clock(Clock c) { this.clock = c; return this; }

        public Tuner build() {
            return new Tuner(this);
        }
    }

    /**
     * What the first run of the experiment in {@code experimentDir} recorded with
     * {@link Builder#launchInfo}; empty when nothing was.
     *
     * @throws IllegalArgumentException when {@code experimentDir} holds no experiment snapshot
     */
    public static Map<String, Object> launchInfo(Path experimentDir) {
        return ExperimentRestore.launchInfo(experimentDir);
    }

    /** The run {@link #fit()} started, as {@link #interrupt} reaches it. */
    private final RunningExperiment running = new RunningExperiment();

    /**
     * Stops the experiment that {@link #fit()} is running (from another thread), as Ctrl-C does:
     * running trials are stopped and recorded INTERRUPTED, and {@code fit()} throws an
     * {@link ExperimentStoppedException}; a restore continues them. Before {@code fit()} has
     * started the experiment, it is interrupted as soon as it starts; after it ended, nothing happens.
     *
     * @param reason why, for messages (e.g. "stopped from the UI")
     */
    public void interrupt(String reason) {
        running.interrupt(reason);
    }

    /** The experiment directory this tuner writes. */
    public Path experimentDir() {
        return runConfig.experimentDir();
    }

    /**
     * Runs the experiment to the end and returns its results.
     *
     * @throws IllegalArgumentException for configuration mistakes, before any trial starts
     * @throws IllegalStateException    when the experiment had to be aborted (for example the
     *                                  experiment directory could not be written); what was written stays
     */
    public ResultGrid fit() {
        String metric = tuneConfig.metric();
        Mode mode = tuneConfig.mode();
        boolean drawn = !tuneConfig.seedGiven() && (restoreDir == null || ExperimentResume.recordedSeed(restoreDir) == null);
        if (!tuneConfig.seedGiven()) {
            Long recorded = restoreDir == null ? null : ExperimentResume.recordedSeed(restoreDir);
            tuneConfig = tuneConfig.withSeed(recorded != null ? recorded : drawSeed());
        }
        tuneConfig.searcher().setup(space, metric, mode == null ? Mode.MAX : mode, tuneConfig.numSamples(), tuneConfig.seed());
        tuneConfig.scheduler().setup(metric, mode == null ? Mode.MAX : mode);
        List<Callback> registered = registeredCallbacks(); // a broken plugin list fails before anything starts
        // the configuration is valid: the shared node (when this run uses it) starts while the experiment is prepared
        if (node == null && address == null) GaleNode.prestartShared();
        if (drawn && !runConfig.quiet()) {
            out.println("[gale] seed " + tuneConfig.seed() + " (none given: drawn at random and recorded in the experiment"
                    + " state; give this seed to repeat the search)");
            out.flush();
        }
        if (inMemory) return fitInMemory(registered);
        Path dir = runConfig.experimentDir();
        return ExperimentClaim.holding(dir, restoreDir != null,
                ExperimentClaim.driverDescription(launch, restoreDir, runConfig.name(), trainableClass),
                () -> fitLocked(dir, registered));
    }

    /** A seed for a run that was given none: non-negative and at most 2^31 - 1, so it is easy to pass again. */
    static long drawSeed() {
        return java.util.concurrent.ThreadLocalRandom.current().nextInt(Integer.MAX_VALUE);
    }

    private ResultGrid fitInMemory(List<Callback> registered) {
        try (dev.gale.tune.storage.internal.MemoryExperimentStore store = dev.gale.tune.storage.internal.MemoryExperimentStore.lean()) {
            return run(store.dir(), () -> store, null, registered);
        }
    }

    /** Runs the experiment into {@code dir}, whose lock this driver holds; a restore loads the saved state first. */
    private ResultGrid fitLocked(Path dir, List<Callback> registered) {
        ExperimentRestore restored = restoreDir == null ? null
                : ExperimentResume.load(restoreDir, tuneConfig.searcher(), tuneConfig.scheduler());
        return run(dir, () -> new FileExperimentStore(dir), restored, registered);
    }

    /** Runs the experiment on the cluster (given, joined by address, or the shared embedded node) into the store made by {@code stores}. */
    private ResultGrid run(Path dir, java.util.function.Supplier<dev.gale.tune.storage.ExperimentStore> stores,
                           ExperimentRestore restored, List<Callback> registered) {
        String metric = tuneConfig.metric();
        Mode mode = tuneConfig.mode();
        GaleNode cluster = node != null ? node : address != null
                ? GaleNode.connect(NodeConfig.client(List.of(address)).withTls(tls), GaleNode.DEFAULT_TIMEOUT) : GaleNode.shared();
        String key = null;
        dev.gale.tune.callback.DashboardProvider.Live dashboard = null;
        try {
            ClusterStatus st = cluster.status(Duration.ofSeconds(30));
            boolean remote = cluster.isClient() || st.nodes().size() > 1;
            if (restored != null) {
                st = ExperimentResume.awaitPreviousDriverGone(cluster, st, runConfig.name(), restoreDir, runConfig.quiet(), out);
            }
            if (!st.feasible(resources)) {
                throw new IllegalArgumentException("resources per trial (" + resources + ") fit no node of the cluster ("
                        + describe(st) + "): lower TuneConfig resources or add a node that has them");
            }
            dev.gale.tune.storage.ExperimentStore storage = stores.get();
            String trainable;
            if (instance == null) {
                trainable = trainableClass;
            } else if (remote && isCreatableByName(instance.getClass())) {
                trainable = instance.getClass().getName();
            } else if (remote) {
                throw new IllegalArgumentException("the trainable is a lambda or an instance of "
                        + instance.getClass().getName() + ", which other JVMs cannot create, and this cluster has remote"
                        + " nodes: pass a public Trainable class with a public no-argument constructor"
                        + " (Tuner.builder(MyTrainable.class)) on every node's classpath");
            } else {
                trainable = key = LocalTrainables.register(instance);
            }
            List<Callback> callbacks = new ArrayList<>();
            if (!runConfig.quiet()) {
                callbacks.add(new ProgressReporter(out, false, out == System.out && ProgressReporter.isTerminal(), metric, mode,
                        5000).callback());
            }
            callbacks.addAll(runConfig.callbacks());
            callbacks.addAll(registered);
            if (dashboards != null) {
                dashboard = dashboards.open(runConfig.dashboard(), cluster);
                callbacks.add(dashboard.callback());
                LOG.info("dashboard: {}", dashboard.url());
                out.println("dashboard: " + dashboard.url() + " (stops when the run ends)");
                out.flush();
            }
            CompletableFuture<ResultGrid> done = new CompletableFuture<>();
            ActorRef<TuneController.Command> controller = cluster.system().systemActorOf(TuneController.create(
                            new TuneController.Setup(tuneConfig, runConfig, resources, trainable, cluster.resourceManager(),
                                    storage, callbacks, done, runConfig.name(), placement, restored, launch, clock)),
                    "tune-" + COUNTER.incrementAndGet(), Props.empty());
            running.started(controller);
            return running.await(controller, done, runConfig.handleSignals(), out, dir);
        } finally {
            running.ended();
            if (dashboard != null) dashboard.close(); // after onExperimentEnd: the page showed the end
            if (key != null) LocalTrainables.unregister(key);
            if (node == null && address != null) cluster.close(); // the shared embedded node stays up for the next run
        }
    }

    /** The callbacks listed in {@code META-INF/services/dev.gale.tune.callback.Callback}. */
    private static List<Callback> registeredCallbacks() {
        List<Callback> out = new ArrayList<>();
        try {
            for (Callback c : ServiceLoader.load(Callback.class, Thread.currentThread().getContextClassLoader())) out.add(c);
        } catch (ServiceConfigurationError e) {
            throw new IllegalArgumentException("cannot load the callbacks listed in META-INF/services/" + Callback.class.getName()
                    + ": " + e.getMessage() + " (each needs a public no-argument constructor)", e);
        }
        return out;
    }

    private static boolean isCreatableByName(Class<?> c) {
        if (c.isSynthetic() || c.isAnonymousClass() || c.isLocalClass() || c.isHidden()) return false;
        if (!java.lang.reflect.Modifier.isPublic(c.getModifiers())) return false;
        if (c.isMemberClass() && !java.lang.reflect.Modifier.isStatic(c.getModifiers())) return false;
        try {
            return java.lang.reflect.Modifier.isPublic(c.getDeclaredConstructor().getModifiers());
        } catch (NoSuchMethodException e) {
            return false;
        }
    }

    private static String describe(ClusterStatus st) {
        StringBuilder sb = new StringBuilder();
        for (ClusterStatus.Node n : st.nodes()) {
            if (!sb.isEmpty()) sb.append("; ");
            sb.append(n.nodeId()).append(": ").append(n.inventory().cpus()).append(" cpus, ")
                    .append(n.inventory().gpus().size()).append(" GPUs");
        }
        return sb.isEmpty() ? "no nodes" : sb.toString();
    }
}
