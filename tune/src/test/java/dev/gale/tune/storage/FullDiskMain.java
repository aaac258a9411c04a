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
 * fails at once. Phase 1a: the disk is filled by another file and the next write is a snapshot
 * (copied to {@code args[1]/snapfail}, the snapshot before it in {@code expected-snap.json}).
 * Phase 1b: a store writes trials until the disk is full; the directory is copied to
 * {@code args[1]/phase1} with the last snapshot known written ({@code args[1]/expected.json}).
 * Then the tmpfs grows to 4 MiB ("space was freed") and phase 2 opens new stores on both
 * directories and writes on; copied to {@code phase2} and {@code snapfail2}. Prints {@code START},
 * {@code SNAPFAIL}, {@code FAILURE} and {@code PHASE2} lines.
 */
public final class FullDiskMain {
    private FullDiskMain() {
    }

    public static void main(String[] args) throws Exception {
        Path disk = Path.of(args[0]);
        Path out = Path.of(args[1]);

        // phase 0: the disk is full before the run starts
        Path filler = disk.resolve("filler");
        fill(filler);
        try (FileExperimentStore s = new FileExperimentStore(disk.resolve("full-at-start"), Duration.ofSeconds(30))) {
            s.snapshotNow(snapshot(List.of(), 0));
            System.out.println("START no failure");
        } catch (RuntimeException e) {
            System.out.println("START " + e.getClass().getSimpleName() + ": " + e.getMessage().replace('\n', ' '));
        }
        Files.delete(filler);
        deleteTree(disk.resolve("full-at-start"));

        // phase 1a: a snapshot is the write that meets the full disk
        Path snapDir = disk.resolve("exp-snap");
        FileExperimentStore snapStore = new FileExperimentStore(snapDir, Duration.ofSeconds(30));
        TrialSnapshot one = new TrialSnapshot("trial_00001", TrialStatus.RUNNING, Map.of("x", 1), 1, 0, null, null, null, null, null);
        snapStore.trialConfig("trial_00001", one.config());
        snapStore.journal(new JournalEntry(1, 1, JournalEntry.Event.STARTED, one));
        snapStore.result("trial_00001", new ResultRow("trial_00001", 1, 1, 1, Map.of("loss", 0.5), null));
        snapStore.flush();
        ExperimentSnapshot before = snapshot(List.of(one), 1);
        snapStore.snapshotNow(before);
        FileExperimentStore ckStore = new FileExperimentStore(disk.resolve("exp-ck"), Duration.ofSeconds(30));
        ckStore.trialConfig("trial_00001", Map.of("x", 1));
        barrier(ckStore);
        fill(filler);
        TrialSnapshot ended = new TrialSnapshot("trial_00001", TrialStatus.TERMINATED, Map.of("x", 1), 1, 0, null, null, null,
                null, null);
        snapStore.snapshot(() -> snapshot(List.of(ended), 2), true);
        IOException snapFailure = barrier(snapStore);
        snapStore.journal(new JournalEntry(2, 2, JournalEntry.Event.TERMINATED, ended));
        snapStore.result("trial_00001", new ResultRow("trial_00001", 2, 2, 2, Map.of("loss", 0.4), null));
        snapStore.close();
        System.out.println("SNAPFAIL " + (snapFailure == null ? "none" : snapFailure.toString().replace('\n', ' ')));
        Files.createDirectories(out);
        Files.write(out.resolve("expected-snap.json"), Json.MAPPER.writeValueAsBytes(before));
        copyTree(snapDir, out.resolve("snapfail"));

        // phase 1a': a checkpoint from a node without the storage arrives on the full disk
        Path src = Files.createTempDirectory("gale-ck");
        byte[] weights = new byte[32 * 1024];
        new java.util.Random(1).nextBytes(weights);
        Files.write(src.resolve("weights.bin"), weights);
        byte[] zip = dev.gale.tune.internal.CheckpointTransfer.zip(src);
        ckStore.checkpointChunk("trial_00001", "checkpoint_000001", 0, true, zip);
        IOException ckFailure = barrier(ckStore);
        ckStore.close();
        System.out.println("CKFAIL " + (ckFailure == null ? "none" : ckFailure.toString().replace('\n', ' ')));
        copyTree(disk.resolve("exp-ck"), out.resolve("ckfail"));
        deleteTree(disk.resolve("exp-ck"));
        deleteTree(src);
        Files.delete(filler);

        // phase 1b: rows, journal lines and snapshots fill the disk in the natural way
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
        Files.write(out.resolve("expected.json"), Json.MAPPER.writeValueAsBytes(lastGood));
        copyTree(dir, out.resolve("phase1"));

        // space is freed
        Process p = new ProcessBuilder("mount", "-o", "remount,size=4m", disk.toString()).inheritIO().start();
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IllegalStateException("remount failed");

        // phase 2: new stores on the same directories
        for (Path d : List.of(dir, snapDir)) {
            ExperimentRecord rec = ExperimentReader.read(d);
            long next = rec.snapshot().journalSeq();
            FileExperimentStore again = new FileExperimentStore(d, Duration.ofSeconds(30));
            try {
                TrialSnapshot t = new TrialSnapshot("trial_09999", TrialStatus.PENDING, Map.of("x", 9999), 1, 0, null, null,
                        null, null, null);
                again.trialConfig(t.trialId(), t.config());
                again.journal(new JournalEntry(next + 1, 0, JournalEntry.Event.CREATED, t));
                again.result(t.trialId(), new ResultRow(t.trialId(), 1, 1, 1, Map.of("loss", 0.5), null));
                List<TrialSnapshot> all = new ArrayList<>(rec.snapshot().trials());
                all.add(t);
                again.snapshotNow(rec.snapshot().withTrials(all, next + 1));
            } finally {
                again.close();
            }
            System.out.println("PHASE2 " + d.getFileName() + " " + (again.failure() == null ? "none" : again.failure().toString()));
        }
        copyTree(dir, out.resolve("phase2"));
        copyTree(snapDir, out.resolve("snapfail2"));
        System.out.flush();
    }

    /** Fills the file system with {@code filler} to its last byte. */
    private static void fill(Path filler) {
        try (var o = Files.newOutputStream(filler)) {
            byte[] kb = new byte[1024];
            for (int i = 0; i < 64 * 1024; i++) o.write(kb);
        } catch (IOException full) {
            return;
        }
        throw new IllegalStateException("64 MiB written to a 64 KiB tmpfs without filling it");
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
