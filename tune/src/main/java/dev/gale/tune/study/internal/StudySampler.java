package dev.gale.tune.study.internal;

import dev.gale.tune.Mode;
import dev.gale.tune.Result;
import dev.gale.tune.search.Domain;
import dev.gale.tune.search.IndependentDraw;
import dev.gale.tune.search.SearchSpace;
import dev.gale.tune.search.Searcher;
import dev.gale.tune.search.Suggestion;
import dev.gale.tune.study.Study;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The user's sampler, set up once for the whole study, seeing study-wide trial ids. It is told
 * each trial's end once: a second end of a trial (a restored experiment telling the end of a
 * trial the study loaded and already told) is ignored. The study keeps the sampler's state
 * itself, so a restored experiment's {@link #restore} does not roll it back to that
 * experiment's older snapshot.
 */
public final class StudySampler extends StudyWrapper<Searcher> implements Searcher {

    /** Wraps the user's sampler. */
    public StudySampler(Searcher inner) {
        super(inner);
    }

    /** Sets the user's sampler up, once. */
    public void ensureSetup(Mode mode, long seed) {
        if (!isSetUp()) {
            inner.setup(SearchSpace.of(Map.of()), Study.VALUE, mode, Integer.MAX_VALUE, seed);
            setUpDone();
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
        if (firstEnd(id)) inner.onTrialComplete(id, last, error);
    }

    @Override
    public Map<String, Object> trialAttributes(String trialId) {
        return inner.trialAttributes(studyId(trialId));
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
