package dev.gale.tune.internal;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.gale.tune.Result;
import dev.gale.tune.TrialStatus;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What an interrupted experiment left on disk, read back for {@code Tuner.restore}: the last
 * {@code experiment_state.json} snapshot (trials, searcher and scheduler state) corrected by the
 * journal of trial endings written after it ({@code experiment_journal.jsonl}).
 *
 * <p>Rules: a trial the snapshot or the journal records as TERMINATED or ERROR is finished and is
 * never run again; RUNNING, PENDING and PAUSED trials are run again from their last recorded
 * checkpoint (their result files are cut back to that checkpoint's iteration, so no iteration is
 * recorded twice); trial directories created after the snapshot (unknown to the saved searcher)
 * are moved aside to {@code .orphaned/} and their configurations suggested anew.
 *
 * @param searcherName   the saved searcher's name
 * @param searcherState  its saved state
 * @param schedulerName  the saved scheduler's name
 * @param schedulerState its saved state
 * @param trials         every trial of the snapshot, in creation order
 * @param elapsedS       the experiment's running time before the interruption
 * @param launch         launch information recorded by the caller of the first run (may be empty)
 */
public record ExperimentRestore(String searcherName, Object searcherState, String schedulerName, Object schedulerState,
                                List<TrialState> trials, double elapsedS, Map<String, Object> launch, long journalSeq) {

    /** Name of the journal of trial endings. */
    public static final String JOURNAL_FILE = "experiment_journal.jsonl";

    /** One trial as recorded. */
    public record TrialState(String id, TrialStatus status, Map<String, Object> config, int attempts, int failures,
                             String checkpoint, Result checkpointResult, Result last, Result best, String error,
                             boolean endedAfterSnapshot) {
    }

    /**
     * Reads the experiment in {@code dir}.
     *
     * @throws IllegalArgumentException when {@code dir} holds no snapshot to resume from
     */
    @SuppressWarnings("unchecked")
    public static ExperimentRestore load(Path dir) {
        Path state = dir.resolve(ExperimentStorage.STATE_FILE);
        if (!Files.isRegularFile(state)) {
            throw new IllegalArgumentException(dir + " has no " + ExperimentStorage.STATE_FILE
                    + ": it is not a Gale experiment directory, or the experiment was killed before its first snapshot"
                    + " (start it again instead)");
        }
        Map<String, Object> st;
        try {
            st = ExperimentStorage.JSON.readValue(state.toFile(), new TypeReference<Map<String, Object>>() { });
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + state + ": " + e.getMessage(), e);
        }
        Map<String, Object> searcher = (Map<String, Object>) st.getOrDefault("searcher", Map.of());
        Map<String, Object> scheduler = (Map<String, Object>) st.getOrDefault("scheduler", Map.of());
        Map<String, Map<String, Object>> ended = readJournal(dir.resolve(JOURNAL_FILE));
        List<TrialState> trials = new ArrayList<>();
        List<String> known = new ArrayList<>();
        for (Map<String, Object> t : (List<Map<String, Object>>) st.getOrDefault("trials", List.of())) {
            String id = (String) t.get("trial_id");
            known.add(id);
            TrialStatus status = TrialStatus.valueOf((String) t.get("status"));
            Map<String, Object> config = (Map<String, Object>) t.getOrDefault("config", Map.of());
            Result last = result(id, (Map<String, Object>) t.get("last_result"));
            Result best = result(id, (Map<String, Object>) t.get("best_result"));
            String checkpoint = (String) t.get("checkpoint");
            Result ckResult = result(id, (Map<String, Object>) t.get("checkpoint_result"));
            String error = (String) t.get("error");
            int attempts = ((Number) t.getOrDefault("attempts", 1)).intValue();
            int failures = ((Number) t.getOrDefault("failures", 0)).intValue();
            Map<String, Object> end = ended.get(id);
            boolean endedAfter = end != null && !status.isFinished();
            if (endedAfter) {
                status = TrialStatus.valueOf((String) end.get("status"));
                if (end.get("config") instanceof Map<?, ?> c) config = (Map<String, Object>) c;
                if (end.get("last_result") instanceof Map<?, ?> m) last = result(id, (Map<String, Object>) m);
                if (end.get("best_result") instanceof Map<?, ?> m) best = result(id, (Map<String, Object>) m);
                if (end.get("checkpoint") instanceof String c) checkpoint = c;
                if (end.get("error") instanceof String e) error = e;
            } else if (!status.isFinished()) {
                // it runs again from its checkpoint: forget the results recorded after it
                long keep = ckResult == null ? 0 : ckResult.iteration();
                truncateResults(dir.resolve(id), keep);
                last = ckResult;
            }
            trials.add(new TrialState(id, status, config, attempts, failures, checkpoint, ckResult, last, best, error, endedAfter));
        }
        moveOrphans(dir, known);
        double elapsed = st.get("elapsed_s") instanceof Number n ? n.doubleValue() : 0;
        Map<String, Object> launch = st.get("launch") instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
        long seq = st.get("journal_seq") instanceof Number n ? n.longValue() : 0;
        for (Map<String, Object> m : readJsonl(dir.resolve(JOURNAL_FILE))) {
            if (m.get("seq") instanceof Number n) seq = Math.max(seq, n.longValue());
        }
        return new ExperimentRestore((String) searcher.get("name"), searcher.get("state"), (String) scheduler.get("name"),
                scheduler.get("state"), trials, elapsed, launch, seq);
    }

    /** The launch information a first run recorded (empty when none), without reading trials. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> launchInfo(Path dir) {
        Path state = dir.resolve(ExperimentStorage.STATE_FILE);
        try {
            Map<String, Object> st = ExperimentStorage.JSON.readValue(state.toFile(), new TypeReference<Map<String, Object>>() { });
            return st.get("launch") instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + state + " (" + e.getMessage()
                    + "): give the directory of an experiment started by this version of Gale", e);
        }
    }

    /** A result from its flattened form (metrics plus the automatic fields); null for an empty map. */
    public static Result result(String trialId, Map<String, Object> flat) {
        if (flat == null || flat.isEmpty()) return null;
        Map<String, Object> metrics = new LinkedHashMap<>(flat);
        Object it = metrics.remove(Result.TRAINING_ITERATION);
        Object time = metrics.remove(Result.TIME_TOTAL_S);
        Object ts = metrics.remove(Result.TIMESTAMP);
        metrics.remove("trial_id");
        metrics.remove("checkpoint");
        return new Result(trialId, it instanceof Number n ? n.longValue() : 0, time instanceof Number n ? n.doubleValue() : 0,
                ts instanceof Number n ? n.longValue() : 0, metrics);
    }

    private static Map<String, Map<String, Object>> readJournal(Path file) {
        Map<String, Map<String, Object>> out = new LinkedHashMap<>();
        for (Map<String, Object> m : readJsonl(file)) {
            if (m.get("status") instanceof String st && (st.equals("TERMINATED") || st.equals("ERROR"))) out.put((String) m.get("trial_id"), m);
        }
        return out;
    }

    /**
     * The JSON objects of a JSONL file, in order (none when it does not exist); a line torn by a
     * crash while it was appended is skipped: what it said did not happen.
     *
     * @throws IllegalArgumentException when the file exists but cannot be read
     */
    public static List<Map<String, Object>> readJsonl(Path file) {
        List<Map<String, Object>> out = new ArrayList<>();
        if (!Files.exists(file)) return out;
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.isBlank()) continue;
                try {
                    out.add(ExperimentStorage.JSON.readValue(line, new TypeReference<Map<String, Object>>() { }));
                } catch (IOException torn) {
                    // torn by the crash: skipped
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage() + " (check that it is readable)", e);
        }
        return out;
    }

    /** Keeps the result rows up to iteration {@code keep} in result.jsonl and progress.csv. */
    static void truncateResults(Path trialDir, long keep) {
        try {
            Path jsonl = trialDir.resolve("result.jsonl");
            if (Files.exists(jsonl)) {
                List<String> kept = new ArrayList<>();
                for (String line : Files.readAllLines(jsonl, StandardCharsets.UTF_8)) {
                    if (line.isBlank()) continue;
                    try {
                        Map<String, Object> m = ExperimentStorage.JSON.readValue(line, new TypeReference<Map<String, Object>>() { });
                        if (m.get(Result.TRAINING_ITERATION) instanceof Number n && n.longValue() <= keep) kept.add(line);
                    } catch (IOException torn) {
                        // a torn last line goes
                    }
                }
                ExperimentStorage.writeAtomically(jsonl, (kept.isEmpty() ? "" : String.join("\n", kept) + "\n")
                        .getBytes(StandardCharsets.UTF_8));
            }
            Path csv = trialDir.resolve("progress.csv");
            if (Files.exists(csv)) {
                List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
                if (!lines.isEmpty()) {
                    List<String> header = List.of(lines.getFirst().split(",", -1));
                    int col = header.indexOf(Result.TRAINING_ITERATION);
                    List<String> kept = new ArrayList<>();
                    kept.add(lines.getFirst());
                    for (String line : lines.subList(1, lines.size())) {
                        String[] cells = line.split(",", -1);
                        if (col < 0 || col >= cells.length) continue;
                        try {
                            if (Long.parseLong(cells[col].trim()) <= keep) kept.add(line);
                        } catch (NumberFormatException e) {
                            // a row whose iteration cannot be read (quoted cells before it): drop it
                        }
                    }
                    ExperimentStorage.writeAtomically(csv, (String.join("\n", kept) + "\n").getBytes(StandardCharsets.UTF_8));
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot cut back the results of " + trialDir + " to iteration " + keep
                    + ": " + e.getMessage() + " (check the directory is writable)", e);
        }
    }

    private static void moveOrphans(Path dir, List<String> known) {
        try (var s = Files.list(dir)) {
            for (Path p : s.toList()) {
                String name = p.getFileName().toString();
                if (!Files.isDirectory(p) || known.contains(name) || !Files.exists(p.resolve("params.json"))) continue;
                Path aside = dir.resolve(".orphaned").resolve(name + "-" + System.currentTimeMillis());
                Files.createDirectories(aside.getParent());
                Files.move(p, aside, StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot move aside trial directories created after the last snapshot in " + dir
                    + ": " + e.getMessage(), e);
        }
    }
}
