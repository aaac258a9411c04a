package dev.gale.tune.study.internal;

import dev.gale.tune.Mode;
import dev.gale.tune.Result;
import dev.gale.tune.ResultGrid;
import dev.gale.tune.TrialStatus;
import dev.gale.tune.study.FrozenTrial;
import dev.gale.tune.study.Study;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a study has recorded, as {@link FrozenTrial}s: the ended trials of an optimize run (from
 * its grid or its experiment directory), the order {@code Study.trials()} lists them in, and the
 * loading of an earlier study from its directory — its trials, its counters, and its sampler's
 * and pruner's newest saved state, restored into the ones given. Loading checks what the builder
 * gave against what the study recorded (mode, sampler kind, saved states) and names the builder
 * method that fixes a mismatch.
 */
public final class StudyHistory {
    private StudyHistory() {
    }

    /** An ask/tell trial, with the number of optimize runs started before it was told. */
    public record Told(int afterOptimize, FrozenTrial trial) {
    }

    /**
     * An earlier study taken over: its optimize runs' ended trials by k, its ask/tell trials, its
     * counters, and the interrupted optimize run the next optimize finishes ({@code interrupted}
     * 0 when none).
     */
    public record Loaded(TreeMap<Integer, List<FrozenTrial>> optimized, List<Told> told, int optimizeCalls, long asked,
                         long studyRuns, int interrupted, int interruptedSamples) {
    }

    /** The study trials of a run kept in memory: its trials that ended (TERMINATED or ERROR). */
    public static List<FrozenTrial> ended(int k, ResultGrid g) {
        List<FrozenTrial> list = new ArrayList<>(g.size());
        String prefix = StudyDirectory.OPTIMIZE_PREFIX + k + "/";
        for (dev.gale.tune.TrialSummary t : g.trials()) {
            if (t.status() != TrialStatus.TERMINATED && t.status() != TrialStatus.ERROR) continue;
            list.add(frozen(prefix + t.trialId(), t.status(), t.config(), t.lastResult(), t.error()));
        }
        return list;
    }

    /** The study trials of an experiment's ended trials. */
    public static List<FrozenTrial> ended(StudyDirectory.Experiment e) {
        List<FrozenTrial> out = new ArrayList<>(e.ended().size());
        String prefix = StudyDirectory.OPTIMIZE_PREFIX + e.k() + "/";
        for (StudyDirectory.EndedTrial t : e.ended()) {
            out.add(frozen(prefix + t.id(), t.status(), t.config(), t.lastResult(), t.error()));
        }
        return out;
    }

    private static FrozenTrial frozen(String id, TrialStatus status, Map<String, Object> config, Map<String, Object> last,
                                      String error) {
        FrozenTrial.State st = status == TrialStatus.ERROR ? FrozenTrial.State.FAIL
                : Boolean.TRUE.equals(last.get(Study.FINAL)) ? FrozenTrial.State.COMPLETE : FrozenTrial.State.PRUNED;
        Double v = st == FrozenTrial.State.COMPLETE && last.get(Study.VALUE) instanceof Number n ? n.doubleValue() : null;
        return new FrozenTrial(id, ResultGrid.flatConfig(config), v, st, error);
    }

    /**
     * Every ended trial, in order: optimize runs by k (each in trial creation order), each ask/tell
     * trial after the optimize runs started before it was told.
     */
    public static List<FrozenTrial> inOrder(TreeMap<Integer, List<FrozenTrial>> optimized, List<Told> told) {
        List<FrozenTrial> out = new ArrayList<>();
        int t = 0;
        while (t < told.size() && told.get(t).afterOptimize() <= 0) out.add(told.get(t++).trial());
        for (Map.Entry<Integer, List<FrozenTrial>> e : optimized.entrySet()) {
            // ask/tell rows of runs without a directory (deleted by hand) keep their place
            while (t < told.size() && told.get(t).afterOptimize() < e.getKey()) out.add(told.get(t++).trial());
            out.addAll(e.getValue());
            while (t < told.size() && told.get(t).afterOptimize() == e.getKey()) out.add(told.get(t++).trial());
        }
        while (t < told.size()) out.add(told.get(t++).trial());
        return Collections.unmodifiableList(out);
    }

    /**
     * Takes over the study {@code name} recorded in {@code dir} ({@code c}): its trials, counters, and
     * its sampler's and pruner's newest saved state (the study file, or the snapshot of an
     * experiment that ran after it), restored into {@code sampler} and {@code pruner}, which have
     * then learned every loaded trial.
     *
     * @throws IllegalArgumentException when the builder's mode or sampler kind differs from the
     *                                  study's, or a saved state does not fit, naming the fix
     */
    public static Loaded load(String name, Path dir, Mode mode, long seed, StudySampler sampler, StudyPruner pruner,
                              StudyDirectory.Contents c) {
        Map<String, Object> st = c.state();
        StudyDirectory.Experiment newest = null;
        for (StudyDirectory.Experiment e : c.experiments()) {
            if (e.hasSnapshot() && (newest == null || e.studyRun() >= newest.studyRun())) newest = e;
        }
        String savedMode = st != null && st.get("mode") instanceof String m ? m : newest != null ? newest.mode() : null;
        if (savedMode != null && !savedMode.equals(mode.name())) {
            throw new IllegalArgumentException("study '" + name + "' in " + dir + " was created with mode " + savedMode
                    + " but the builder has mode " + mode + ": pass mode(Mode." + savedMode + ") to continue it");
        }
        TreeMap<Integer, List<FrozenTrial>> optimized = new TreeMap<>();
        for (StudyDirectory.Experiment e : c.experiments()) optimized.put(e.k(), ended(e));
        List<Told> told = new ArrayList<>();
        for (StudyDirectory.AskTellRow r : c.askTell()) {
            FrozenTrial.State state;
            try {
                state = FrozenTrial.State.valueOf(r.state());
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(dir.resolve(StudyDirectory.ASK_TELL_FILE) + ": trial " + r.id()
                        + " has state " + r.state() + ", not COMPLETE, PRUNED or FAIL (was the file edited?)", e);
            }
            told.add(new Told(r.afterOptimize(), new FrozenTrial(r.id(), r.params(), r.value(), state, r.error())));
        }
        long stateRuns = st != null && st.get("runs") instanceof Number n ? n.longValue() : -1;
        boolean fromSnapshot = newest != null && newest.studyRun() > stateRuns;
        long studyRuns = Math.max(stateRuns, newest == null ? 0 : newest.studyRun());
        String samplerName = null;
        Object samplerState = null;
        String prunerName = null;
        Object prunerState = null;
        if (fromSnapshot) {
            samplerName = newest.samplerName();
            samplerState = newest.samplerState();
            prunerName = newest.prunerName();
            prunerState = newest.prunerState();
        } else if (st != null) {
            if (st.get("sampler") instanceof Map<?, ?> m) {
                samplerName = (String) m.get("name");
                samplerState = m.get("state");
            }
            if (st.get("pruner") instanceof Map<?, ?> m) {
                prunerName = (String) m.get("name");
                prunerState = m.get("state");
            }
        }
        sampler.ensureSetup(mode, seed);
        pruner.ensureSetup(mode);
        if (samplerName != null) {
            if (!samplerName.equals(sampler.inner().name())) {
                throw new IllegalArgumentException("study '" + name + "' in " + dir + " ran sampler '" + samplerName
                        + "' but the builder has '" + sampler.inner().name() + "': pass a sampler of the kind the study ran"
                        + " with (its saved state is loaded into it), or start a new study to switch samplers");
            }
            if (samplerState != null) {
                try {
                    sampler.inner().restore(samplerState);
                } catch (RuntimeException e) {
                    throw new IllegalArgumentException("study '" + name + "' in " + dir + ": the saved state of sampler '"
                            + samplerName + "' does not fit the sampler given (" + e.getMessage()
                            + "): pass a sampler built with the same options", e);
                }
            }
        }
        if (prunerName != null && prunerName.equals(pruner.inner().name()) && prunerState != null) {
            try {
                pruner.inner().restore(prunerState);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("study '" + name + "' in " + dir + ": the saved state of pruner '"
                        + prunerName + "' does not fit the pruner given (" + e.getMessage()
                        + "): pass a pruner built with the same options", e);
            }
        }
        if (fromSnapshot) {
            // trials its snapshot saw running but its journal records as ended: told now, as a restore would
            String prefix = StudyDirectory.OPTIMIZE_PREFIX + newest.k() + "/";
            for (StudyDirectory.EndedTrial t : newest.ended()) {
                if (!t.endedAfterSnapshot()) continue;
                Result last = dev.gale.tune.internal.ExperimentRestore.result(prefix + t.id(), t.lastResult());
                boolean error = t.status() == TrialStatus.ERROR;
                sampler.inner().onTrialComplete(prefix + t.id(), last, error);
                if (!error) pruner.inner().onTrialComplete(prefix + t.id(), last);
            }
        }
        // a loaded trial has been told: Tuner.restore telling it again is ignored
        for (FrozenTrial t : inOrder(optimized, told)) {
            sampler.completed(t.id());
            pruner.completed(t.id());
        }
        StudyDirectory.Experiment last = c.experiments().isEmpty() ? null : c.experiments().getLast();
        boolean resumable = last != null && last.resumable();
        return new Loaded(optimized, told, c.lastOptimize(), c.lastAsked(), studyRuns,
                resumable ? last.k() : 0, resumable ? Math.max(1, last.numSamples()) : 0);
    }
}
