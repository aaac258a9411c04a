package dev.gale.observability.dashboard.internal;

import dev.gale.observability.experiment.internal.ExperimentModel;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The experiments a dashboard shows, under unique ids (their names made safe for URLs, numbered
 * when taken), in the order added. Thread-safe.
 */
public final class Registry {
    private final Map<String, ExperimentModel> byId = new LinkedHashMap<>();
    private final List<Consumer<ExperimentModel>> listeners = new CopyOnWriteArrayList<>();

    /** A free id for an experiment named {@code name} (not reserved: pass it to {@link #add} next). */
    public synchronized String freeId(String name) {
        String base = name == null ? "" : name.replaceAll("[^A-Za-z0-9._-]", "_");
        if (base.isEmpty()) base = "experiment";
        String id = base;
        for (int i = 2; byId.containsKey(id); i++) id = base + "-" + i;
        return id;
    }

    /**
     * Adds the experiment {@code make} builds for a free id made from {@code name} (built again with
     * the next free id should another experiment take that one meanwhile).
     */
    public ExperimentModel add(String name, java.util.function.Function<String, ExperimentModel> make) {
        while (true) {
            ExperimentModel m = make.apply(freeId(name));
            synchronized (this) {
                if (byId.putIfAbsent(m.id(), m) != null) continue;
            }
            for (Consumer<ExperimentModel> l : listeners) l.accept(m);
            return m;
        }
    }

    /** The experiment with this id, or null. */
    public synchronized ExperimentModel get(String id) {
        return byId.get(id);
    }

    /** Every experiment, in the order added. */
    public synchronized List<ExperimentModel> all() {
        return new ArrayList<>(byId.values());
    }

    /** Calls {@code l} with every experiment added from now on. */
    public void onAdd(Consumer<ExperimentModel> l) {
        listeners.add(l);
    }

    /**
     * Says that {@code m} no longer changes (its run ended, or it was read from its directory):
     * calls the listeners of {@link #onSettled}.
     */
    public void settled(ExperimentModel m) {
        for (Consumer<ExperimentModel> l : settledListeners) l.accept(m);
    }

    /** Calls {@code l} with every experiment that no longer changes, from now on ({@link #settled}). */
    public void onSettled(Consumer<ExperimentModel> l) {
        settledListeners.add(l);
    }

    private final List<Consumer<ExperimentModel>> settledListeners = new CopyOnWriteArrayList<>();
}
