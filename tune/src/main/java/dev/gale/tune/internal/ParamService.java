package dev.gale.tune.internal;

import dev.gale.tune.Config;
import dev.gale.tune.search.Domain;
import dev.gale.tune.search.Searcher;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Define-by-run parameters: a running trial asks for a parameter by name and domain. The first ask
 * of a name goes to the searcher and is recorded in the trial's config (a CONFIG journal entry and
 * {@code params.json}); later asks of the same name, retries included, get the recorded value.
 * A trial whose searcher draws independently ({@link Searcher#independentDraw}) draws its values
 * itself and they are only recorded here ({@link #record}). Confined to the controller.
 */
final class ParamService {
    private final Searcher searcher;
    private final TrialLifecycle lifecycle;

    ParamService(Searcher searcher, TrialLifecycle lifecycle) {
        this.searcher = searcher;
        this.lifecycle = lifecycle;
    }

    /** Answers one ask of the running trial {@code t}. */
    ParamMessages.ParamReply answer(TrialRecord t, ParamMessages.ParamRequest m) {
        try {
            Domain d = m.spec().toDomain(m.name());
            Config current = new Config(t.config);
            if (current.has(m.name())) {
                Object known = current.get(m.name());
                if (!d.contains(known)) {
                    throw new IllegalArgumentException("parameter '" + m.name() + "' was suggested before as " + known
                            + ", outside the domain asked now (" + d + "): ask for a parameter with one domain only");
                }
                return new ParamMessages.ParamReply(m.name(), known, null);
            }
            Object value = searcher.suggestParameter(t.id, m.name(), d);
            if (!d.contains(value)) {
                throw new IllegalStateException("searcher " + searcher.name() + " suggested " + value
                        + " for '" + m.name() + "', outside " + d);
            }
            Map<String, Object> grown = withPath(t.config, m.name(), value);
            String problem = jsonProblem(grown);
            if (problem != null) {
                throw new IllegalArgumentException("parameter '" + m.name() + "' cannot be written as JSON: " + problem);
            }
            // the scheduler sees the config grow (population-based training explores from it)
            lifecycle.configChanged(t, grown);
            return new ParamMessages.ParamReply(m.name(), value, null);
        } catch (RuntimeException e) {
            return new ParamMessages.ParamReply(m.name(), null, e.getMessage() == null ? e.toString() : e.getMessage());
        }
    }

    /**
     * Records the values the trial {@code t} drew itself (its searcher's independent draw; the trial
     * checked each domain and what its payload had recorded). A name already recorded keeps its value.
     */
    void record(TrialRecord t, ParamMessages.ParamsDrawn m) {
        Map<String, Object> grown = t.config;
        Config current = new Config(grown);
        for (Map.Entry<String, Object> e : m.values().entrySet()) {
            if (!current.has(e.getKey())) grown = withPath(grown, e.getKey(), e.getValue());
        }
        if (grown != t.config) lifecycle.configChanged(t, grown);
    }

    static String jsonProblem(Map<String, Object> config) {
        try {
            MetricValidator.check(config);
            return null;
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
    }

    /** A copy of {@code config} with {@code value} at the dotted {@code path}. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> withPath(Map<String, Object> config, String path, Object value) {
        Map<String, Object> out = new LinkedHashMap<>(config);
        String[] parts = path.split("\\.");
        Map<String, Object> cur = out;
        for (int i = 0; i < parts.length - 1; i++) {
            Object c = cur.get(parts[i]);
            Map<String, Object> copy = c instanceof Map<?, ?> cm ? new LinkedHashMap<>((Map<String, Object>) cm) : new LinkedHashMap<>();
            cur.put(parts[i], copy);
            cur = copy;
        }
        cur.put(parts[parts.length - 1], value);
        return out;
    }
}
