package dev.gale.tune.study.internal;

import dev.gale.tune.TrialStoppedException;
import dev.gale.tune.internal.ParamMessages.ParamSpec;
import dev.gale.tune.study.StudyTrial;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code suggest*} methods of a study trial, shared by a trial of {@code optimize} and one of
 * {@code ask}: each turns its arguments into a domain and asks {@link #parameter} for the value,
 * then records it under its name ({@link #params()}, in the order asked). {@link #prune()} throws
 * {@link TrialStoppedException}, which ends the objective as pruned.
 */
public abstract class SuggestingTrial implements StudyTrial {
    /** The values suggested so far, by name, in the order they were asked. */
    protected final Map<String, Object> params = new LinkedHashMap<>();

    /** The value of parameter {@code name} in {@code spec}'s domain for this trial. */
    protected abstract Object parameter(String name, ParamSpec spec);

    @Override
    public double suggestFloat(String name, double low, double high) {
        return num(name, new ParamSpec("uniform", low, high, 0, null)).doubleValue();
    }

    @Override
    public double suggestFloat(String name, double low, double high, boolean log) {
        return num(name, new ParamSpec(log ? "loguniform" : "uniform", low, high, 0, null)).doubleValue();
    }

    @Override
    public double suggestFloat(String name, double low, double high, double step) {
        return num(name, new ParamSpec("quniform", low, high, step, null)).doubleValue();
    }

    @Override
    public int suggestInt(String name, int low, int high) {
        return num(name, new ParamSpec("randint", low, (double) high + 1, 0, null)).intValue();
    }

    @Override
    public int suggestInt(String name, int low, int high, int step) {
        return num(name, new ParamSpec("qrandint", low, high, step, null)).intValue();
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T suggestCategorical(String name, List<T> choices) {
        Object v = get(name, new ParamSpec("choice", 0, 0, 0, new ArrayList<>(choices)));
        for (T c : choices) {
            if (c.equals(v) || c instanceof Number a && v instanceof Number b && a.doubleValue() == b.doubleValue()) return c;
        }
        return (T) v;
    }

    private Number num(String name, ParamSpec spec) {
        return (Number) get(name, spec);
    }

    private Object get(String name, ParamSpec spec) {
        Object v = parameter(name, spec);
        params.put(name, v);
        return v;
    }

    @Override
    public void prune() {
        throw new TrialStoppedException(id());
    }

    @Override
    public Map<String, Object> params() {
        return Collections.unmodifiableMap(params);
    }
}
