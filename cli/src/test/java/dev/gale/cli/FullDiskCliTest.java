package dev.gale.cli;

import dev.gale.cli.testkit.GaleProcess;
import dev.gale.tune.ResultGrid;
import dev.gale.tune.TrialStatus;
import dev.gale.tune.TrialSummary;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A full disk under a {@code gale tune} run, through the launcher: the experiment directory is on a
 * small tmpfs mounted in a private mount namespace (held open by a {@code sleep}; every {@code gale}
 * command enters it with {@code nsenter}). The run stops with the message naming the directory and
 * how to resume; what was recorded stays readable and no cut-short trial is shown as TERMINATED;
 * once the tmpfs is made larger, {@code gale tune --resume} completes every trial, each iteration
 * recorded once.
 */
@EnabledOnOs(OS.LINUX)
class FullDiskCliTest {
    static final Duration RUN = Duration.ofSeconds(240);
    static final int STEPS = 25;

    @Test
    void aFullDiskStopsTheRunKeepsWhatWasRecordedAndTheResumeWorksOnceSpaceIsFree(@TempDir Path tmp) throws Exception {
        Path disk = Files.createDirectories(tmp.resolve("disk"));
        boolean root = "0".equals(new String(new ProcessBuilder("id", "-u").start().getInputStream().readAllBytes()).strip());
        List<String> unshare = root ? List.of("unshare", "-m", "--propagation", "private")
                : List.of("unshare", "-r", "-m", "--propagation", "private");
        List<String> holderCmd = new ArrayList<>(unshare);
        holderCmd.addAll(List.of("sh", "-c", "mount -t tmpfs -o size=160k tmpfs '" + disk + "' && echo MOUNTED && exec sleep 900"));
        Process holder = new ProcessBuilder(holderCmd).redirectErrorStream(true).start();
        try {
            String first = CompletableFuture.supplyAsync(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8))) {
                    return r.readLine();
                } catch (Exception e) {
                    return e.toString();
                }
            }).get(30, TimeUnit.SECONDS);
            Assumptions.assumeTrue("MOUNTED".equals(first), "cannot mount a tmpfs in a private mount namespace here ("
                    + first + "): the full-disk case needs root or user namespaces");
            String pid = Long.toString(holder.pid());
            List<String> enter = root ? List.of("nsenter", "-t", pid, "-m", "--")
                    : List.of("nsenter", "-t", pid, "-U", "-m", "--preserve-credentials", "--");
            Path view = Path.of("/proc", pid, "root").resolve(disk.toString().substring(1)); // the namespace's tmpfs, seen from here
            Path storage = disk.resolve("results");
            Path dir = storage.resolve("full");
            Path space = StepTrainable.space(tmp, STEPS, 50, tmp.resolve("starts.log"), 0);

            try (GaleProcess run = gale(tmp, enter, "full", "tune", "--class", StepTrainable.class.getName(), "--space",
                    space.toString(), "--metric", "loss", "--mode", "min", "-n", "4", "--max-concurrent", "2", "--name", "full",
                    "--storage-path", storage.toString())) {
                assertEquals(1, run.waitFor(RUN), run.describe());
                String err = run.stderr();
                assertTrue(err.contains("cannot write the experiment directory " + dir), run.describe());
                assertTrue(err.contains("No space left on device"), run.describe());
                assertTrue(err.contains("resume with: gale tune --resume " + dir), run.describe());
            }
            ResultGrid stopped = ResultGrid.load(view.resolve("results").resolve("full"));
            assertTrue(stopped.size() >= 2, stopped.table());
            for (TrialSummary t : stopped.trials()) {
                if (t.status() == TrialStatus.TERMINATED) {
                    assertEquals(STEPS, t.iterations(), "only a trial that ran to its end shows TERMINATED: " + stopped.table());
                }
            }
            assertTrue(stopped.trials().stream().anyMatch(t -> t.status() != TrialStatus.TERMINATED && t.iterations() > 0),
                    "some trial was cut short by the full disk: " + stopped.table());
            try (GaleProcess results = gale(tmp, enter, "results-full", "results", dir.toString())) {
                assertEquals(0, results.waitFor(RUN), results.describe());
                assertTrue(results.stdout().contains("resume with: gale tune --resume " + dir), results.describe());
            }

            Process grow = new ProcessBuilder(concat(enter, List.of("mount", "-o", "remount,size=64m", disk.toString())))
                    .redirectErrorStream(true).start();
            assertTrue(grow.waitFor(30, TimeUnit.SECONDS), "remount");
            assertEquals(0, grow.exitValue(), new String(grow.getInputStream().readAllBytes()));
            try (GaleProcess resume = gale(tmp, enter, "resume-full", "tune", "--resume", dir.toString())) {
                assertEquals(0, resume.waitFor(RUN), resume.describe());
            }
            ResultGrid done = ResultGrid.load(view.resolve("results").resolve("full"));
            assertEquals(4, done.count(TrialStatus.TERMINATED), done.table());
            for (TrialSummary t : done.trials()) {
                List<Integer> its = RecoveryCliTest.rows(t.trialDir()).stream()
                        .map(r -> ((Number) r.get("training_iteration")).intValue()).toList();
                List<Integer> want = new ArrayList<>();
                for (int i = 1; i <= STEPS; i++) want.add(i);
                assertEquals(want, its, t.trialId() + " recorded each iteration exactly once");
            }
        } finally {
            holder.destroyForcibly();
            holder.waitFor(10, TimeUnit.SECONDS);
        }
    }

    static GaleProcess gale(Path tmp, List<String> enter, String name, String... args) {
        return GaleProcess.builder(args).home(tmp.resolve("home")).wrapper(enter).name(name).start();
    }

    static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }
}
