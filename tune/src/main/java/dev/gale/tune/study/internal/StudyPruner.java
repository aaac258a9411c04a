package dev.gale.tune.study.internal;

import dev.gale.tune.Mode;
import dev.gale.tune.Result;
import dev.gale.tune.schedulers.Decision;
import dev.gale.tune.schedulers.TrialScheduler;
import dev.gale.tune.study.Study;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The user's pruner, set up once, seeing study-wide trial ids; told each end once, restored by the study only. */
public final class StudyPruner extends StudyWrapper<TrialScheduler> implements TrialScheduler {

    /** Wraps the user's pruner. */
    public StudyPruner(TrialScheduler inner) {
        super(inner);
    }

    /** Sets the user's pruner up, once. */
    public void ensureSetup(Mode mode) {
        if (!isSetUp()) {
            inner.setup(Study.VALUE, mode);
            setUpDone();
        }
    }

    @Override
    public void setup(String metric, Mode mode) {
        ensureSetup(mode);
    }

    @Override
    public void onTrialAdd(String trialId) {
        inner.onTrialAdd(studyId(trialId));
    }

    @Override
    public void onTrialConfig(String trialId, Map<String, Object> config) {
        inner.onTrialConfig(studyId(trialId), config);
    }

    /**
     * The pruner's decision, as the objective should see it: after the objective returned (the
     * final result) nothing is left to decide; a stop because the trial used the pruner's whole
     * budget ({@link TrialScheduler#budgetExhausted}) lets the objective run on and return its
     * value (Optuna's pruners never prune at the maximum resource); an exploit names its donor
     * by the experiment's trial id.
     */
    @Override
    public Decision onTrialResult(String trialId, Result result) {
        Decision d = inner.onTrialResult(studyId(trialId), result);
        if (Boolean.TRUE.equals(result.metrics().get(Study.FINAL))) return Decision.CONTINUE;
        if (d instanceof Decision.Stop && inner.budgetExhausted(result)) return Decision.CONTINUE;
        if (d instanceof Decision.Exploit x) return new Decision.Exploit(unmap(x.donorTrialId()), x.config());
        return d;
    }

    @Override
    public boolean budgetExhausted(Result result) {
        return inner.budgetExhausted(result);
    }

    @Override
    public void onTrialComplete(String trialId, Result last) {
        String id = studyId(trialId);
        if (firstEnd(id)) inner.onTrialComplete(id, last);
    }

    @Override
    public void onTrialError(String trialId) {
        String id = studyId(trialId);
        if (firstEnd(id)) inner.onTrialError(id);
    }

    @Override
    public PausedPlan planPaused(List<String> paused, boolean idle) {
        List<String> mapped = new ArrayList<>(paused.size());
        for (String id : paused) mapped.add(studyId(id));
        PausedPlan plan = inner.planPaused(mapped, idle);
        return new PausedPlan(unmap(plan.resume()), unmap(plan.stop()));
    }

    private List<String> unmap(List<String> ids) {
        List<String> out = new ArrayList<>(ids.size());
        for (String id : ids) out.add(unmap(id));
        return out;
    }

    private String unmap(String id) {
        return runId(id);
    }

    @Override
    public Object save() {
        return inner.save();
    }

    /** Ignored: the study restores its pruner itself. */
    @Override
    public void restore(Object state) {
    }

    @Override
    public String name() {
        return inner.name();
    }
}
