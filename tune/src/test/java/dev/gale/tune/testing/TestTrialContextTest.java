package dev.gale.tune.testing;

import ai.djl.Device;
import dev.gale.gpu.Allocation;
import dev.gale.gpu.GpuShare;
import dev.gale.gpu.ResourceSpec;
import dev.gale.tune.Checkpoint;
import dev.gale.tune.Result;
import dev.gale.tune.Trainable;
import dev.gale.tune.TrialStoppedException;
import dev.gale.tune.internal.ParamMessages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link TestTrialContext}: the real context's behaviour without a cluster, and what it records. */
class TestTrialContextTest {
    @TempDir
    Path dir;

    /** Trains "epochs" epochs from its checkpoint's epoch, checkpointing each; stops when told. */
    static final Trainable EPOCHS = ctx -> {
        int from = ctx.checkpoint().map(c -> ((Number) c.loadData().get("epoch")).intValue()).orElse(0);
        for (int epoch = from + 1; epoch <= ctx.config().getInt("epochs"); epoch++) {
            Checkpoint c = Checkpoint.ofData(Map.of("epoch", epoch));
            ctx.report(Map.of("epoch", epoch, "loss", 1.0 / epoch), c);
        }
    };

    @Test
    void recordsReportsAndCopiesCheckpointsNamedByIteration() throws Exception {
        TestTrialContext ctx = TestTrialContext.builder().config(Map.of("epochs", 3)).trialDir(dir.resolve("t")).build();
        EPOCHS.train(ctx);
        assertEquals(3, ctx.reports().size());
        assertEquals(Map.of("epoch", 2, "loss", 0.5), ctx.reports().get(1));
        assertEquals(List.of(1L, 2L, 3L), ctx.results().stream().map(Result::iteration).toList());
        assertEquals(List.of(dir.resolve("t/checkpoint_000001"), dir.resolve("t/checkpoint_000002"),
                dir.resolve("t/checkpoint_000003")), ctx.checkpoints());
        assertEquals(3, ((Number) ctx.lastCheckpoint().orElseThrow().loadData().get("epoch")).intValue());
        assertEquals(Map.of("epoch", 3, "loss", 1.0 / 3), ctx.lastReport().orElseThrow());
        assertEquals(3, ctx.iteration());
        assertFalse(ctx.shouldStop());
        assertThrows(UnsupportedOperationException.class, () -> ctx.reports().getFirst().put("x", 1), "records are read-only");
    }

    @Test
    void theReportedMapAndCheckpointDirectoryMayBeReusedAfterReport() throws Exception {
        TestTrialContext ctx = TestTrialContext.builder().trialDir(dir).build();
        Map<String, Object> m = new HashMap<>();
        Path ck = Files.createDirectories(dir.resolve("scratch"));
        m.put("loss", 1.0);
        Files.writeString(ck.resolve("w.bin"), "one");
        ctx.report(m, new Checkpoint(ck));
        m.put("loss", 2.0);
        Files.writeString(ck.resolve("w.bin"), "two");
        ctx.report(m, new Checkpoint(ck));
        assertEquals(List.of(Map.of("loss", 1.0), Map.of("loss", 2.0)), ctx.reports());
        assertEquals("one", Files.readString(ctx.checkpoints().get(0).resolve("w.bin")));
        assertEquals("two", Files.readString(ctx.checkpoints().get(1).resolve("w.bin")));
    }

    @Test
    void resumesFromACheckpointContinuingTheIterationCount() throws Exception {
        TestTrialContext first = TestTrialContext.builder().config(Map.of("epochs", 2)).trialDir(dir.resolve("a")).build();
        EPOCHS.train(first);
        TestTrialContext second = TestTrialContext.builder().config(Map.of("epochs", 4)).trialDir(dir.resolve("b"))
                .resumeFrom(first.lastCheckpoint().orElseThrow()).iterationOffset(2).attempt(1).build();
        assertEquals(1, second.attempt());
        assertEquals(first.checkpoints().get(1), second.checkpoint().orElseThrow().path());
        EPOCHS.train(second);
        assertEquals(List.of(3, 4), second.reports().stream().map(r -> r.get("epoch")).toList());
        assertEquals(List.of(3L, 4L), second.results().stream().map(Result::iteration).toList());
        assertEquals(List.of(dir.resolve("b/checkpoint_000003"), dir.resolve("b/checkpoint_000004")), second.checkpoints());
    }

    @Test
    void stopAfterReportsEndsTheTrialAtTheNextReport() {
        TestTrialContext ctx = TestTrialContext.builder().config(Map.of("epochs", 5)).trialDir(dir).stopAfterReports(2).build();
        TrialStoppedException e = assertThrows(TrialStoppedException.class, () -> EPOCHS.train(ctx));
        assertEquals("trial trial_00001 was stopped", e.getMessage());
        assertEquals(2, ctx.reports().size());
        assertEquals(2, ctx.checkpoints().size(), "the stopped report stored nothing");
        assertTrue(ctx.shouldStop());

        TestTrialContext never = TestTrialContext.builder().trialDir(dir.resolve("z")).stopAfterReports(0).build();
        assertTrue(never.shouldStop());
        assertThrows(TrialStoppedException.class, () -> never.report(Map.of("x", 1)));
        assertEquals(List.of(), never.reports());
    }

    @Test
    void stopWhenAppliesARuleToEachRecordedResult() {
        TestTrialContext ctx = TestTrialContext.builder().config(Map.of("epochs", 9)).trialDir(dir)
                .stopWhen(r -> r.metric("loss") < 0.3).build();
        assertThrows(TrialStoppedException.class, () -> EPOCHS.train(ctx));
        assertEquals(4, ctx.reports().size(), "1/4 < 0.3 stopped the trial");
    }

    @Test
    void requestStopActsLikeASchedulersStop() {
        TestTrialContext ctx = TestTrialContext.of(Map.of());
        ctx.report(Map.of("x", 1));
        assertFalse(ctx.shouldStop());
        ctx.requestStop();
        assertTrue(ctx.shouldStop());
        assertThrows(TrialStoppedException.class, () -> ctx.report(Map.of("x", 2)));
        assertEquals(1, ctx.reports().size());
        assertTrue(Files.isDirectory(ctx.trialDir()), "a temporary trial directory by default");
    }

    @Test
    void valuesJsonCannotCarryFailTheReportWithTheControllersMessageAndAreNotCounted() {
        TestTrialContext ctx = TestTrialContext.builder().trialDir(dir).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ctx.report(Map.of("t", Map.of("inner", new Object()))));
        assertEquals("metric 't.inner' has type java.lang.Object in result 1: report numbers, strings, booleans, lists or"
                + " maps (convert tensors with getFloat())", e.getMessage());
        ctx.report(Map.of("x", 1));
        assertEquals(1, ctx.results().getFirst().iteration(), "the rejected report was not counted");
        e = assertThrows(IllegalArgumentException.class, () -> ctx.report(null));
        assertTrue(e.getMessage().contains("report(null)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ctx.report(Map.of("x", 2), new Checkpoint(dir.resolve("nope"))));
        assertTrue(e.getMessage().contains("is not a directory"), e.getMessage());
        assertEquals(1, ctx.reports().size());
    }

    @Test
    void resultsTheControllerWouldRejectFailTheReportWithTheTrialsError() {
        TestTrialContext ctx = TestTrialContext.builder().trialDir(dir).metric("loss").build();
        ctx.report(Map.of("loss", 1.0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ctx.report(Map.of("loss", Double.NaN)));
        assertEquals("metric 'loss' = NaN in result 2: results must be finite numbers (diverged training? lower the"
                + " learning rate or guard the value)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ctx.report(Map.of("acc", 0.5)));
        assertTrue(e.getMessage().startsWith("metric 'loss' is missing from result 3, which has [acc]"), e.getMessage());
        assertEquals(1, ctx.reports().size());
    }

    @Test
    void resourcesAndDeviceComeFromTheAllocation() {
        TestTrialContext cpu = TestTrialContext.of(Map.of());
        assertEquals(Device.cpu(), cpu.device());
        assertEquals(1.0, cpu.resources().cpus());
        Allocation gpu = new Allocation(ResourceSpec.ofCpus(2).withGpus(1), 2, 0, List.of(new GpuShare(3, 1, 1L << 30)), Map.of());
        TestTrialContext g = TestTrialContext.builder().resources(gpu).build();
        assertEquals(Device.gpu(3), g.device());
        assertEquals("3", g.resources().cudaVisibleDevices());
    }

    @Test
    void anInjectedClockMakesTimesExact() {
        Clock fixed = Clock.fixed(Instant.parse("2025-01-02T03:04:05Z"), ZoneOffset.UTC);
        TestTrialContext ctx = TestTrialContext.builder().trialDir(dir).clock(fixed).trialId("trial_00042").build();
        ctx.report(Map.of("x", 1));
        Result r = ctx.results().getFirst();
        assertEquals(fixed.millis(), r.timestamp());
        assertEquals(0.0, r.timeTotalS());
        assertEquals("trial_00042", r.trialId());
    }

    @Test
    void theBuilderRejectsBadArgumentsNamingThem() {
        TestTrialContext.Builder b = TestTrialContext.builder();
        assertTrue(assertThrows(IllegalArgumentException.class, () -> b.config(null)).getMessage().contains("config"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> b.attempt(-1)).getMessage().contains("attempt"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> b.stopAfterReports(-1)).getMessage().contains("stopAfterReports"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> b.iterationOffset(-1)).getMessage().contains("iterationOffset"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> b.trialId(" ")).getMessage().contains("trialId"));
    }

    @Test
    void defineByRunParametersComeFromTheConfig() {
        RecordingTransport t = new RecordingTransport("trial_00001", dir, null, Map.of("lr", 0.01), r -> false, -1);
        ParamMessages.ParamSpec lr = new ParamMessages.ParamSpec("loguniform", 1e-4, 1e-1, 0, null);
        assertEquals(0.01, t.parameter("lr", lr));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> t.parameter("wd", lr)).getMessage().contains("'wd'"));
        ParamMessages.ParamSpec narrow = new ParamMessages.ParamSpec("uniform", 0.5, 1, 0, null);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> t.parameter("lr", narrow)).getMessage().contains("outside"));
    }
}
