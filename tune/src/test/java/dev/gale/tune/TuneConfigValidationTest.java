package dev.gale.tune;

import dev.gale.cluster.GaleNode;
import dev.gale.gpu.ResourceSpec;
import dev.gale.tune.schedulers.AshaScheduler;
import dev.gale.tune.search.Domains;
import dev.gale.tune.search.SearchSpace;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Mistakes in the configuration fail with an IllegalArgumentException naming the problem, before
 * any trial starts: no trainable runs and no experiment directory is created.
 */
class TuneConfigValidationTest {
    static GaleNode node;
    static final AtomicInteger RUNS = new AtomicInteger();

    @BeforeAll
    static void start() {
        node = TuneTestSupport.node(2);
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    static final Trainable COUNTING = ctx -> {
        RUNS.incrementAndGet();
        ctx.report(Map.of("score", 1.0));
    };

    static void assertRejected(Executable e, String... fragments) {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
        for (String f : fragments) assertTrue(ex.getMessage().contains(f), "'" + f + "' in: " + ex.getMessage());
    }

    @Test
    void tuneConfigMistakesFailInBuild() {
        assertRejected(() -> TuneConfig.builder().numSamples(0).build(), "numSamples", "0");
        assertRejected(() -> TuneConfig.builder().numSamples(-3).build(), "numSamples");
        assertRejected(() -> TuneConfig.builder().metric("loss").build(), "mode", "loss");
        assertRejected(() -> TuneConfig.builder().metric(" ").mode(Mode.MIN).build(), "metric");
        assertRejected(() -> TuneConfig.builder().maxConcurrentTrials(-1).build(), "maxConcurrentTrials");
        assertRejected(() -> TuneConfig.builder().maxFailures(-2).build(), "maxFailures", "-2");
        assertRejected(() -> TuneConfig.builder().timeBudget(Duration.ZERO).build(), "timeBudget");
        assertRejected(() -> TuneConfig.builder().timeBudget(Duration.ofSeconds(-1)).build(), "timeBudget");
        assertRejected(() -> TuneConfig.builder().maxIterations(0), "maxIterations");
        assertRejected(() -> TuneConfig.builder().stop(Map.of("score", Double.NaN)), "score");
        // the edges that are allowed
        TuneConfig ok = TuneConfig.builder().maxFailures(-1).maxConcurrentTrials(0).build();
        assertEquals(-1, ok.maxFailures());
        assertEquals(0, ok.maxConcurrentTrials());
    }

    @Test
    void otherBuilderMistakes() {
        assertRejected(() -> Tuner.builder((Trainable) null), "trainable");
        assertRejected(() -> Tuner.builder(" "), "class name");
        assertRejected(() -> new RunConfig("a/b", null, true, 200), "a/b");
        assertRejected(() -> ResourceSpec.ofCpus(-1), "cpus");
    }

    @Test
    void invalidSearchSpaceIsRejectedNamingTheParameter() {
        assertRejected(() -> Tuner.builder(COUNTING).paramSpace(Map.of("lr", Domains.loguniform(0, 1))), "lr");
        assertRejected(() -> Tuner.builder(COUNTING).paramSpace(Map.of("model", Map.of("width", Domains.uniform(2, 1)))),
                "model.width");
        assertRejected(() -> SearchSpace.of(Map.of("n", Domains.randint(5, 5))), "n");
        assertRejected(() -> SearchSpace.of(Map.of("c", Domains.choice())), "c");
        assertRejected(() -> SearchSpace.of(Map.of("a.b", 1)), "a.b");
        assertEquals(0, RUNS.get());
    }

    @Test
    void resourcesThatFitNoNodeFailFitBeforeAnyTrial(@TempDir Path tmp) {
        ResourceSpec gpu = ResourceSpec.ofCpus(1).withGpus(1);
        Tuner t = Tuner.builder(COUNTING)
                .resources(gpu)
                .runConfig(TuneTestSupport.quiet("gpu", tmp))
                .node(node)
                .build();
        assertRejected(t::fit, "gpus=1", "fit no node");
        assertFalse(Files.exists(tmp.resolve("gpu")), "no experiment directory");

        Tuner big = Tuner.builder(COUNTING)
                .resources(ResourceSpec.ofCpus(3))
                .runConfig(TuneTestSupport.quiet("big", tmp))
                .node(node)
                .build();
        assertRejected(big::fit, "cpus=3", "2");
        assertFalse(Files.exists(tmp.resolve("big")));
        assertEquals(0, RUNS.get());
        assertEquals(0, node.status(Duration.ofSeconds(5)).queued(), "nothing was queued");
    }

    @Test
    void schedulerWithoutMetricFailsFit(@TempDir Path tmp) {
        Tuner t = Tuner.builder(COUNTING)
                .tuneConfig(TuneConfig.builder().scheduler(AshaScheduler.builder().build()).build())
                .runConfig(TuneTestSupport.quiet("asha", tmp))
                .node(node)
                .build();
        assertRejected(t::fit, "metric");
        assertFalse(Files.exists(tmp.resolve("asha")));
        assertEquals(0, RUNS.get());
    }

    @Test
    void existingNonEmptyExperimentDirectoryIsRefused(@TempDir Path tmp) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("taken"));
        Files.writeString(dir.resolve("keep.txt"), "precious");
        Tuner t = Tuner.builder(COUNTING)
                .runConfig(TuneTestSupport.quiet("taken", tmp))
                .node(node)
                .build();
        assertRejected(t::fit, dir.toString(), "not empty");
        assertEquals("precious", Files.readString(dir.resolve("keep.txt")));
        try (var s = Files.list(dir)) {
            assertEquals(1, s.count(), "nothing written into it");
        }
        assertEquals(0, RUNS.get());
    }

    @Test
    void existingEmptyExperimentDirectoryIsUsed(@TempDir Path tmp) throws Exception {
        Files.createDirectories(tmp.resolve("empty"));
        ResultGrid g = Tuner.builder(ctx -> ctx.report(Map.of("score", 2.0)))
                .runConfig(TuneTestSupport.quiet("empty", tmp))
                .node(node)
                .build().fit();
        assertEquals(1, g.count(TrialStatus.TERMINATED));
        assertTrue(Files.exists(tmp.resolve("empty").resolve("experiment_state.json")));
    }

    @Test
    void aGeneratedExperimentNameComesFromTheInjectedClock() {
        java.time.Clock clock = java.time.Clock.fixed(java.time.Instant.parse("2026-03-04T05:06:07Z"), java.time.ZoneOffset.UTC);
        assertEquals("gale_20260304_050607", RunConfig.defaults(clock).name());
        assertEquals("gale_20260304_050607", Tuner.builder(ctx -> { }).clock(clock).build().experimentDir().getFileName().toString());
    }
}
