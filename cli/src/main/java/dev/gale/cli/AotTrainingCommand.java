package dev.gale.cli;

import dev.gale.cluster.GaleNode;
import dev.gale.tune.Mode;
import dev.gale.tune.search.Searchers;
import dev.gale.tune.study.Objective;
import dev.gale.tune.study.Study;
import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/**
 * {@code gale aot-training} (hidden): the workload the {@code gale} launcher runs once after each
 * build, under the JDK's {@code -XX:AOTCacheOutput}, to record the start-up cache that later runs
 * map instead of loading, parsing and linking the same classes again (JDK 25 and newer; see
 * docs/design-notes.md). It starts the JVM's shared embedded node and runs small define-by-run
 * studies with the random sampler (8 of 200 trials) and the default sampler, so the classes and method profiles of a
 * node's start and of the trial path are in the cache. It writes nothing on disk and prints one
 * line.
 */
@Command(name = "aot-training", hidden = true,
        description = "Run the workload that records the launcher's start-up cache (used by ./gale itself).")
final class AotTrainingCommand implements Callable<Integer> {
    /** Rounds of 200 random-sampler trials; {@code GALE_AOT_TRAINING_ROUNDS} overrides it (tests use 1). */
    private static final int ROUNDS = rounds();

    private static int rounds() {
        String v = System.getenv("GALE_AOT_TRAINING_ROUNDS");
        try {
            return v == null ? 8 : Math.max(1, Integer.parseInt(v.trim()));
        } catch (NumberFormatException e) {
            return 8;
        }
    }

    @Override
    public Integer call() {
        Objective objective = t -> {
            double x = t.suggestFloat("x", -10, 10);
            double y = t.suggestFloat("y", -10, 10);
            String k = t.suggestCategorical("k", java.util.List.of("a", "b"));
            return x * x + y * y + (k.equals("a") ? 0 : 1);
        };
        try {
            GaleNode.shared();
            // enough trials for the JIT's profiles of the trial path to be recorded with the classes
            for (int r = 0; r < ROUNDS; r++) {
                Study.builder().name("aot-random-" + r).mode(Mode.MIN).sampler(Searchers.random()).seed(r).quiet(true).build()
                        .optimize(objective, 200);
            }
            Study.builder().name("aot-default").mode(Mode.MIN).seed(1).quiet(true).build().optimize(objective, 30);
        } finally {
            GaleNode.closeShared();
        }
        System.out.println("gale aot-training: done");
        return 0;
    }
}
