package dev.gale.tune.study.internal;

import java.util.HashSet;
import java.util.Set;

/**
 * What the study's sampler and pruner adapters share: the user's object, whether it was set up
 * (once per study), the prefix that makes a run's trial ids study-wide (asked trials, {@code ask_*},
 * keep theirs), and the trials whose end it was told (each end is passed on once).
 *
 * @param <T> the user's sampler or pruner
 */
public abstract class StudyWrapper<T> {
    private static final String ASKED = "ask_";

    protected final T inner;
    private final Set<String> completed = new HashSet<>();
    private String prefix = "";
    private boolean setUp;

    protected StudyWrapper(T inner) {
        this.inner = inner;
    }

    /** The user's sampler or pruner. */
    public T inner() {
        return inner;
    }

    /** Whether it was set up (its state can be saved). */
    public boolean isSetUp() {
        return setUp;
    }

    /** Records that it was set up. */
    protected void setUpDone() {
        setUp = true;
    }

    /** Study-wide ids of the next run's trials: {@code prefix + trialId}. */
    public void prefix(String prefix) {
        this.prefix = prefix;
    }

    /** The prefix of the current run's trial ids. */
    public String prefix() {
        return prefix;
    }

    /** Marks a trial's end as told (a later end of it is not passed on). */
    public void completed(String studyTrialId) {
        completed.add(studyTrialId);
    }

    /** True the first time the end of {@code studyTrialId} is told. */
    protected boolean firstEnd(String studyTrialId) {
        return completed.add(studyTrialId);
    }

    /** The study-wide id of a run's trial. */
    protected String studyId(String trialId) {
        return trialId.startsWith(ASKED) ? trialId : prefix + trialId;
    }

    /** The run's trial id of a study-wide id. */
    protected String runId(String studyTrialId) {
        return studyTrialId.startsWith(prefix) ? studyTrialId.substring(prefix.length()) : studyTrialId;
    }
}
