package dev.gale.tune.study.internal;

import dev.gale.tune.Mode;
import dev.gale.tune.Result;
import dev.gale.tune.search.Domain;
import dev.gale.tune.search.IndependentDraw;
import dev.gale.tune.search.SearchSpace;
import dev.gale.tune.search.Searcher;
import dev.gale.tune.search.Suggestion;
import dev.gale.tune.study.Study;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The user's sampler, set up once for the whole study, seeing study-wide trial ids. It is told
 * each trial's end once: a second end of a trial (a restored experiment telling the end of a
 * trial the study loaded and already told) is ignored. The study keeps the sampler's state
 * itself, so a restored experiment's {@link #restore} does not roll it back to that
 * experiment's older snapshot.
 */
public final class StudySampler implements Searcher {
    private final Searcher inner;
    private final Set<String> completed = new HashSet<>();
    private String prefix = "";
    private boolean setUp;

    /** Wraps the user's sampler. */
    public StudySampler(Searcher inner) {
        this.inner = inner;
    }

    /** The user's sampler. */
    public Searcher inner() {
        return inner;
    }

    /** Whether it was set up (its state can be saved). */
    public boolean isSetUp() {
        return setUp;
    }

    /** Study-wide ids of the next run's trials: {@code prefix + trialId} (asked trials keep theirs). */
    public void prefix(String prefix) {
        this.prefix = prefix;
    }

    /** The prefix of the current run's trial ids. */
    public String prefix() {
        return prefix;
    }

    /** Marks a trial's end as told (a later end of it is ignored). */
    public void completed(String studyTrialId) {
        completed.add(studyTrialId);
    }

    /** Sets the user's sampler up, once. */
    public void ensureSetup(Mode mode, long seed) {
        if (!setUp) {
            inner.setup(SearchSpace.of(Map.of()), Study.VALUE, mode, Integer.MAX_VALUE, seed);
            setUp = true;
        }
    }

    @Override
    public void setup(SearchSpace space, String metric, Mode mode, int numSamples, long seed) {
        ensureSetup(mode, seed);
    }

    @Override
    public Suggestion suggest(String trialId) {
        return new Suggestion.Config(new LinkedHashMap<>());
    }

    @Override
    public Object suggestParameter(String trialId, String name, Domain domain) {
        return inner.suggestParameter(studyId(trialId), name, domain);
    }

    @Override
    public IndependentDraw independentDraw(String trialId) {
        return inner.independentDraw(studyId(trialId));
    }

    @Override
    public void onTrialResult(String trialId, Result result) {
        inner.onTrialResult(studyId(trialId), result);
    }

    @Override
    public void onTrialComplete(String trialId, Result last, boolean error) {
        String id = studyId(trialId);
        if (completed.add(id)) inner.onTrialComplete(id, last, error);
    }

    @Override
    public Map<String, Object> trialAttributes(String trialId) {
        return inner.trialAttributes(studyId(trialId));
    }

    private String studyId(String id) {
        return id.startsWith("ask_") ? id : prefix + id;
    }

    @Override
    public Object save() {
        return inner.save();
    }

    /** Ignored: the study's sampler is at least as new as any experiment snapshot (see the class comment). */
    @Override
    public void restore(Object state) {
    }

    @Override
    public String name() {
        return inner.name();
    }
}
