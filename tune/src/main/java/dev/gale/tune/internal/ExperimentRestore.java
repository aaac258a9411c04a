package dev.gale.tune.internal;

import dev.gale.tune.Mode;
import dev.gale.tune.Result;
import dev.gale.tune.TrialStatus;
import dev.gale.tune.storage.ExperimentLayout;
import dev.gale.tune.storage.ExperimentReader;
import dev.gale.tune.storage.ExperimentRecord;
import dev.gale.tune.storage.ExperimentSnapshot;
import dev.gale.tune.storage.ResultRow;
import dev.gale.tune.storage.TrialSnapshot;
import dev.gale.tune.storage.internal.Csv;
import dev.gale.tune.storage.internal.Json;
import dev.gale.tune.storage.internal.RecordAssembler;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What an interrupted experiment left on disk, made ready for {@code Tuner.restore}: the record
 * {@link ExperimentReader} reads (the newest snapshot with the journal applied), with each
 * unfinished trial set to resume from its newest complete checkpoint on disk.
 *
 * <p>Rules: a trial recorded as TERMINATED or ERROR is finished and is never run again; a PAUSED
 * trial stays paused (with its recorded checkpoint); a RUNNING, PENDING or INTERRUPTED trial runs
 * again from the newest complete checkpoint of its own on disk — the last row of its
 * {@code result.jsonl} naming a checkpoint whose directory exists — when that row is newer than
 * the trial's recorded last result (the snapshot is older than the disk: a driver killed with
 * {@code kill -9}) or the recorded checkpoint's directory is gone; otherwise from the recorded
 * checkpoint (which may be another trial's, after a PBT exploit), or from its start when there is
 * none. Its {@code result.jsonl} and {@code progress.csv} are cut back to that checkpoint's
 * iteration, so no iteration is recorded twice, and its best result is taken again from the rows
 * kept. Trial directories the saved searcher does not know (created after the snapshot) are moved
 * aside to {@code .orphaned/} and their configurations suggested anew. This is the one reader of a
 * restore that changes files (the cut-back and the moves); the driver must hold the directory's
 * {@code ExperimentLock} first.
 *
 * @param searcherName   the saved searcher's name
 * @param searcherState  its saved state
 * @param schedulerName  the saved scheduler's name
 * @param schedulerState its saved state
 * @param trials         every trial the snapshot knows, in creation order
 * @param elapsedS       the experiment's running time before the interruption
 * @param launch         launch information recorded by the caller of the first run (may be empty)
 * @param journalSeq     the newest journal sequence number recorded (a resumed run numbers from the next)
 */
public record ExperimentRestore(String searcherName, Object searcherState, String schedulerName, Object schedulerState,
                                List<TrialState> trials, double elapsedS, Map<String, Object> launch, long journalSeq) {

    /** Name of the journal of trial transitions. */
    public static final String JOURNAL_FILE = ExperimentLayout.JOURNAL_FILE;

    public ExperimentRestore {
        trials = List.copyOf(trials);
        launch = launch == null ? Map.of() : launch;
    }

    /**
     * One trial as recorded, ready to run again.
     *
     * @param checkpoint         the checkpoint to resume from (a name inside the trial directory, or
     *                           an absolute path after a PBT exploit), or null
     * @param checkpointResult   the result reported with it (null when none)
     * @param endedAfterSnapshot true when only the journal records its end (the saved searcher and
     *                           scheduler state predates it: tell them)
     */
    public record TrialState(String id, TrialStatus status, Map<String, Object> config, int attempts, int failures,
                             String checkpoint, Result checkpointResult, Result last, Result best, String error,
                             boolean endedAfterSnapshot) {
    }

    /**
     * Reads the experiment in {@code dir} and prepares its unfinished trials to run again (see the
     * class comment: result files cut back, unknown trial directories moved aside).
     *
     * @throws IllegalArgumentException when {@code dir} holds no snapshot to resume from, saying why
     */
    public static ExperimentRestore load(Path dir) {
        if (!Files.isRegularFile(dir.resolve(ExperimentLayout.STATE_FILE))) throw ExperimentReader.noSnapshot(dir);
        ExperimentRecord rec = ExperimentReader.read(dir);
        ExperimentSnapshot s = rec.snapshot();
        Set<String> created = new HashSet<>(rec.createdAfterSnapshot());
        Set<String> endedAfter = new HashSet<>(rec.endedAfterSnapshot());
        String metric = s.metric();
        Mode mode = s.mode() == null ? Mode.MAX : s.mode();
        List<TrialState> trials = new ArrayList<>();
        Set<String> known = new HashSet<>();
        for (TrialSnapshot t : s.trials()) {
            String id = t.trialId();
            if (created.contains(id)) continue;
            known.add(id);
            Result last = result(id, t.lastResult());
            Result best = result(id, t.bestResult());
            String checkpoint = t.checkpoint();
            Result ckResult = result(id, t.checkpointResult());
            switch (t.status()) {
                case TERMINATED, ERROR, PAUSED -> trials.add(new TrialState(id, t.status(), t.config(), t.attempts(), t.failures(),
                        checkpoint, ckResult, last, best, t.error(), endedAfter.contains(id)));
                case PENDING, RUNNING, INTERRUPTED -> {
                    Path td = dir.resolve(id);
                    List<ResultRow> rows = ExperimentReader.results(td);
                    ResultRow from = resumePoint(td, rows, t);
                    checkpoint = from == null ? null : from.checkpoint();
                    long keep = from == null ? 0 : from.iteration();
                    truncateResults(td, keep);
                    ckResult = from == null ? null : result(id, from.resultMap());
                    last = ckResult;
                    if (metric != null) {
                        List<ResultRow> kept = new ArrayList<>();
                        for (ResultRow r : rows) if (r.iteration() <= keep) kept.add(r);
                        ResultRow b = RecordAssembler.best(kept, metric, mode);
                        best = b == null ? null : result(id, b.resultMap());
                    }
                    trials.add(new TrialState(id, t.status(), t.config(), t.attempts(), t.failures(), checkpoint, ckResult,
                            last, best, t.error(), false));
                }
            }
        }
        moveOrphans(dir, known);
        return new ExperimentRestore(s.searcher().name(), s.searcher().state(), s.scheduler().name(), s.scheduler().state(),
                trials, s.elapsedS(), s.launch(), s.journalSeq());
    }

    /**
     * Where an unfinished trial resumes: the newest complete checkpoint of its own on disk when it
     * is newer than what the record knew (or the recorded checkpoint is gone), else the recorded
     * checkpoint (its row rebuilt from {@code checkpoint_result}), else null (from its start).
     */
    static ResultRow resumePoint(Path trialDir, List<ResultRow> rows, TrialSnapshot t) {
        Optional<ResultRow> disk = ExperimentReader.newestCheckpoint(trialDir, rows);
        long knownIteration = t.lastResult().get(Result.TRAINING_ITERATION) instanceof Number n ? n.longValue() : 0;
        boolean recorded = t.checkpoint() != null && Files.isDirectory(trialDir.resolve(t.checkpoint()));
        if (disk.isPresent() && (disk.get().iteration() > knownIteration || !recorded)) return disk.get();
        if (recorded) {
            Map<String, Object> flat = new LinkedHashMap<>(t.checkpointResult());
            flat.put(ResultRow.CHECKPOINT, t.checkpoint());
            return ResultRow.fromMap(t.trialId(), flat);
        }
        return null;
    }

    /** The launch information a first run recorded (empty when none), without reading trials. */
    public static Map<String, Object> launchInfo(Path dir) {
        return ExperimentReader.launchInfo(dir);
    }

    /** A result from its flattened form (metrics plus the automatic fields); null for an empty map. */
    public static Result result(String trialId, Map<String, Object> flat) {
        if (flat == null || flat.isEmpty()) return null;
        ResultRow r = ResultRow.fromMap(trialId, flat);
        return new Result(trialId, r.iteration(), r.timeTotalS(), r.timestamp(), r.metrics());
    }

    /** Keeps the result rows up to iteration {@code keep} in result.jsonl and progress.csv (torn lines go too). */
    static void truncateResults(Path trialDir, long keep) {
        try {
            Path jsonl = trialDir.resolve(ExperimentLayout.RESULT_FILE);
            if (Files.exists(jsonl)) {
                List<String> lines = lines(jsonl);
                List<String> kept = new ArrayList<>();
                for (String line : lines) {
                    if (line.isBlank()) continue;
                    try {
                        if (Json.map(line).get(Result.TRAINING_ITERATION) instanceof Number n && n.longValue() <= keep) kept.add(line);
                    } catch (IOException torn) {
                        // a torn line goes
                    }
                }
                if (kept.size() != lines.size() || FileTail.torn(jsonl)) {
                    ExperimentLayout.writeAtomically(jsonl, (kept.isEmpty() ? "" : String.join("\n", kept) + "\n")
                            .getBytes(StandardCharsets.UTF_8));
                }
            }
            Path csv = trialDir.resolve(ExperimentLayout.PROGRESS_FILE);
            if (Files.exists(csv)) {
                List<String> lines = lines(csv);
                if (!lines.isEmpty()) {
                    List<String> header = Csv.parse(lines.getFirst());
                    int col = header.indexOf(Result.TRAINING_ITERATION);
                    List<String> kept = new ArrayList<>();
                    kept.add(lines.getFirst());
                    for (String line : lines.subList(1, lines.size())) {
                        List<String> cells = Csv.parse(line);
                        if (col < 0 || col >= cells.size() || cells.size() != header.size()) continue; // torn
                        try {
                            if (Long.parseLong(cells.get(col).trim()) <= keep) kept.add(line);
                        } catch (NumberFormatException e) {
                            // a row whose iteration cannot be read: dropped
                        }
                    }
                    if (kept.size() != lines.size() || FileTail.torn(csv)) {
                        ExperimentLayout.writeAtomically(csv, (String.join("\n", kept) + "\n").getBytes(StandardCharsets.UTF_8));
                    }
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot cut back the results of " + trialDir + " to iteration " + keep
                    + ": " + e.getMessage() + " (check the directory is writable and has space)", e);
        }
    }

    /** The lines of a file (lenient UTF-8: a line torn inside a character is read, then dropped as torn). */
    private static List<String> lines(Path file) throws IOException {
        List<String> out = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(Files.newInputStream(file), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) out.add(line);
        }
        return out;
    }

    /** Whether a file ends without a line break. */
    private static final class FileTail {
        static boolean torn(Path file) throws IOException {
            long n = Files.size(file);
            if (n == 0) return false;
            try (var ch = java.nio.channels.FileChannel.open(file)) {
                java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(1);
                ch.read(b, n - 1);
                return b.get(0) != '\n';
            }
        }
    }

    private static void moveOrphans(Path dir, Set<String> known) {
        try (var s = Files.list(dir)) {
            for (Path p : s.toList()) {
                String name = p.getFileName().toString();
                if (name.startsWith(".") || !Files.isDirectory(p) || known.contains(name)
                        || !Files.exists(p.resolve(ExperimentLayout.PARAMS_FILE))) {
                    continue;
                }
                Path aside = dir.resolve(ExperimentLayout.ORPHANED_DIR).resolve(name + "-" + System.currentTimeMillis());
                Files.createDirectories(aside.getParent());
                Files.move(p, aside, StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot move aside trial directories created after the last snapshot in " + dir
                    + ": " + e.getMessage(), e);
        }
    }
}
