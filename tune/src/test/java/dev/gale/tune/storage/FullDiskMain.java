package dev.gale.tune.storage;

import dev.gale.tune.Mode;
import dev.gale.tune.TrialStatus;
import dev.gale.tune.storage.internal.FileExperimentStore;
import dev.gale.tune.storage.internal.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM for {@link FileExperimentStoreFullDiskTest}, started in a mount namespace of its own
 * where {@code args[0]} is a 64 KiB tmpfs. Phase 0: a store opened on a disk that is already full
 * fails at once. Phase 1: a store writes trials until the disk is full; the directory is copied to
 * {@code args[1]/phase1} with the last snapshot known written ({@code args[1]/expected.json}).
 * Then the tmpfs grows to 4 MiB ("space was freed") and phase 2 opens a new store on the same
 * directory and writes on; copied to {@code args[1]/phase2}. Prints {@code START}, {@code FAILURE}
 * and {@code PHASE2} lines.
 */
public final class FullDiskMain {
    private FullDiskMain() {
    }

    public static void main(String[] args) throws Exception {
        Path disk = Path.of(args[0]);
        Path out = Path.of(args[1]);

        // phase 0: the disk is full before the run starts
        Path filler = disk.resolve("filler");
        try {
            Files.write(filler, new byte[1024 * 1024]);
        } catch (IOException full) {
            // filled up to the last byte
        }
        try (FileExperimentStore s = new FileExperimentStore(disk.resolve("full-at-start"), Duration.ofSeconds(30))) {
            s.snapshotNow(snapshot(List.of(), 0));
            System.out.println("START no failure");
        } catch (RuntimeException e) {
            System.out.println("START " + e.getClass().getSimpleName() + ": " + e.getMessage().replace('\n', ' '));
        }
        Files.delete(filler);
        deleteTree(disk.resolve("full-at-start"));

        // phase 1: fill it
        Path dir = disk.resolve("exp");
        FileExperimentStore store = new FileExperimentStore(dir, Duration.ofSeconds(30));
        List<TrialSnapshot> trials = new ArrayList<>();
        long seq = 0;
        ExperimentSnapshot lastGood = snapshot(trials, seq);
        store.snapshotNow(lastGood);
        IOException failure = null;
        for (int n = 1; n <= 2000 && failure == null; n++) {
            String id = String.format("trial_%05d", n);
            store.trialConfig(id, Map.of("x", n));
            TrialSnapshot t = new TrialSnapshot(id, TrialStatus.PENDING, Map.of("x", n), 1, 0, null, null, null, null, null);
            trials.add(t);
            store.journal(new JournalEntry(++seq, n, JournalEntry.Event.CREATED, t));
            t = t.withStatus(TrialStatus.RUNNING);
            trials.set(n - 1, t);
            store.journal(new JournalEntry(++seq, n, JournalEntry.Event.STARTED, t));
            Map<String, Object> last = null;
            for (int i = 1; i <= 5; i++) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("loss", 1.0 / (n + i));
                m.put("pad", "p".repeat(700));
                ResultRow row = new ResultRow(id, i, i, 1_700_000_000_000L + i, m, null);
                store.result(id, row);
                last = row.resultMap();
            }
            store.trialClosed(id);
            t = new TrialSnapshot(id, TrialStatus.TERMINATED, Map.of("x", n), 1, 0, last, last, null, null, null);
            trials.set(n - 1, t);
            store.journal(new JournalEntry(++seq, n, JournalEntry.Event.TERMINATED, t));
            ExperimentSnapshot snap = snapshot(trials, seq);
            store.snapshot(() -> snap, true);
            failure = barrier(store);
            if (failure == null) lastGood = snap;
        }
        store.close();
        System.out.println("FAILURE " + (failure == null ? "none" : failure.toString().replace('\n', ' ')));
        Files.createDirectories(out);
        Files.write(out.resolve("expected.json"), Json.MAPPER.writeValueAsBytes(lastGood));
        copyTree(dir, out.resolve("phase1"));

        // space is freed
        Process p = new ProcessBuilder("mount", "-o", "remount,size=4m", disk.toString()).inheritIO().start();
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IllegalStateException("remount failed");

        // phase 2: a new store on the same directory
        ExperimentRecord rec = ExperimentReader.read(dir);
        long next = rec.snapshot().journalSeq();
        try (FileExperimentStore again = new FileExperimentStore(dir, Duration.ofSeconds(30))) {
            TrialSnapshot t = new TrialSnapshot("trial_09999", TrialStatus.PENDING, Map.of("x", 9999), 1, 0, null, null, null,
                    null, null);
            again.trialConfig(t.trialId(), t.config());
            again.journal(new JournalEntry(next + 1, 0, JournalEntry.Event.CREATED, t));
            again.result(t.trialId(), new ResultRow(t.trialId(), 1, 1, 1, Map.of("loss", 0.5), null));
            List<TrialSnapshot> all = new ArrayList<>(rec.snapshot().trials());
            all.add(t);
            again.snapshotNow(rec.snapshot().withTrials(all, next + 1));
            again.close();
            System.out.println("PHASE2 " + (again.failure() == null ? "none" : again.failure().toString()));
        }
        copyTree(dir, out.resolve("phase2"));
        System.out.flush();
    }

    private static ExperimentSnapshot snapshot(List<TrialSnapshot> trials, long seq) {
        return new ExperimentSnapshot(ExperimentSnapshot.VERSION, "full", "loss", Mode.MIN, 2000, 1, false, 0, null, Map.of(),
                new ComponentState("random", Map.of("n", trials.size())), new ComponentState("fifo", null), seq,
                List.copyOf(trials));
    }

    private static IOException barrier(ExperimentStore s) throws Exception {
        CompletableFuture<IOException> f = new CompletableFuture<>();
        s.afterQueued(f::complete);
        return f.get(30, TimeUnit.SECONDS);
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (var w = Files.walk(from)) {
            for (Path p : w.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(target);
                else Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (var w = Files.walk(p)) {
            for (Path x : w.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(x);
        }
    }
}
