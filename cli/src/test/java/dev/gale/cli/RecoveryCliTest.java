package dev.gale.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gale.cli.testkit.GaleProcess;
import dev.gale.tune.ResultGrid;
import dev.gale.tune.TrialStatus;
import dev.gale.tune.TrialSummary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a user meets when a {@code gale tune} run is stopped, through the real launcher in child
 * processes: Ctrl-C (once: trials recorded INTERRUPTED, the resume command printed, the resume runs
 * them on from their checkpoints; twice: an immediate exit), {@code kill -9} of the driver (the
 * resume continues from the last checkpoint on disk, however old the snapshot), and a second driver
 * on a running experiment (refused, naming the owner).
 */
@DisabledOnOs(OS.WINDOWS)
class RecoveryCliTest {
    static final Duration RUN = Duration.ofSeconds(240);
    static final ObjectMapper JSON = new ObjectMapper();
    static final int STEPS = 25;

    static GaleProcess tune(Path tmp, String name, Path space, String... more) {
        List<String> args = new ArrayList<>(List.of("tune", "--class", StepTrainable.class.getName(), "--space", space.toString(),
                "--metric", "loss", "--mode", "min", "-n", "4", "--max-concurrent", "2", "--name", name,
                "--storage-path", tmp.resolve("results").toString()));
        args.addAll(List.of(more));
        return GaleProcess.builder(args.toArray(String[]::new)).home(tmp.resolve("home")).name(name).start();
    }

    static GaleProcess gale(Path tmp, String name, String... args) {
        return GaleProcess.builder(args).home(tmp.resolve("home")).name(name).start();
    }

    /** Result rows of a trial as on disk now (a torn last line skipped). */
    static List<Map<String, Object>> rows(Path trialDir) {
        List<Map<String, Object>> out = new ArrayList<>();
        Path f = trialDir.resolve("result.jsonl");
        if (!Files.exists(f)) return out;
        try {
            for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
                if (line.isBlank()) continue;
                try {
                    out.add(JSON.readValue(line, new TypeReference<Map<String, Object>>() { }));
                } catch (IOException torn) {
                    break;
                }
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return out;
    }

    static int iterationsOnDisk(Path dir, String trial) {
        List<Map<String, Object>> r = rows(dir.resolve(trial));
        return r.isEmpty() ? 0 : ((Number) r.getLast().get("training_iteration")).intValue();
    }

    static void await(String what, Duration timeout, GaleProcess p, BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!done.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting until " + what + ": " + p.describe());
            assertTrue(p.isAlive(), "the run ended before " + what + ": " + p.describe());
            Thread.sleep(50);
        }
    }

    /** Lines {@code start <trial> <attempt> <from>} of the trainable's log, by trial. */
    static Map<String, List<Integer>> starts(Path log) throws IOException {
        Map<String, List<Integer>> out = new HashMap<>();
        if (!Files.exists(log)) return out;
        for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
            String[] p = line.split(" ");
            out.computeIfAbsent(p[1], k -> new ArrayList<>()).add(Integer.parseInt(p[3]));
        }
        return out;
    }

    static void assertEachIterationOnce(ResultGrid g) {
        for (TrialSummary t : g.trials()) {
            List<Integer> its = rows(t.trialDir()).stream().map(r -> ((Number) r.get("training_iteration")).intValue()).toList();
            List<Integer> want = new ArrayList<>();
            for (int i = 1; i <= STEPS; i++) want.add(i);
            assertEquals(want, its, t.trialId() + " recorded each iteration exactly once");
        }
    }

    @Test
    void ctrlCRecordsRunningTrialsAsInterruptedAndTheResumeRunsThemToTheirEnd(@TempDir Path tmp) throws Exception {
        Path log = tmp.resolve("starts.log");
        Path space = StepTrainable.space(tmp, STEPS, 150, log, 0);
        Path dir = tmp.resolve("results").resolve("ctrlc");
        Map<String, Integer> atStop = new HashMap<>();
        try (GaleProcess run = tune(tmp, "ctrlc", space)) {
            await("two trials are past step 3", RUN, run,
                    () -> iterationsOnDisk(dir, "trial_00001") >= 3 && iterationsOnDisk(dir, "trial_00002") >= 3);
            run.signal("INT");
            assertEquals(130, run.waitFor(Duration.ofSeconds(90)), "Ctrl-C ends gale tune with 130: " + run.describe());
            String err = run.stderr();
            assertTrue(err.contains("experiment interrupted: 2 running trials were stopped and recorded as INTERRUPTED"),
                    run.describe());
            assertTrue(err.contains("resume with: gale tune --resume " + dir), run.describe());
        }
        ResultGrid stopped = ResultGrid.load(dir);
        assertEquals(0, stopped.count(TrialStatus.TERMINATED), "nothing is shown as finished: " + stopped.table());
        assertEquals(2, stopped.count(TrialStatus.INTERRUPTED), stopped.table());
        for (TrialSummary t : stopped.trials()) {
            if (t.status() == TrialStatus.INTERRUPTED) atStop.put(t.trialId(), (int) t.iterations());
        }
        try (GaleProcess results = gale(tmp, "results-ctrlc", "results", dir.toString())) {
            assertEquals(0, results.waitFor(RUN), results.describe());
            assertTrue(results.stdout().contains("INTERRUPTED"), results.describe());
            assertTrue(results.stdout().contains("gale tune --resume " + dir), results.describe());
        }
        try (GaleProcess resume = gale(tmp, "resume-ctrlc", "tune", "--resume", dir.toString())) {
            assertEquals(0, resume.waitFor(RUN), resume.describe());
        }
        ResultGrid done = ResultGrid.load(dir);
        assertEquals(4, done.count(TrialStatus.TERMINATED), done.table());
        assertEachIterationOnce(done);
        Map<String, List<Integer>> starts = starts(log);
        for (Map.Entry<String, Integer> e : atStop.entrySet()) {
            assertEquals(List.of(0, e.getValue()), starts.get(e.getKey()),
                    e.getKey() + " started once, then resumed from its checkpoint at the interruption");
        }
    }

    @Test
    void aSigtermStopsLikeCtrlCAndASecondSignalExitsAtOnce(@TempDir Path tmp) throws Exception {
        Path space = StepTrainable.space(tmp, STEPS, 150, tmp.resolve("starts.log"), 60_000);
        Path dir = tmp.resolve("results").resolve("twice");
        try (GaleProcess run = tune(tmp, "twice", space)) {
            await("a trial is past step 2", RUN, run, () -> iterationsOnDisk(dir, "trial_00001") >= 2);
            run.signal("TERM"); // SIGTERM is handled as Ctrl-C is
            run.awaitLine("SIGTERM received: stopping the running trials", Duration.ofSeconds(30));
            run.signal("INT");
            assertEquals(130, run.waitFor(Duration.ofSeconds(30)), run.describe());
            assertTrue(run.stdout().contains("second SIGINT: exiting now"), run.describe());
        }
        ResultGrid g = ResultGrid.load(dir);
        assertEquals(0, g.count(TrialStatus.TERMINATED), "a forced exit shows nothing as finished: " + g.table());
    }

    @Test
    void aDriverKilledWithKill9ResumesFromTheLastCheckpointOnDisk(@TempDir Path tmp) throws Exception {
        Path log = tmp.resolve("starts.log");
        Path space = StepTrainable.space(tmp, STEPS, 150, log, 0);
        Path dir = tmp.resolve("results").resolve("killed");
        Map<String, Integer> lastCheckpoint = new HashMap<>();
        int snapshotCheckpoint;
        try (GaleProcess run = tune(tmp, "killed", space)) {
            await("trial 1 is past step 10", RUN, run, () -> iterationsOnDisk(dir, "trial_00001") >= 10);
            run.signal("KILL");
            run.waitFor(Duration.ofSeconds(30));
        }
        // what the snapshot says (it is written when a trial changes status, not at every result)
        Map<String, Object> st = JSON.readValue(dir.resolve("experiment_state.json").toFile(), new TypeReference<>() { });
        snapshotCheckpoint = 0;
        for (Object o : (List<?>) st.get("trials")) {
            Map<?, ?> t = (Map<?, ?>) o;
            if ("trial_00001".equals(t.get("trial_id")) && t.get("checkpoint_result") instanceof Map<?, ?> r
                    && r.get("training_iteration") instanceof Number n) {
                snapshotCheckpoint = n.intValue();
            }
        }
        for (String trial : List.of("trial_00001", "trial_00002")) {
            int last = 0;
            for (Map<String, Object> r : rows(dir.resolve(trial))) {
                if (r.get("checkpoint") instanceof String c && Files.isDirectory(dir.resolve(trial).resolve(c))) {
                    last = ((Number) r.get("training_iteration")).intValue();
                }
            }
            lastCheckpoint.put(trial, last);
        }
        assertTrue(lastCheckpoint.get("trial_00001") >= 10, lastCheckpoint.toString());
        assertTrue(snapshotCheckpoint < lastCheckpoint.get("trial_00001"),
                "the snapshot is older than the checkpoints on disk (" + snapshotCheckpoint + ")");
        try (GaleProcess resume = gale(tmp, "resume-killed", "tune", "--resume", dir.toString())) {
            assertEquals(0, resume.waitFor(RUN), resume.describe());
        }
        ResultGrid done = ResultGrid.load(dir);
        assertEquals(4, done.count(TrialStatus.TERMINATED), done.table());
        assertEachIterationOnce(done);
        Map<String, List<Integer>> starts = starts(log);
        assertEquals(List.of(0, lastCheckpoint.get("trial_00001")), starts.get("trial_00001"),
                "trial 1 resumed from its last checkpoint on disk");
    }

    @Test
    void aSecondDriverOnARunningExperimentIsRefusedNamingTheOwner(@TempDir Path tmp) throws Exception {
        // 400 ms steps: the owner runs for 20 s or more, so that it still runs while two more JVMs start one
        // after the other on a loaded machine (with 100 ms steps it once ended first, at load 14 on 2 cores)
        Path space = StepTrainable.space(tmp, STEPS, 400, tmp.resolve("starts.log"), 0);
        Path dir = tmp.resolve("results").resolve("owned");
        try (GaleProcess owner = tune(tmp, "owned", space)) {
            await("the experiment runs", RUN, owner, () -> iterationsOnDisk(dir, "trial_00001") >= 2);
            try (GaleProcess second = gale(tmp, "second-resume", "tune", "--resume", dir.toString())) {
                int code = second.waitFor(RUN);
                assertNotEquals(0, code, second.describe());
                assertTrue(second.stderr().contains("pid " + owner.pid()), "names the owner: " + second.describe());
            }
            try (GaleProcess same = tune(tmp, "owned", space)) {
                int code = same.waitFor(RUN);
                assertNotEquals(0, code, same.describe());
                assertTrue(same.stderr().contains("pid " + owner.pid()), "names the owner: " + same.describe());
            }
            assertEquals(0, owner.waitFor(RUN), owner.describe());
        }
        ResultGrid g = ResultGrid.load(dir);
        assertEquals(4, g.count(TrialStatus.TERMINATED), g.table());
        assertEachIterationOnce(g);
        List<String> journal = Files.readAllLines(dir.resolve("experiment_journal.jsonl"));
        long ends = journal.stream().filter(l -> l.contains("\"status\":\"TERMINATED\"")).count();
        assertEquals(4, ends, "each trial journalled TERMINATED once");
    }
}
