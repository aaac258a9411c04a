package dev.gale.train;

import dev.gale.cluster.GaleNode;
import dev.gale.train.internal.GroupDriver;
import dev.gale.tune.Checkpoint;
import dev.gale.tune.Trainable;
import dev.gale.tune.TrialContext;
import dev.gale.tune.TrialStoppedException;

import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Runs a {@link TrainLoop} data-parallel on a group of workers of the cluster, one JVM per worker,
 * in the spirit of Ray Train's {@code DataParallelTrainer}.
 *
 * <p>Promises:
 * <ul>
 *   <li>The group is one all-or-nothing gang of {@link ScalingConfig#minWorkers()} leases (plus
 *       up to {@code max - min} more for an elastic group); a group that no node shape of the
 *       cluster can hold fails {@link #fit()} at once with a {@link TrainingFailedException}
 *       naming the shape, never waits.</li>
 *   <li>Each worker runs in a JVM of its own (DJL allows one training step per JVM), with
 *       {@code CUDA_VISIBLE_DEVICES} from its lease's GPUs and the PyTorch thread count from its
 *       CPUs.</li>
 *   <li>Any failure (an exception on any rank, a worker JVM killed, a node lost) stops every rank
 *       and restarts the group from rank 0's last reported checkpoint, up to
 *       {@link FailureConfig#maxFailures()} times; past that {@link #fit()} throws a
 *       {@link TrainingFailedException} whose message names the failing rank.</li>
 *   <li>As a tune {@link Trainable} (a trial is a group): the trial's config is the loop's config,
 *       rank 0's reports are the trial's results (with their checkpoints), a scheduler's stop stops
 *       the group, and the trial's checkpoint is where the group resumes.</li>
 * </ul>
 */
public final class DataParallelTrainer implements Trainable {
    private final Class<? extends TrainLoop> loop;
    private final ScalingConfig scaling;
    private final FailureConfig failure;
    private final TrainRunConfig run;
    private final Map<String, Object> config;
    private final GaleNode node;
    private final Duration elasticWait;
    private final Consumer<Map<String, Object>> onReport;
    private final Map<String, String> datasets;

    private DataParallelTrainer(Builder b) {
        this.datasets = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(b.datasets));
        this.onReport = b.onReport;
        this.loop = b.loop;
        this.scaling = b.scaling;
        this.failure = b.failure;
        this.run = b.run;
        this.config = Map.copyOf(b.config);
        this.node = b.node;
        this.elasticWait = b.elasticWait;
    }

    /** A builder for {@code loop} (a public class with a public no-argument constructor). */
    public static Builder builder(Class<? extends TrainLoop> loop) {
        return new Builder(loop);
    }

    /** Trains with the builder's config; blocks until the group is done. */
    public TrainResult fit() {
        return driver(config, run, null, (metrics, ck) -> {
            if (onReport != null) onReport.accept(metrics);
            return false;
        }).run();
    }

    private GroupDriver driver(Map<String, Object> cfg, TrainRunConfig r, Path resume, GroupDriver.ReportSink sink) {
        GaleNode n = node != null ? node : GaleNode.shared();
        return new GroupDriver(n, new GroupDriver.Job(loop.getName(), cfg, scaling, failure, r, elasticWait, datasets), resume, sink);
    }

    /**
     * Runs one tune trial as a group: config = the builder's config overlaid with the trial's,
     * checkpoints and logs in the trial directory, rank 0's reports become the trial's.
     */
    @Override
    public void train(TrialContext ctx) {
        Map<String, Object> cfg = new LinkedHashMap<>(config);
        cfg.putAll(ctx.config().asMap());
        TrainRunConfig r = new TrainRunConfig("group", ctx.trialDir(), run.collectiveTimeout(), run.startTimeout());
        Path resume = ctx.checkpoint().map(Checkpoint::path).orElse(null);
        boolean[] stoppedByTune = {false};
        GroupDriver d = driver(cfg, r, resume, (metrics, ck) -> {
            try {
                if (ck == null) ctx.report(metrics);
                else ctx.report(metrics, Checkpoint.fromDirectory(ck));
                return false;
            } catch (TrialStoppedException e) {
                stoppedByTune[0] = true;
                return true;
            }
        });
        d.run();
        if (stoppedByTune[0]) throw new TrialStoppedException("the trial's group was stopped by the scheduler");
    }

    /** The scaling of this trainer. */
    public ScalingConfig scaling() {
        return scaling;
    }

    /** Builds a {@link DataParallelTrainer}. */
    public static final class Builder {
        private final Class<? extends TrainLoop> loop;
        private ScalingConfig scaling = ScalingConfig.of(1);
        private FailureConfig failure = FailureConfig.NONE;
        private TrainRunConfig run = new TrainRunConfig(null, null, null, null);
        private final Map<String, Object> config = new LinkedHashMap<>();
        private GaleNode node;
        private Duration elasticWait = Duration.ofSeconds(2);
        private Consumer<Map<String, Object>> onReport;
        private final Map<String, String> datasets = new LinkedHashMap<>();

        private Builder(Class<? extends TrainLoop> loop) {
            if (loop == null) throw new IllegalArgumentException("loop is null: pass a TrainLoop class");
            checkCreatableByName(loop, "loop");
            this.loop = loop;
        }

        private static void checkCreatableByName(Class<?> cls, String what) {
            if (!Modifier.isPublic(cls.getModifiers()) || cls.isAnonymousClass() || cls.isLocalClass()
                    || (cls.isMemberClass() && !Modifier.isStatic(cls.getModifiers()))) {
                throw new IllegalArgumentException(cls.getName() + " must be a public top-level or static nested class:"
                        + " workers create it by name in their own JVMs");
            }
            try {
                cls.getConstructor();
            } catch (NoSuchMethodException e) {
                throw new IllegalArgumentException(cls.getName() + " has no public no-argument constructor: add one"
                        + " (workers create the " + what + " by class name)");
            }
        }

        /**
         * Registers a data set under {@code name}: every worker creates {@code factory} by name in its
         * own JVM, builds the whole data set once, and gets its shard from
         * {@link TrainContext#datasetShard(String, int, long)} (or the whole set from
         * {@link TrainContext#dataset(String)}). Registering a name again replaces it.
         */
        public Builder dataset(String name, Class<? extends DatasetFactory> factory) {
            if (name == null || name.isBlank()) throw new IllegalArgumentException("dataset name is blank: name it, e.g. \"train\"");
            if (factory == null) throw new IllegalArgumentException("dataset factory for \"" + name + "\" is null: pass a DatasetFactory class");
            checkCreatableByName(factory, "dataset factory");
            datasets.put(name, factory.getName());
            return this;
        }

        /** Workers and their resources. */
        public Builder scaling(ScalingConfig s) {
            this.scaling = Objects.requireNonNull(s, "scaling");
            return this;
        }

        /** Restarts allowed. */
        public Builder failure(FailureConfig f) {
            this.failure = Objects.requireNonNull(f, "failure");
            return this;
        }

        /** Name, storage, timeouts. */
        public Builder run(TrainRunConfig r) {
            this.run = Objects.requireNonNull(r, "run");
            return this;
        }

        /** A config entry handed to every worker (JSON values: numbers, strings, booleans, lists, maps). */
        public Builder config(String key, Object value) {
            config.put(key, value);
            return this;
        }

        /** Config entries handed to every worker. */
        public Builder config(Map<String, ?> values) {
            config.putAll(values);
            return this;
        }

        /** The cluster to run on (default: the JVM's shared embedded node). */
        public Builder node(GaleNode n) {
            this.node = n;
            return this;
        }

        /** How long an elastic group waits, once its minimum is granted, for more workers (default 2 s). */
        public Builder elasticWait(Duration d) {
            if (d == null || d.isNegative()) throw new IllegalArgumentException("elasticWait must be >= 0");
            this.elasticWait = d;
            return this;
        }

        /** Called with each of rank 0's reports during {@link #fit()} (on the driver's thread; keep it short). */
        public Builder onReport(Consumer<Map<String, Object>> listener) {
            this.onReport = listener;
            return this;
        }

        public DataParallelTrainer build() {
            return new DataParallelTrainer(this);
        }
    }
}
