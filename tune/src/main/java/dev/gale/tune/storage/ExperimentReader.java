package dev.gale.tune.storage;

import dev.gale.tune.TrialStatus;
import dev.gale.tune.storage.internal.ErrorText;
import dev.gale.tune.storage.internal.Json;
import dev.gale.tune.storage.internal.RecordAssembler;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;

/**
 * Reads an experiment directory (see {@link ExperimentLayout}): the one reader behind
 * {@code ResultGrid.load}, {@code Tuner.restore}, {@code Tuner.launchInfo}, {@code gale results}
 * and studies.
 *
 * <p>Promises: never creates, changes, moves or deletes a file; a line of a JSONL file torn by a
 * crash or a full disk (not valid JSON) is skipped: what it said did not happen; directories of
 * every Gale version read (snapshots of version 1 without {@code journal_seq}, journal lines without
 * {@code seq} that record endings only: see {@link ExperimentRecord}); any other unreadable file is
 * an {@link IllegalArgumentException} naming it and what to do.
 */
public final class ExperimentReader {
    private ExperimentReader() {
    }

    /**
     * The experiment in {@code dir}: its newest snapshot with the journal applied, and the trials
     * known from their directories alone.
     *
     * @throws IllegalArgumentException when {@code dir} is not a directory or holds no experiment
     */
    public static ExperimentRecord read(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException(dir + " is not a directory: give an experiment directory such as ~/gale_results/<name>");
        }
        ExperimentSnapshot snapshot = snapshot(dir).orElse(null);
        List<JournalEntry> journal = journal(dir);
        List<String> ids = trialIds(dir);
        Path name = dir.toAbsolutePath().getFileName();
        try {
            return RecordAssembler.assemble(name == null ? "" : name.toString(), snapshot, journal, ids,
                    new RecordAssembler.TrialFiles() {
                        @Override
                        public Map<String, Object> config(String trialId) {
                            return params(dir.resolve(trialId));
                        }

                        @Override
                        public List<ResultRow> rows(String trialId) {
                            return results(dir.resolve(trialId));
                        }

                        @Override
                        public String lastError(String trialId) {
                            return ErrorText.lastCause(errorText(dir.resolve(trialId)));
                        }
                    });
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(dir + " holds no Gale experiment (no " + ExperimentLayout.STATE_FILE + ", no "
                    + ExperimentLayout.JOURNAL_FILE + " and no trial directories)", e);
        }
    }

    /**
     * The snapshot in {@code dir}, or empty when none was written.
     *
     * @throws IllegalArgumentException when it exists but cannot be read
     */
    public static Optional<ExperimentSnapshot> snapshot(Path dir) {
        Path file = dir.resolve(ExperimentLayout.STATE_FILE);
        if (!Files.isRegularFile(file)) return Optional.empty();
        try {
            return Optional.of(Json.MAPPER.readValue(file.toFile(), ExperimentSnapshot.class));
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage()
                    + " (it is not a file this version of Gale wrote, or it was damaged: move it aside to load the rest)", e);
        }
    }

    /**
     * The journal entries of {@code dir} in the order written (none when there is no journal).
     * Lines written before sequence numbers existed read with {@code seq == 0} and the event of
     * their status (they record endings only); torn or malformed lines are skipped.
     */
    public static List<JournalEntry> journal(Path dir) {
        List<JournalEntry> out = new ArrayList<>();
        for (Map<String, Object> m : readJsonl(dir.resolve(ExperimentLayout.JOURNAL_FILE))) {
            JournalEntry e = entry(m);
            if (e != null) out.add(e);
        }
        return out;
    }

    private static JournalEntry entry(Map<String, Object> m) {
        if (!m.containsKey("event")) {
            // before sequence numbers: a line per ending, without seq, time and event
            if (!(m.get("status") instanceof String s) || !(s.equals(TrialStatus.TERMINATED.name())
                    || s.equals(TrialStatus.ERROR.name()))) {
                return null;
            }
            m = new LinkedHashMap<>(m);
            m.put("event", s);
        }
        try {
            return Json.MAPPER.convertValue(m, JournalEntry.class);
        } catch (IllegalArgumentException e) {
            return null; // not an entry this version can read: skipped like a torn line
        }
    }

    /** The ids of the trial directories of {@code dir} (those holding a {@code params.json}), in creation order. */
    public static List<String> trialIds(Path dir) {
        List<String> out = new ArrayList<>();
        try (var s = Files.list(dir)) {
            for (Path p : s.toList()) {
                String name = p.getFileName().toString();
                if (!name.startsWith(".") && Files.isRegularFile(p.resolve(ExperimentLayout.PARAMS_FILE))) out.add(name);
            }
        } catch (NoSuchFileException e) {
            return out;
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot list " + dir + ": " + e.getMessage() + " (check that it is readable)", e);
        }
        out.sort(RecordAssembler.CREATION_ORDER);
        return out;
    }

    /** A trial's {@code params.json}, or null when it is missing or unreadable. */
    public static Map<String, Object> params(Path trialDir) {
        Path file = trialDir.resolve(ExperimentLayout.PARAMS_FILE);
        if (!Files.isRegularFile(file)) return null;
        try {
            return Json.map(Files.readAllBytes(file));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** A trial's result rows in order (torn lines skipped; empty when it has none). */
    public static List<ResultRow> results(Path trialDir) {
        return results(trialDir, (line, text) -> {
        });
    }

    /** As {@link #results(Path)}, telling {@code skipped} about every line of {@code result.jsonl} it skips. */
    public static List<ResultRow> results(Path trialDir, BiConsumer<Integer, String> skipped) {
        Path file = trialDir.resolve(ExperimentLayout.RESULT_FILE);
        String id = trialDir.getFileName() == null ? "" : trialDir.getFileName().toString();
        List<Map<String, Object>> maps = readJsonl(file, skipped);
        List<ResultRow> out = new ArrayList<>(maps.size());
        for (Map<String, Object> m : maps) out.add(ResultRow.fromMap(id, m));
        return out;
    }

    /** The text of a trial's {@code error.txt} (every failed attempt's block), empty when none. */
    public static String errorText(Path trialDir) {
        Path file = trialDir.resolve(ExperimentLayout.ERROR_FILE);
        if (!Files.isRegularFile(file)) return "";
        try {
            return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage() + " (check that it is readable)", e);
        }
    }

    /**
     * The newest complete checkpoint of a trial on disk: the last row of its {@code result.jsonl}
     * naming a checkpoint whose directory exists (a checkpoint being written is a {@code .tmp}
     * directory until it is complete, and a row names it only after that).
     */
    public static Optional<ResultRow> newestCheckpoint(Path trialDir) {
        return newestCheckpoint(trialDir, results(trialDir));
    }

    /** As {@link #newestCheckpoint(Path)}, over rows already read. */
    public static Optional<ResultRow> newestCheckpoint(Path trialDir, List<ResultRow> rows) {
        for (int i = rows.size() - 1; i >= 0; i--) {
            String ck = rows.get(i).checkpoint();
            if (ck != null && !ck.endsWith(ExperimentLayout.TMP_SUFFIX) && Files.isDirectory(trialDir.resolve(ck))) {
                return Optional.of(rows.get(i));
            }
        }
        return Optional.empty();
    }

    /**
     * What the first run recorded to launch the experiment again ({@code Tuner.Builder.launchInfo});
     * empty when nothing was.
     *
     * @throws IllegalArgumentException when {@code dir} holds no snapshot, saying why that may be
     */
    public static Map<String, Object> launchInfo(Path dir) {
        return snapshot(dir).orElseThrow(() -> noSnapshot(dir)).launch();
    }

    /** The error for a directory without a snapshot: not an experiment, or one stopped before its first snapshot. */
    public static IllegalArgumentException noSnapshot(Path dir) {
        boolean something = Files.isDirectory(dir) && (Files.exists(dir.resolve(ExperimentLayout.JOURNAL_FILE))
                || !trialIds(dir).isEmpty());
        if (something) {
            return new IllegalArgumentException(dir + " has no " + ExperimentLayout.STATE_FILE + ": the experiment was killed or"
                    + " ran out of disk before its first snapshot, so it cannot be resumed (its searcher state was never"
                    + " saved); what its trials recorded can be read with 'gale results " + dir + "': start it again under"
                    + " a new name");
        }
        return new IllegalArgumentException(dir + " has no " + ExperimentLayout.STATE_FILE
                + ": it is not a Gale experiment directory; give the directory of an experiment started by Gale");
    }

    /**
     * The JSON objects of a JSONL file, in order (none when it does not exist); a line that is not
     * a JSON object (torn by a crash while it was appended) is skipped.
     *
     * @throws IllegalArgumentException when the file exists but cannot be read
     */
    public static List<Map<String, Object>> readJsonl(Path file) {
        return readJsonl(file, (line, text) -> {
        });
    }

    /**
     * As {@link #readJsonl(Path)}, telling {@code skipped} about every line it skips: its number
     * (from 1) and its text (what the dashboard shows as a corrupted line).
     */
    public static List<Map<String, Object>> readJsonl(Path file, BiConsumer<Integer, String> skipped) {
        List<Map<String, Object>> out = new ArrayList<>();
        if (!Files.exists(file)) return out;
        // lenient decoding: a line torn inside a multi-byte character must not make the file unreadable
        try (BufferedReader r = new BufferedReader(new InputStreamReader(Files.newInputStream(file), StandardCharsets.UTF_8))) {
            String line;
            int number = 0;
            while ((line = r.readLine()) != null) {
                number++;
                if (line.isBlank()) continue;
                try {
                    out.add(Json.map(line));
                } catch (IOException torn) {
                    // torn by a crash or a full disk: skipped
                    skipped.accept(number, line);
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage() + " (check that it is readable)", e);
        }
        return out;
    }
}
