package dev.gale.tune.testing;

import ai.djl.Device;
import dev.gale.gpu.Allocation;
import dev.gale.gpu.ResourceSpec;
import dev.gale.tune.Checkpoint;
import dev.gale.tune.Config;
import dev.gale.tune.Result;
import dev.gale.tune.Trainable;
import dev.gale.tune.TrialContext;
import dev.gale.tune.TrialStoppedException;
import dev.gale.tune.internal.AttemptContext;
import dev.gale.tune.internal.TrialPayload;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * A {@link TrialContext} for unit tests of a {@link Trainable}: no cluster, no controller; the
 * trainable runs on the test's thread and everything it reports is recorded.
 *
 * <pre>{@code
 * TestTrialContext ctx = TestTrialContext.builder()
 *         .config(Map.of("lr", 0.01, "epochs", 3))
 *         .trialDir(tempDir)
 *         .stopAfterReports(2)                 // as if a scheduler stopped the trial
 *         .build();
 * assertThrows(TrialStoppedException.class, () -> new MyTrainable().train(ctx));
 * assertEquals(2, ctx.reports().size());
 * }</pre>
 *
 * <p>Promises: the behaviour the trainable sees is that of the context of a real trial, which this
 * one runs on: results are numbered {@code training_iteration} = the iteration offset + 1, + 2, ...;
 * a checkpoint reported with a result is copied into the trial directory as
 * {@code checkpoint_<iteration, six digits>} before {@code report} returns; a value JSON cannot carry
 * makes {@code report} throw {@link IllegalArgumentException} with the real message. Once the stop
 * rule holds for a result ({@link Builder#stopAfterReports}, {@link Builder#stopWhen}) or
 * {@link #requestStop()} was called, {@link #shouldStop()} is true and the next {@code report}
 * throws {@link TrialStoppedException}, as after a scheduler's STOP. One difference, to fail the
 * test where a real trial would end in ERROR: a result the controller would reject (a NaN or
 * infinite number, or the {@link Builder#metric} missing) makes {@code report} throw
 * {@link IllegalArgumentException} with the error the trial would show, and is not recorded.
 * Recorded lists are snapshots, safe to read from any thread.
 */
public final class TestTrialContext implements TrialContext {
    private final AttemptContext ctx;
    private final RecordingTransport recorder;

    private TestTrialContext(AttemptContext ctx, RecordingTransport recorder) {
        this.ctx = ctx;
        this.recorder = recorder;
    }

    /** A builder: empty config, a temporary trial directory, attempt 0, one CPU, no stop rule. */
    public static Builder builder() {
        return new Builder();
    }

    /** A context with {@code config} and the builder's other defaults. */
    public static TestTrialContext of(Map<String, ?> config) {
        return builder().config(config).build();
    }

    // ------------------------------------------------------------------ what the trainable sees

    @Override
    public String trialId() {
        return ctx.trialId();
    }

    @Override
    public Config config() {
        return ctx.config();
    }

    @Override
    public Path trialDir() {
        return ctx.trialDir();
    }

    @Override
    public Optional<Checkpoint> checkpoint() {
        return ctx.checkpoint();
    }

    @Override
    public Allocation resources() {
        return ctx.resources();
    }

    @Override
    public Device device() {
        return ctx.device();
    }

    @Override
    public int attempt() {
        return ctx.attempt();
    }

    @Override
    public void report(Map<String, ?> metrics) {
        ctx.report(metrics);
    }

    @Override
    public void report(Map<String, ?> metrics, Checkpoint checkpoint) {
        ctx.report(metrics, checkpoint);
    }

    @Override
    public boolean shouldStop() {
        return ctx.shouldStop();
    }

    // ------------------------------------------------------------------ what the test checks

    /** The metrics of every recorded report, in order (unmodifiable, without the automatic fields). */
    public List<Map<String, Object>> reports() {
        return recorder.results().stream().map(Result::metrics).toList();
    }

    /** Every recorded report as the controller would see it, with iteration, time_total_s and timestamp. */
    public List<Result> results() {
        return recorder.results();
    }

    /** The checkpoint copies in the trial directory, in the order reported. */
    public List<Path> checkpoints() {
        return recorder.checkpoints();
    }

    /** The metrics of the last recorded report. */
    public Optional<Map<String, Object>> lastReport() {
        List<Result> r = recorder.results();
        return r.isEmpty() ? Optional.empty() : Optional.of(r.getLast().metrics());
    }

    /** The last checkpoint copy, as a {@link Checkpoint} to resume another context from. */
    public Optional<Checkpoint> lastCheckpoint() {
        List<Path> c = recorder.checkpoints();
        return c.isEmpty() ? Optional.empty() : Optional.of(new Checkpoint(c.getLast()));
    }

    /** training_iteration of the last recorded report (the iteration offset before the first). */
    public long iteration() {
        return ctx.iteration();
    }

    /** Stops the trial as a scheduler would: {@link #shouldStop()} turns true, the next report throws. */
    public void requestStop() {
        recorder.stop();
    }

    /** Options of a {@link TestTrialContext}; each setter checks its argument. */
    public static final class Builder {
        private Map<String, ?> config = Map.of();
        private String trialId = "trial_00001";
        private Path trialDir;
        private Checkpoint resumeFrom;
        private long iterationOffset;
        private int attempt;
        private Allocation resources = new Allocation(ResourceSpec.ofCpus(1), 1, 0, List.of(), Map.of());
        private String metric;
        private Predicate<Result> stopWhen;
        private int stopAfter = -1;
        private Clock clock;

        private Builder() {
        }

        /** The trial's configuration (default: empty). */
        public Builder config(Map<String, ?> c) {
            if (c == null) throw new IllegalArgumentException("config is null: pass a map, e.g. Map.of(\"lr\", 0.01)");
            config = c;
            return this;
        }

        /** The trial's id (default {@code trial_00001}). */
        public Builder trialId(String id) {
            if (id == null || id.isBlank()) throw new IllegalArgumentException("trialId is empty: give an id such as trial_00001");
            trialId = id;
            return this;
        }

        /** The trial directory, created when missing (default: a new temporary directory, not deleted afterwards). */
        public Builder trialDir(Path dir) {
            if (dir == null) throw new IllegalArgumentException("trialDir is null: pass a directory, e.g. a JUnit @TempDir");
            trialDir = dir;
            return this;
        }

        /** The checkpoint {@link TrialContext#checkpoint()} returns, as after a failure (default: none). */
        public Builder resumeFrom(Checkpoint checkpoint) {
            if (checkpoint == null) throw new IllegalArgumentException("resumeFrom(null): pass a checkpoint, or leave it out");
            resumeFrom = checkpoint;
            return this;
        }

        /** The training_iteration results continue from (a resumed trial continues from its checkpoint's; default 0). */
        public Builder iterationOffset(long iterations) {
            if (iterations < 0) throw new IllegalArgumentException("iterationOffset = " + iterations + ": must be >= 0");
            iterationOffset = iterations;
            return this;
        }

        /** What {@link TrialContext#attempt()} returns: 0 for a first run, n after n failures (default 0). */
        public Builder attempt(int n) {
            if (n < 0) throw new IllegalArgumentException("attempt = " + n + ": must be >= 0");
            attempt = n;
            return this;
        }

        /** The lease the trial sees; {@link TrialContext#device()} follows from it (default: one CPU, no GPU). */
        public Builder resources(Allocation allocation) {
            if (allocation == null) throw new IllegalArgumentException("resources are null: pass an Allocation, or leave it out for one CPU");
            resources = allocation;
            return this;
        }

        /** The experiment's metric: a report without it fails as the real trial would (default: none required). */
        public Builder metric(String name) {
            if (name == null || name.isBlank()) throw new IllegalArgumentException("metric is empty: name the metric, or leave it out");
            metric = name;
            return this;
        }

        /** Stops the trial once {@code n} reports are recorded: the next report throws {@link TrialStoppedException}. */
        public Builder stopAfterReports(int n) {
            if (n < 0) throw new IllegalArgumentException("stopAfterReports = " + n + ": must be >= 0");
            stopAfter = n;
            return this;
        }

        /** Stops the trial after a recorded result for which {@code rule} holds (as a scheduler or stopper would). */
        public Builder stopWhen(Predicate<Result> rule) {
            if (rule == null) throw new IllegalArgumentException("stopWhen(null): pass a predicate on Result");
            stopWhen = rule;
            return this;
        }

        /** The clock of {@code timestamp} and {@code time_total_s} (default: the system's). */
        public Builder clock(Clock c) {
            if (c == null) throw new IllegalArgumentException("clock is null: pass a Clock, or leave it out");
            clock = c;
            return this;
        }

        /** The context; creates the trial directory. */
        public TestTrialContext build() {
            Path dir;
            try {
                dir = trialDir == null ? Files.createTempDirectory("gale-test-trial") : Files.createDirectories(trialDir);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create the trial directory: " + e.getMessage(), e);
            }
            Map<String, Object> cfg = new Config(config).asMap();
            RecordingTransport recorder = new RecordingTransport(trialId, dir, metric, cfg,
                    stopWhen == null ? r -> false : stopWhen, stopAfter);
            TrialPayload p = new TrialPayload(trialId, attempt, TestTrialContext.class.getName(), cfg, dir.toString(),
                    resumeFrom == null ? null : resumeFrom.path().toString(), iterationOffset, 0);
            Clock c = clock == null ? Clock.systemUTC() : clock;
            LongSupplier nanos = clock == null ? System::nanoTime : () -> {
                var t = c.instant();
                return t.getEpochSecond() * 1_000_000_000L + t.getNano();
            };
            return new TestTrialContext(new AttemptContext(p, resources, recorder, c, nanos), recorder);
        }
    }
}
