package dev.gale.tune.schedulers;

import dev.gale.tune.Mode;
import dev.gale.tune.Result;

import java.util.Map;

/**
 * First in, first out: every trial runs until it ends by itself or a stopper ends it. Promise:
 * {@link #onTrialResult} always answers {@link Decision#CONTINUE}, reads no metric, keeps no state.
 */
public final class FifoScheduler implements TrialScheduler {

    @Override
    public void setup(String metric, Mode mode) {
    }

    @Override
    public Decision onTrialResult(String trialId, Result result) {
        return Decision.CONTINUE;
    }

    @Override
    public Object save() {
        return Map.of("type", "fifo");
    }

    @Override
    public void restore(Object state) {
        SchedulerSupport.checkType(SchedulerSupport.map(state, "FifoScheduler"), "fifo");
    }

    @Override
    public String name() {
        return "fifo";
    }
}
