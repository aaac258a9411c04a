package dev.gale.tune.study.internal;

import dev.gale.tune.Checkpoint;
import dev.gale.tune.Result;
import dev.gale.tune.internal.ParamMessages.ParamSpec;
import dev.gale.tune.schedulers.Decision;
import dev.gale.tune.search.Domain;
import dev.gale.tune.study.Study;

import java.util.Map;
import java.util.Optional;

/**
 * A trial of {@code Study.ask()}, evaluated by the caller: parameters come straight from the
 * study's sampler, each {@code report} goes to its sampler and pruner on the caller's thread, and
 * checkpoints are not kept (an ask-and-tell trial never runs again). A pruner that pauses or
 * exploits makes {@code report} throw {@link IllegalStateException}, since the caller, not Gale,
 * runs the trial. Told at most once ({@link #markTold()}).
 */
public final class AskedTrial extends SuggestingTrial {
    private final String id;
    private final StudySampler sampler;
    private final StudyPruner pruner;
    private final Object study;
    private boolean pruned;
    private boolean told;
    private long steps;

    /** Trial {@code id} of {@code study}, answered by its {@code sampler} and judged by its {@code pruner}. */
    public AskedTrial(String id, StudySampler sampler, StudyPruner pruner, Object study) {
        this.id = id;
        this.sampler = sampler;
        this.pruner = pruner;
        this.study = study;
    }

    /** Whether this trial was asked of {@code s}. */
    public boolean askedOf(Object s) {
        return study == s;
    }

    /** Marks the trial told; false when it already was. */
    public boolean markTold() {
        if (told) return false;
        told = true;
        return true;
    }

    /** Undoes {@link #markTold()}, for a tell that turns into a failed tell. */
    public void unmarkTold() {
        told = false;
    }

    /** Whether the pruner decided to stop it at one of its reports. */
    public boolean pruned() {
        return pruned;
    }

    /** How many intermediate values it reported. */
    public long steps() {
        return steps;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    protected Object parameter(String name, ParamSpec spec) {
        Object known = params.get(name);
        Domain d = spec.toDomain(name);
        if (known != null) {
            if (!d.contains(known)) throw new IllegalArgumentException("parameter '" + name + "' was asked before with another domain");
            return known;
        }
        Object v = sampler.suggestParameter(id, name, d);
        if (!d.contains(v)) throw new IllegalStateException("sampler suggested " + v + " for '" + name + "', outside " + d);
        return v;
    }

    @Override
    public void report(long step, double value) {
        steps++;
        Result r = new Result(id, steps, 0, System.currentTimeMillis(), Map.of(Study.VALUE, value, "step", step));
        sampler.onTrialResult(id, r);
        switch (pruner.onTrialResult(id, r)) {
            case Decision.Continue c -> {
            }
            case Decision.Stop s -> pruned = true;
            case Decision.Pause p -> throw cannot("pause", step);
            case Decision.Exploit x -> throw cannot("restart from another trial's checkpoint", step);
        }
    }

    private IllegalStateException cannot(String what, long step) {
        return new IllegalStateException("pruner '" + pruner.name() + "' decided to " + what + " trial " + id + " at step " + step
                + ", which an ask-and-tell trial cannot do (it is evaluated by the caller): run synchronous Hyperband,"
                + " BOHB and population-based training through study.optimize(...), or use an asynchronous pruner"
                + " (ASHA, median stopping) with ask and tell");
    }

    /** Reports the value; the checkpoint is not kept, since an ask-and-tell trial never runs again. */
    @Override
    public void report(long step, double value, Map<String, ?> checkpoint) {
        report(step, value);
    }

    /** Reports the value; the checkpoint is not kept, since an ask-and-tell trial never runs again. */
    @Override
    public void report(long step, double value, Checkpoint checkpoint) {
        report(step, value);
    }

    @Override
    public Optional<Map<String, Object>> lastCheckpoint() {
        return Optional.empty();
    }

    @Override
    public Optional<Checkpoint> checkpoint() {
        return Optional.empty();
    }

    @Override
    public boolean shouldPrune() {
        return pruned;
    }
}
