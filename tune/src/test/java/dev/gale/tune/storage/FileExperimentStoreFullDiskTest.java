package dev.gale.tune.storage;

import dev.gale.cluster.testkit.JvmProcess;
import dev.gale.tune.ResultGrid;
import dev.gale.tune.TrialStatus;
import dev.gale.tune.TrialSummary;
import dev.gale.tune.internal.ExperimentRestore;
import dev.gale.tune.storage.internal.Json;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A {@link dev.gale.tune.storage.internal.FileExperimentStore} on a full disk (a 64 KiB tmpfs in a
 * mount namespace of a child JVM): the failure is reported, the previous snapshot stays intact,
 * no temp file is left, journal and rows stay readable, no trial reads as TERMINATED that did not
 * end, a restore works, and after space is freed a new store on the same directory works.
 */
class FileExperimentStoreFullDiskTest {
    @TempDir
    Path tmp;

    /** {@code unshare -m} as root, else {@code unshare -rm} (an unprivileged user namespace); null when neither works. */
    private static List<String> unshare() throws Exception {
        for (List<String> cmd : List.of(List.of("unshare", "-m"), List.of("unshare", "-rm"))) {
            List<String> probe = new ArrayList<>(cmd);
            probe.addAll(List.of("sh", "-c", "d=$(mktemp -d) && mount -t tmpfs -o size=64k gale-probe \"$d\" && umount \"$d\"; r=$?; rmdir \"$d\"; exit $r"));
            try {
                Process p = new ProcessBuilder(probe).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                if (p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0) return cmd;
                p.destroyForcibly();
            } catch (java.io.IOException e) {
                // no unshare here
            }
        }
        return null;
    }

    @Test
    void aFullDiskStopsTheWritesAndLeavesEverythingWrittenReadable() throws Exception {
        List<String> unshare = unshare();
        Assumptions.assumeTrue(unshare != null, "skipped: mounting a small tmpfs needs 'unshare -m' (root) or 'unshare -rm'"
                + " (unprivileged user namespaces), and neither works on this machine");
        Path disk = Files.createDirectories(tmp.resolve("disk"));
        Path out = tmp.resolve("out");
        List<String> cmd = new ArrayList<>(unshare);
        cmd.addAll(List.of("sh", "-c", "mount -t tmpfs -o size=64k gale-full \"$0\" && exec \"$@\"", disk.toString()));
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(JvmProcess.defaultJvmOptions());
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), FullDiskMain.class.getName(), disk.toString(), out.toString()));
        Files.createDirectories(JvmProcess.LOG_DIR);
        Path log = JvmProcess.LOG_DIR.resolve("full-disk-" + System.nanoTime() + ".out").toAbsolutePath();
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        boolean ended = p.waitFor(180, TimeUnit.SECONDS);
        if (!ended) p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        String output = Files.readString(log, StandardCharsets.UTF_8);
        assertTrue(ended, "the full-disk child did not end within 180 s: " + output);
        assertEquals(0, p.exitValue(), output);

        String start = line(output, "START ");
        assertTrue(start.contains("Exception") && start.contains("full-at-start") && start.contains("No space left on device"),
                "a store on a disk that is already full fails at once, naming the directory: " + start);
        String snapFail = line(output, "SNAPFAIL ");
        assertTrue(snapFail.contains("No space left on device"), "the snapshot that met the full disk failed: " + output);
        Path snapfail = out.resolve("snapfail");
        assertEquals(Json.MAPPER.readValue(out.resolve("expected-snap.json").toFile(), ExperimentSnapshot.class),
                ExperimentReader.snapshot(snapfail).orElseThrow(), "the previous snapshot is intact");
        assertNoTmp(snapfail);
        assertEquals(1, ExperimentReader.journal(snapfail).size(), "nothing is written after the failure");
        assertEquals(1, ExperimentReader.results(snapfail.resolve("trial_00001")).size(), "nothing is written after the failure");
        assertEquals(TrialStatus.RUNNING, ResultGrid.load(snapfail).trial("trial_00001").orElseThrow().status(),
                "its ending was never written: not TERMINATED");
        ExperimentRecord snapAfter = ExperimentReader.read(out.resolve("snapfail2"));
        assertEquals(TrialStatus.PENDING, snapAfter.snapshot().trial("trial_09999").status(), "a new store writes after space was freed");
        assertEquals(2, snapAfter.snapshot().journalSeq());

        assertTrue(line(output, "CKFAIL ").contains("No space left on device"), "the checkpoint could not be unpacked: " + output);
        assertNoTmp(out.resolve("ckfail"));

        String failure = line(output, "FAILURE ");
        assertTrue(failure.contains("No space left on device"), "the failure is reported: " + output);

        Path phase1 = out.resolve("phase1");
        ExperimentSnapshot expected = Json.MAPPER.readValue(out.resolve("expected.json").toFile(), ExperimentSnapshot.class);
        assertEquals(expected, ExperimentReader.snapshot(phase1).orElseThrow(), "the last snapshot written before the failure is intact");
        assertTrue(expected.trials().size() >= 1, "the disk filled after some trials: " + expected.trials().size());
        assertNoTmp(phase1);
        List<JournalEntry> journal = ExperimentReader.journal(phase1);
        for (int i = 0; i < journal.size(); i++) assertEquals(i + 1, journal.get(i).seq(), "journal readable, in order");
        Set<String> terminated = new HashSet<>();
        for (JournalEntry e : journal) if (e.event() == JournalEntry.Event.TERMINATED) terminated.add(e.trial().trialId());
        ResultGrid grid = ResultGrid.load(phase1);
        for (TrialSummary t : grid.trials()) {
            List<ResultRow> rows = ExperimentReader.results(t.trialDir());
            for (int i = 0; i < rows.size(); i++) assertEquals(i + 1, rows.get(i).iteration(), t.trialId() + " rows readable");
            if (t.status() == TrialStatus.TERMINATED) {
                assertTrue(terminated.contains(t.trialId()), t.trialId() + " shows TERMINATED without having ended: " + grid.table());
                assertEquals(5, rows.size(), "an ended trial's rows were written before its end");
            }
        }
        assertTrue(grid.trials().stream().anyMatch(t -> t.status() != TrialStatus.TERMINATED) || terminated.size() == grid.size(),
                grid.table());
        ExperimentRestore.load(phase1); // --resume works on what was left (after space is freed)

        assertEquals("none", line(output, "PHASE2 exp "), "after space was freed a new store writes: " + output);
        assertEquals("none", line(output, "PHASE2 exp-snap "), "after space was freed a new store writes: " + output);
        Path phase2 = out.resolve("phase2");
        ExperimentRecord after = ExperimentReader.read(phase2);
        assertEquals(TrialStatus.PENDING, after.snapshot().trial("trial_09999").status());
        assertEquals(1, ExperimentReader.results(phase2.resolve("trial_09999")).size());
        assertEquals(ExperimentReader.journal(phase2).getLast().seq(), after.snapshot().journalSeq());
    }

    private static void assertNoTmp(Path dir) throws java.io.IOException {
        try (var w = Files.walk(dir)) {
            List<Path> tmpFiles = w.filter(x -> x.getFileName().toString().endsWith(".tmp")).toList();
            assertEquals(List.of(), tmpFiles, "no temp file or directory left behind");
        }
    }

    private static String line(String output, String prefix) {
        for (String l : output.split("\n")) if (l.startsWith(prefix)) return l.substring(prefix.length()).strip();
        throw new AssertionError("no line '" + prefix + "...' in: " + output);
    }
}
