package dev.gale.cli;

import dev.gale.cluster.GaleNode;
import dev.gale.tune.Mode;
import dev.gale.tune.search.Searchers;
import dev.gale.tune.study.Objective;
import dev.gale.tune.study.Study;
import picocli.CommandLine.Command;

import dev.gale.observability.dashboard.Dashboard;
import dev.gale.observability.dashboard.DashboardConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * {@code gale aot-training} (hidden): the workload the {@code gale} launcher runs once after each
 * build, under the JDK's {@code -XX:AOTCacheOutput}, to record the start-up cache that later runs
 * map instead of loading, parsing and linking the same classes again (JDK 25 and newer; see
 * docs/design-notes.md). It starts the JVM's shared embedded node and runs small define-by-run
 * studies with the random sampler (8 of 200 trials) and the default sampler, so the classes and method profiles of a
 * node's start, of the trial path and of a dashboard's first page load are in the cache. It
 * leaves nothing on disk (its study directory is temporary) and prints one line.
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
            String k = t.suggestCategorical("k", List.of("a", "b"));
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
            dashboard(objective);
        } finally {
            GaleNode.closeShared();
        }
        System.out.println("gale aot-training: done");
        return 0;
    }

    /**
     * A study kept in a temporary directory, shown by a dashboard whose pages and JSON (rows,
     * plots with importance, cluster) are fetched once, so a dashboard's first page load finds its
     * classes in the cache too; the directory is deleted afterwards.
     */
    private static void dashboard(Objective objective) {
        Path dir = null;
        try {
            dir = Files.createTempDirectory("gale-aot-training");
            Study.builder().name("aot-dashboard").mode(Mode.MIN).seed(2).quiet(true).storagePath(dir).build().optimize(objective, 60);
            try (Dashboard d = Dashboard.start(DashboardConfig.local(0))) {
                String id = d.add(dir.resolve("aot-dashboard").resolve("optimize_1"));
                HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
                for (String path : List.of("/", "/api/experiments", "/api/cluster", "/api/experiments/" + id + "?rows=compact",
                        "/api/experiments/" + id, "/api/experiments/" + id + "/plots")) {
                    http.send(HttpRequest.newBuilder(d.url().resolve(path)).timeout(Duration.ofSeconds(30)).build(),
                            HttpResponse.BodyHandlers.discarding());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("aot-training: the dashboard part failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (dir != null) deleteTree(dir);
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary directory: the system cleans it eventually
        }
    }
}
