package dev.gale.tune.search.internal.relative;

import dev.gale.tune.Mode;
import dev.gale.tune.Result;
import dev.gale.tune.search.Domain;
import dev.gale.tune.search.SearchSpace;
import dev.gale.tune.search.Searcher;
import dev.gale.tune.search.Suggestion;
import dev.gale.tune.search.internal.tpe.GroupDecomposition;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Relative (joint) sampling for define-by-run trials, as Optuna's {@code sample_relative}: at a
 * trial's first parameter ask, the space of the completed trials is inferred, each of its parts
 * is sampled jointly by a declarative engine (a fresh searcher of the same kind, set up on that
 * part as an ordinary {@link SearchSpace}), the joint sample is cached for the trial, and later
 * asks of those names (with the same domain) are answered from it. {@link #suggest} answers null
 * for any other name: the caller samples it independently (Optuna's {@code independent_sampler}).
 *
 * <p>Two ways to infer the space ({@link Partition}):
 * <ul>
 *   <li>{@code INTERSECTION} (Optuna's {@code IntersectionSearchSpace}): one part, the names every
 *       completed trial asked, each always with the same domain.</li>
 *   <li>{@code GROUPS} (Optuna's TPE {@code group=True}): the names of the completed trials split by
 *       {@link GroupDecomposition} into groups that always co-occur; one engine per group. Names
 *       asked with different domains by different trials are left to the independent sampler.</li>
 * </ul>
 *
 * <p>Engines: when a part appears (or changes) a new engine is created, set up on it with a seed
 * derived from the searcher's seed and the number of engines made so far, and, if it implements
 * {@link HistoryFed}, fed every completed trial that has all names of the part (GP, TPE,
 * NSGA-II). Other engines (CMA-ES, QMC) learn only from the trials they sampled, as Optuna's CMA-ES
 * and QMC samplers; an engine is told a trial's result only when the trial asked every name of its
 * part (otherwise the sample counts as a failed one). An engine whose part disappears is dropped.
 * A trial counts as completed when it ended without error with a last result.
 *
 * <p>State: {@link #save()} holds the completed trials (names, domains, values, numeric metrics),
 * the running trials' asks and cached samples, and each engine's own snapshot; {@link #restore}
 * rebuilds every engine by {@code setup} + {@code restore}, so the continuation is exact.
 */
public final class RelativeSampling {

    /** How the define-by-run space is inferred from the completed trials. */
    public enum Partition {
        /** The names every completed trial asked with one domain; one engine. */
        INTERSECTION,
        /** Groups of names that always co-occur; one engine per group. */
        GROUPS
    }

    private record Param(Domain domain, Object value) {
    }

    private record Done(String id, LinkedHashMap<String, Param> params, Map<String, Object> metrics) {
    }

    private static final class Slot {
        final LinkedHashMap<String, Domain> part;
        final List<String> names;
        final long index;
        final Searcher engine;
        final Set<String> suggested = new LinkedHashSet<>();

        Slot(LinkedHashMap<String, Domain> part, long index, Searcher engine) {
            this.part = part;
            this.names = List.copyOf(part.keySet());
            this.index = index;
            this.engine = engine;
        }
    }

    private final Supplier<? extends Searcher> factory;
    private final Partition partition;
    private final String metric;
    private final Mode mode;
    private final long seed;

    private final List<Done> history = new ArrayList<>();
    private final LinkedHashMap<String, LinkedHashMap<String, Param>> running = new LinkedHashMap<>();
    private final Map<String, Map<String, Param>> cache = new HashMap<>();
    private final List<Slot> slots = new ArrayList<>();
    private long engines;
    private boolean stale;
    // the space of the history, kept up to date trial by trial (absorb), so a refresh costs O(names), not O(trials)
    /** Each name's first domain, in first-asked order. */
    private final LinkedHashMap<String, Domain> consistent = new LinkedHashMap<>();
    /** Names asked with two different domains. */
    private final Set<String> conflicting = new LinkedHashSet<>();
    /** GROUPS: the decomposition of every completed trial's names (conflicting ones included; filtered at refresh). */
    private List<LinkedHashSet<String>> groups = new ArrayList<>();
    /** INTERSECTION: the first completed trial's names that every completed trial asked. */
    private final LinkedHashSet<String> inAll = new LinkedHashSet<>();

    /**
     * @param factory   a fresh, not set-up searcher of the kind to sample with (the engine)
     * @param partition how the space is inferred
     * @param metric    the metric given to each engine's setup
     * @param mode      the mode given to each engine's setup
     * @param seed      the searcher's seed
     */
    public RelativeSampling(Supplier<? extends Searcher> factory, Partition partition, String metric, Mode mode, long seed) {
        if (factory == null) throw new IllegalArgumentException("factory is null: give a supplier of fresh searchers");
        if (partition == null) throw new IllegalArgumentException("partition is null: use INTERSECTION or GROUPS");
        this.factory = factory;
        this.partition = partition;
        this.metric = metric;
        this.mode = mode == null ? Mode.MIN : mode;
        this.seed = seed;
    }

    /**
     * The jointly sampled value of {@code name} for trial {@code trialId}, or null when the name is
     * outside the relative space (or asked with another domain): then sample it independently. The
     * first ask of a trial draws the trial's joint sample. Call {@link #record} with the value
     * finally used either way.
     */
    public Object suggest(String trialId, String name, Domain domain) {
        Map<String, Param> sample = cache.get(trialId);
        if (sample == null && !running.containsKey(trialId)) {
            sample = drawJoint(trialId);
            cache.put(trialId, sample);
        }
        if (sample == null) return null;
        Param p = sample.get(name);
        return p != null && p.domain().equals(domain) ? p.value() : null;
    }

    /**
     * A searcher's whole define-by-run answer: the relative sample of {@code name} when
     * {@code relative} has one, else {@code independent}'s value; recorded either way.
     * {@code relative} may be null (the searcher is not set up for define-by-run).
     */
    public static Object suggestOr(RelativeSampling relative, String trialId, String name, Domain domain,
                                   Supplier<Object> independent) {
        Object v = relative == null ? null : relative.suggest(trialId, name, domain);
        if (v == null) v = independent.get();
        if (relative != null) relative.record(trialId, name, domain, v);
        return v;
    }

    /** Records the value of {@code name} that trial {@code trialId} uses. */
    public void record(String trialId, String name, Domain domain, Object value) {
        running.computeIfAbsent(trialId, k -> new LinkedHashMap<>()).putIfAbsent(name, new Param(domain, value));
    }

    /** The domains of the names trial {@code trialId} has asked so far (recorded, not yet completed), in asking order. */
    public List<Domain> askedDomains(String trialId) {
        Map<String, Param> asked = running.get(trialId);
        if (asked == null) return List.of();
        List<Domain> out = new ArrayList<>(asked.size());
        for (Param p : asked.values()) out.add(p.domain());
        return out;
    }

    /** A trial ended; see {@link Searcher#onTrialComplete}. */
    public void complete(String trialId, Result last, boolean error) {
        LinkedHashMap<String, Param> asked = running.remove(trialId);
        cache.remove(trialId);
        for (Slot s : slots) {
            if (!s.suggested.remove(trialId)) continue;
            boolean full = asked != null && hasPart(asked, s.part);
            if (s.engine instanceof HistoryFed || !full) s.engine.onTrialComplete(trialId, null, true);
            else s.engine.onTrialComplete(trialId, last, error);
        }
        if (error || last == null || asked == null) return;
        Done d = new Done(trialId, asked, numericMetrics(last));
        history.add(d);
        absorb(d);
        stale = true;
        for (Slot s : slots) {
            if (s.engine instanceof HistoryFed h && hasPart(asked, s.part)) h.observe(trialId, valuesOf(s, asked), last);
        }
    }

    /**
     * The {@link Searcher#trialAttributes} of each engine that drew part of trial {@code trialId}'s
     * joint sample (empty when none did: the trial's names were all sampled independently).
     */
    public List<Map<String, Object>> engineAttributes(String trialId) {
        List<Map<String, Object>> out = new ArrayList<>(slots.size());
        for (Slot s : slots) {
            if (s.suggested.contains(trialId)) out.add(s.engine.trialAttributes(trialId));
        }
        return out;
    }

    /** True when nothing was asked or completed yet (nothing to save). */
    public boolean isEmpty() {
        return history.isEmpty() && running.isEmpty() && slots.isEmpty();
    }

    /** The names of each part sampled jointly now (for tests and logs). */
    public List<List<String>> parts() {
        refresh();
        List<List<String>> out = new ArrayList<>();
        for (Slot s : slots) out.add(s.names);
        return out;
    }

    // ---- the joint sample ---------------------------------------------------------------------

    private Map<String, Param> drawJoint(String trialId) {
        refresh();
        if (slots.isEmpty()) return null;
        Map<String, Param> out = new HashMap<>();
        for (Slot s : slots) {
            Suggestion sg = s.engine.suggest(trialId);
            if (!(sg instanceof Suggestion.Config c)) continue;
            s.suggested.add(trialId);
            for (int i = 0; i < s.names.size(); i++) {
                String name = s.names.get(i);
                out.put(name, new Param(s.part.get(name), c.config().get(key(i))));
            }
        }
        return out;
    }

    private static String key(int i) {
        return "p" + i;
    }

    /** Recomputes the parts after new completions; keeps engines whose part is unchanged. */
    private void refresh() {
        if (!stale) return;
        stale = false;
        List<LinkedHashMap<String, Domain>> parts = partsOfHistory();
        List<Slot> keep = new ArrayList<>();
        for (LinkedHashMap<String, Domain> part : parts) {
            Slot found = null;
            for (Slot s : slots) if (s.part.equals(part) && s.names.equals(List.copyOf(part.keySet()))) found = s;
            if (found == null) found = newSlot(part, engines++, null);
            if (found != null) keep.add(found);
        }
        slots.clear();
        slots.addAll(keep);
    }

    /** Brings the history's space up to date with one more completed trial (O(its names + groups)). */
    private void absorb(Done d) {
        d.params().forEach((n, p) -> {
            Domain prev = consistent.putIfAbsent(n, p.domain());
            if (prev != null && !prev.equals(p.domain())) conflicting.add(n);
        });
        if (partition == Partition.INTERSECTION) {
            if (history.size() == 1) inAll.addAll(d.params().keySet());
            else inAll.retainAll(d.params().keySet());
        } else {
            groups = GroupDecomposition.refine(groups, d.params().keySet());
        }
    }

    /**
     * The parts of the completed trials. INTERSECTION: the first trial's names that every trial
     * asked, none conflicting. GROUPS: {@link GroupDecomposition} of the trials' names without the
     * conflicting ones — the same as decomposing every trial's names and then removing the
     * conflicting ones, since a group is the set of names with one pattern of presence across the
     * trials and removing a name changes no other name's pattern.
     */
    private List<LinkedHashMap<String, Domain>> partsOfHistory() {
        List<LinkedHashMap<String, Domain>> parts = new ArrayList<>();
        if (history.isEmpty()) return parts;
        if (partition == Partition.INTERSECTION) {
            LinkedHashMap<String, Domain> part = new LinkedHashMap<>();
            for (String n : inAll) if (!conflicting.contains(n)) part.put(n, consistent.get(n));
            if (!part.isEmpty()) parts.add(part);
            return parts;
        }
        for (LinkedHashSet<String> g : groups) {
            LinkedHashMap<String, Domain> part = new LinkedHashMap<>();
            for (String n : g) if (!conflicting.contains(n)) part.put(n, consistent.get(n));
            if (!part.isEmpty()) parts.add(part);
        }
        return parts;
    }

    /** A set-up engine on {@code part}: restored from {@code state}, or fed the history; null if it refuses the space. */
    private Slot newSlot(LinkedHashMap<String, Domain> part, long index, Object state) {
        Map<String, Object> space = new LinkedHashMap<>();
        int i = 0;
        for (Domain d : part.values()) space.put(key(i++), d);
        Searcher engine = factory.get();
        try {
            engine.setup(SearchSpace.of(space), metric, mode, Integer.MAX_VALUE, seed ^ mix64(0x5EED0000L + index));
        } catch (RuntimeException e) {
            return null; // e.g. more dimensions than a Sobol engine supports: sample independently
        }
        Slot s = new Slot(part, index, engine);
        if (state != null) {
            engine.restore(state);
        } else if (engine instanceof HistoryFed h) {
            for (Done d : history) {
                if (hasPart(d.params(), part)) h.observe(d.id(), valuesOf(s, d.params()), toResult(d));
            }
        }
        return s;
    }

    private static boolean hasPart(Map<String, Param> asked, Map<String, Domain> part) {
        for (Map.Entry<String, Domain> e : part.entrySet()) {
            Param p = asked.get(e.getKey());
            if (p == null || !p.domain().equals(e.getValue())) return false;
        }
        return true;
    }

    private static Map<String, Object> valuesOf(Slot s, Map<String, Param> asked) {
        Map<String, Object> v = new LinkedHashMap<>();
        for (int i = 0; i < s.names.size(); i++) v.put(key(i), asked.get(s.names.get(i)).value());
        return v;
    }

    private static Map<String, Object> numericMetrics(Result r) {
        Map<String, Object> m = new LinkedHashMap<>();
        r.metrics().forEach((k, v) -> {
            if (v instanceof Number n) m.put(k, n.doubleValue());
            else if (v instanceof Boolean b) m.put(k, b);
        });
        return m;
    }

    private static Result toResult(Done d) {
        return new Result(d.id(), 1, 0, 0, d.metrics());
    }

    static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    // ---- state --------------------------------------------------------------------------------

    /** A JSON-serializable snapshot (maps, lists, numbers, strings, booleans). */
    public Object save() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("partition", partition.name());
        s.put("engines", engines);
        s.put("stale", stale);
        List<Object> h = new ArrayList<>();
        for (Done d : history) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", d.id());
            m.put("params", params(d.params()));
            m.put("metrics", d.metrics());
            h.add(m);
        }
        s.put("history", h);
        Map<String, Object> r = new LinkedHashMap<>();
        running.forEach((k, v) -> r.put(k, params(v)));
        s.put("running", r);
        Map<String, Object> c = new LinkedHashMap<>();
        for (String id : new java.util.TreeSet<>(cache.keySet())) c.put(id, cache.get(id) == null ? null : params(cache.get(id)));
        s.put("cache", c);
        List<Object> sl = new ArrayList<>();
        for (Slot slot : slots) {
            Map<String, Object> m = new LinkedHashMap<>();
            List<Object> part = new ArrayList<>();
            slot.part.forEach((n, d) -> part.add(List.of(n, DomainCodec.encode(d))));
            m.put("part", part);
            m.put("index", slot.index);
            m.put("suggested", new ArrayList<>(slot.suggested));
            m.put("state", slot.engine.save());
            sl.add(m);
        }
        s.put("slots", sl);
        return s;
    }

    private static List<Object> params(Map<String, Param> ps) {
        List<Object> out = new ArrayList<>();
        ps.forEach((n, p) -> {
            List<Object> row = new ArrayList<>(3);
            row.add(n);
            row.add(DomainCodec.encode(p.domain()));
            row.add(p.value());
            out.add(row);
        });
        return out;
    }

    private static LinkedHashMap<String, Param> params(Object o) {
        LinkedHashMap<String, Param> out = new LinkedHashMap<>();
        for (Object r : (List<?>) o) {
            List<?> row = (List<?>) r;
            Domain d = DomainCodec.decode(row.get(1));
            out.put((String) row.get(0), new Param(d, DomainCodec.value(d, row.get(2))));
        }
        return out;
    }

    /** Restores a {@link #save()} snapshot into this (fresh) instance. */
    @SuppressWarnings("unchecked")
    public void restore(Object state) {
        if (!(state instanceof Map<?, ?> s) || !partition.name().equals(s.get("partition"))) {
            throw new IllegalArgumentException("not a relative-sampling state for partition " + partition + ": " + state);
        }
        history.clear();
        running.clear();
        cache.clear();
        slots.clear();
        consistent.clear();
        conflicting.clear();
        groups = new ArrayList<>();
        inAll.clear();
        engines = ((Number) s.get("engines")).longValue();
        stale = Boolean.TRUE.equals(s.get("stale"));
        for (Object o : (List<?>) s.get("history")) {
            Map<?, ?> m = (Map<?, ?>) o;
            Done d = new Done((String) m.get("id"), params(m.get("params")),
                    new LinkedHashMap<>((Map<String, Object>) m.get("metrics")));
            history.add(d);
            absorb(d);
        }
        ((Map<?, ?>) s.get("running")).forEach((k, v) -> running.put((String) k, params(v)));
        ((Map<?, ?>) s.get("cache")).forEach((k, v) -> cache.put((String) k, v == null ? null : params(v)));
        for (Object o : (List<?>) s.get("slots")) {
            Map<?, ?> m = (Map<?, ?>) o;
            LinkedHashMap<String, Domain> part = new LinkedHashMap<>();
            for (Object r : (List<?>) m.get("part")) {
                List<?> row = (List<?>) r;
                part.put((String) row.get(0), DomainCodec.decode(row.get(1)));
            }
            Slot slot = newSlot(part, ((Number) m.get("index")).longValue(), m.get("state"));
            if (slot == null) throw new IllegalArgumentException("relative-sampling state: the engine refuses part " + part.keySet());
            for (Object id : (List<?>) m.get("suggested")) slot.suggested.add((String) id);
            slots.add(slot);
        }
    }
}
