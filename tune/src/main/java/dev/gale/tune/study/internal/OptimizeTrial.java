package dev.gale.tune.study.internal;

import dev.gale.tune.Checkpoint;
import dev.gale.tune.TrialContext;
import dev.gale.tune.internal.DefineByRun;
import dev.gale.tune.internal.ParamMessages.ParamSpec;
import dev.gale.tune.study.Study;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * A trial of {@code Study.optimize}, running on a node as a {@code Tuner} trial: parameters are
 * answered by the sampler in the controller, and each {@code report} is a result under
 * {@link Study#VALUE} and {@code step} that returns once the controller has handled it (so
 * {@link #shouldPrune()} already reflects the pruner's decision on it).
 */
public final class OptimizeTrial extends SuggestingTrial {
    private final TrialContext ctx;
    private final DefineByRun dbr;
    /** The step of this run's last report, or null. */
    private volatile Long lastStep;

    /** The study trial of the Tuner trial {@code ctx} (whose define-by-run side is {@code dbr}). */
    public OptimizeTrial(TrialContext ctx, DefineByRun dbr) {
        this.ctx = ctx;
        this.dbr = dbr;
    }

    /** The step of this run's last report, or null when it reported none. */
    public Long lastStep() {
        return lastStep;
    }

    @Override
    public String id() {
        return ctx.trialId();
    }

    @Override
    protected Object parameter(String name, ParamSpec spec) {
        return dbr.parameter(name, spec);
    }

    @Override
    public void report(long step, double value) {
        report(step, value, (Checkpoint) null);
    }

    @Override
    public void report(long step, double value, Map<String, ?> checkpoint) {
        if (checkpoint == null) {
            throw new IllegalArgumentException("report(step, value, checkpoint): checkpoint is null; pass a map, or call report(step, value)");
        }
        Checkpoint c = Checkpoint.ofData(checkpoint);
        try {
            report(step, value, c);
        } finally {
            deleteQuietly(c.path());
        }
    }

    @Override
    public void report(long step, double value, Checkpoint checkpoint) {
        ctx.report(Map.of(Study.VALUE, value, "step", step), checkpoint);
        lastStep = step;
        dbr.awaitAcknowledged();
    }

    @Override
    public Optional<Map<String, Object>> lastCheckpoint() {
        return checkpoint().filter(c -> Files.isRegularFile(c.path().resolve(Checkpoint.DATA_FILE))).map(Checkpoint::loadData);
    }

    @Override
    public Optional<Checkpoint> checkpoint() {
        return ctx.checkpoint();
    }

    @Override
    public boolean shouldPrune() {
        return ctx.shouldStop();
    }

    /** Deletes a temporary checkpoint directory (its copy is in the trial directory). */
    private static void deleteQuietly(Path dir) {
        try (var files = Files.walk(dir)) {
            for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(f);
        } catch (java.io.IOException | java.io.UncheckedIOException ignored) {
            // a leftover temporary directory is harmless
        }
    }
}
