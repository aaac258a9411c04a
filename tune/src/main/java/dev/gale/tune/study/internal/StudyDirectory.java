package dev.gale.tune.study.internal;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gale.tune.TrialStatus;
import dev.gale.tune.storage.ExperimentLayout;
import dev.gale.tune.storage.ExperimentReader;
import dev.gale.tune.storage.ExperimentRecord;
import dev.gale.tune.storage.ExperimentSnapshot;
import dev.gale.tune.storage.TrialSnapshot;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a define-by-run study directory holds, read without changing anything: its
 * {@code optimize_<k>} experiments (each read from its {@code experiment_state.json} snapshot,
 * corrected by the journal of trial endings written after it, as {@code Tuner.restore} reads it),
 * the rows of {@code ask_tell.jsonl}, and the study's own state file {@value #STATE_FILE}
 * (sampler and pruner state, counters), which this class also writes, atomically.
 *
 * <p>Reading never moves, truncates or rewrites a file: a torn last line of a JSONL file (a crash
 * while it was appended) is skipped; any other unreadable file is an {@link IllegalArgumentException}
 * naming it.
 */
public final class StudyDirectory {
    /** The study's own state file (sampler and pruner state, counters). */
    public static final String STATE_FILE = "study.json";
    /** The ask/tell trials, one JSON object a line. */
    public static final String ASK_TELL_FILE = "ask_tell.jsonl";
    /** The prefix of an optimize call's experiment directory. */
    public static final String OPTIMIZE_PREFIX = "optimize_";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern OPTIMIZE_DIR = Pattern.compile("optimize_([1-9][0-9]{0,8})");
    private static final Pattern ASK_ID = Pattern.compile("ask_([1-9][0-9]{0,17})");

    private StudyDirectory() {
    }

    /**
     * One trial of an experiment that had ended when the files were last written.
     *
     * @param id                 the trial id inside its experiment (e.g. {@code trial_00003})
     * @param status             TERMINATED or ERROR
     * @param config             its configuration (nested, as recorded)
     * @param lastResult         its last result, flattened (empty when it reported nothing)
     * @param error              its error when it ended in ERROR, else null
     * @param endedAfterSnapshot true when only the journal records its end (the saved sampler
     *                           state predates it)
     */
    public record EndedTrial(String id, TrialStatus status, Map<String, Object> config, Map<String, Object> lastResult,
                             String error, boolean endedAfterSnapshot) {
        public EndedTrial {
            if (id == null || id.isBlank()) throw new IllegalArgumentException("trial id is blank");
            if (status == null || !status.isFinished()) throw new IllegalArgumentException("trial " + id + ": status " + status + " is not an end");
            config = config == null ? Map.of() : config;
            lastResult = lastResult == null ? Map.of() : lastResult;
            error = status == TrialStatus.ERROR ? error : null;
        }
    }

    /**
     * One {@code optimize_<k>} experiment.
     *
     * @param k              its number
     * @param dir            its directory
     * @param hasSnapshot    whether it holds an {@code experiment_state.json} (false: killed before
     *                       its first snapshot; it cannot be resumed, its ended trials come from the journal)
     * @param finished       whether its last snapshot says it ran to its end
     * @param numSamples     the number of trials it was started with (0 when unknown)
     * @param studyRun       the study run number recorded in its launch information (0 when none)
     * @param mode           the mode it ran with (null when unknown)
     * @param samplerName    the saved sampler's name (null without a snapshot)
     * @param samplerState   the saved sampler state (null without a snapshot)
     * @param prunerName     the saved pruner's name (null without a snapshot)
     * @param prunerState    the saved pruner state (null without a snapshot)
     * @param ended          its ended trials in creation order; for an unfinished experiment with a
     *                       snapshot only those the snapshot knows (a restore runs the others again)
     */
    public record Experiment(int k, Path dir, boolean hasSnapshot, boolean finished, int numSamples, long studyRun,
                             String mode, String samplerName, Object samplerState, String prunerName, Object prunerState,
                             List<EndedTrial> ended) {
        public Experiment {
            if (k < 1) throw new IllegalArgumentException("k = " + k + ": optimize runs are numbered from 1");
            ended = List.copyOf(ended);
        }

        /** True when {@code Tuner.restore} can continue it: a snapshot that says it did not finish. */
        public boolean resumable() {
            return hasSnapshot && !finished;
        }
    }

    /**
     * One line of {@code ask_tell.jsonl}.
     *
     * @param afterOptimize how many optimize runs the study had started when it was told (0 for
     *                      lines written before this field existed)
     * @param id            the trial id ({@code ask_<n>})
     * @param params        its parameters
     * @param value         its value (null unless it completed)
     * @param state         COMPLETE, PRUNED or FAIL
     * @param error         the failure's cause, else null
     */
    public record AskTellRow(int afterOptimize, String id, Map<String, Object> params, Double value, String state, String error) {
        public AskTellRow {
            if (id == null || id.isBlank()) throw new IllegalArgumentException("ask/tell row without a trial_id");
            params = params == null ? Map.of() : params;
        }
    }

    /**
     * Everything a study directory holds.
     *
     * @param experiments its optimize experiments by ascending k
     * @param askTell     its ask/tell rows in file order
     * @param state       the content of {@value #STATE_FILE}, or null when there is none
     */
    public record Contents(List<Experiment> experiments, List<AskTellRow> askTell, Map<String, Object> state) {
        public Contents {
            experiments = List.copyOf(experiments);
            askTell = List.copyOf(askTell);
        }

        /** The highest optimize number used (0 when none). */
        public int lastOptimize() {
            return experiments.isEmpty() ? 0 : experiments.getLast().k();
        }

        /** The highest {@code ask_<n>} number recorded in the rows or the state (0 when none). */
        public long lastAsked() {
            long n = state != null && state.get("asked") instanceof Number a ? a.longValue() : 0;
            for (AskTellRow r : askTell) {
                Matcher m = ASK_ID.matcher(r.id());
                if (m.matches()) n = Math.max(n, Long.parseLong(m.group(1)));
            }
            return n;
        }

        /** A short description for messages: "2 optimize runs, 10 ask/tell trials". */
        public String describe() {
            int trials = 0;
            for (Experiment e : experiments) trials += e.ended().size();
            return experiments.size() + " optimize run" + (experiments.size() == 1 ? "" : "s") + " (" + trials
                    + " ended trials), " + askTell.size() + " ask/tell trial" + (askTell.size() == 1 ? "" : "s");
        }
    }

    /** True when {@code dir} holds anything a study records: an optimize experiment, ask/tell trials or a study state. */
    public static boolean holdsStudy(Path dir) {
        if (!Files.isDirectory(dir)) return false;
        if (Files.exists(dir.resolve(ASK_TELL_FILE)) || Files.exists(dir.resolve(STATE_FILE))) return true;
        return !optimizeDirs(dir).isEmpty();
    }

    /** Reads everything {@code dir} holds (empty contents when it does not exist). */
    public static Contents read(Path dir) {
        if (!Files.isDirectory(dir)) return new Contents(List.of(), List.of(), null);
        List<Experiment> experiments = new ArrayList<>();
        for (Map.Entry<Integer, Path> e : optimizeDirs(dir).entrySet()) experiments.add(readExperiment(e.getKey(), e.getValue()));
        Map<String, Object> state = null;
        Path st = dir.resolve(STATE_FILE);
        if (Files.exists(st)) state = readMap(st);
        return new Contents(experiments, readAskTell(dir.resolve(ASK_TELL_FILE)), state);
    }

    /** The {@code optimize_<k>} directories of {@code dir} by ascending k. */
    static Map<Integer, Path> optimizeDirs(Path dir) {
        Map<Integer, Path> out = new java.util.TreeMap<>();
        try (var s = Files.list(dir)) {
            for (Path p : s.toList()) {
                Matcher m = OPTIMIZE_DIR.matcher(p.getFileName().toString());
                if (m.matches() && Files.isDirectory(p)) out.put(Integer.parseInt(m.group(1)), p);
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot list study directory " + dir + ": " + e.getMessage()
                    + " (check that it is readable)", e);
        }
        return out;
    }

    /**
     * Reads experiment {@code k} in {@code dir} with {@link ExperimentReader}: its snapshot
     * corrected by its journal (without a snapshot, the ended trials the journal records).
     */
    public static Experiment readExperiment(int k, Path dir) {
        ExperimentRecord rec;
        try {
            rec = ExperimentReader.read(dir);
        } catch (IllegalArgumentException e) {
            if (ExperimentReader.snapshot(dir).isPresent()) throw e;
            // an optimize directory in which nothing was recorded yet
            return new Experiment(k, dir, false, false, 0, 0, null, null, null, null, null, List.of());
        }
        ExperimentSnapshot st = rec.snapshot();
        Set<String> created = new HashSet<>(rec.createdAfterSnapshot());
        Set<String> endedAfter = new HashSet<>(rec.endedAfterSnapshot());
        List<EndedTrial> ended = new ArrayList<>();
        for (TrialSnapshot t : st.trials()) {
            // with a snapshot, trials created after it run again on restore: only those it knows count
            if (rec.hasSnapshot() && created.contains(t.trialId())) continue;
            if (!t.status().isFinished()) continue;
            ended.add(new EndedTrial(t.trialId(), t.status(), t.config(), t.lastResult(), t.error(),
                    !rec.hasSnapshot() || endedAfter.contains(t.trialId())));
        }
        if (!rec.hasSnapshot()) {
            // killed before its first snapshot: only the journal knows which trials ended
            return new Experiment(k, dir, false, false, 0, 0, null, null, null, null, null, ended);
        }
        long run = st.launch().get("study_run") instanceof Number n ? n.longValue() : 0;
        return new Experiment(k, dir, true, st.finished(), st.numSamples(), run, st.mode() == null ? null : st.mode().name(),
                st.searcher().name(), st.searcher().state(), st.scheduler().name(), st.scheduler().state(), ended);
    }

    @SuppressWarnings("unchecked")
    private static List<AskTellRow> readAskTell(Path file) {
        List<AskTellRow> out = new ArrayList<>();
        for (Map<String, Object> m : ExperimentReader.readJsonl(file)) {
            if (!(m.get("trial_id") instanceof String id)) continue;
            int after = m.get("after_optimize") instanceof Number n ? n.intValue() : 0;
            Map<String, Object> params = m.get("params") instanceof Map<?, ?> p ? new LinkedHashMap<>((Map<String, Object>) p) : Map.of();
            Double value = m.get("value") instanceof Number v ? v.doubleValue() : null;
            out.add(new AskTellRow(after, id, params, value, (String) m.get("state"), (String) m.get("error")));
        }
        return out;
    }

    private static Map<String, Object> readMap(Path file) {
        try {
            return JSON.readValue(file.toFile(), new TypeReference<Map<String, Object>>() { });
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage()
                    + " (it is not a file this version of Gale wrote, or it was damaged: move it aside to load the rest)", e);
        }
    }

    /** Replaces {@value #STATE_FILE} in {@code dir} atomically (temp file + rename). */
    public static void writeState(Path dir, Map<String, Object> state) {
        try {
            Files.createDirectories(dir);
            ExperimentLayout.writeAtomically(dir.resolve(STATE_FILE), JSON.writeValueAsBytes(state));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot write " + dir.resolve(STATE_FILE) + ": " + e.getMessage()
                    + " (check that the study directory is writable)", e);
        }
    }

    /** Appends one JSON line to {@code file}. */
    public static void appendLine(Path file, Map<String, Object> row) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, JSON.writeValueAsString(row) + "\n", StandardCharsets.UTF_8,
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot append to " + file + ": " + e.getMessage()
                    + " (check that the study directory is writable)", e);
        }
    }
}
