package dev.gale.tune.search;

import dev.gale.tune.Mode;
import dev.gale.tune.Result;
import dev.gale.tune.search.internal.relative.DomainCodec;
import dev.gale.tune.search.internal.relative.HistoryFed;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * CMA-ES and GP-BO sharing one stream of trials (a phase of {@link AutoSearcher}, {@code cmaes+gp}):
 * a share of the suggestions comes from a GP (with a trust region), the rest from CMA-ES. The GP
 * learns every completed trial; CMA-ES counts the GP's trials as members of its current generation
 * (injected solutions, their steps clipped; {@link CmaEsSearcher#inject}), so neither loses the
 * other's evaluations: CMA-ES keeps its rotation-invariant progress on ill-conditioned and rugged
 * functions, and the GP's proposals bring its precision on smooth ones. After {@code gpLimit}
 * completed trials the GP is dropped (its cost grows as n³) and CMA-ES goes on alone.
 *
 * <p>Which one proposes: each suggestion adds the share s to a credit, and the GP proposes when the
 * credit reaches 1 (so its suggestions are evenly spread), once the GP has learned 10 trials.
 * Deterministic; the state (both samplers', the credit, the trials in flight) is saved exactly.
 */
final class CmaGpPortfolio implements Searcher, HistoryFed {
    /** After this many completed trials the GP is dropped and CMA-ES goes on alone. */
    static final int GP_LIMIT = 300;

    private final double share;
    private final int gpLimit;

    /**
     * @param share   the GP's share of the suggestions, in [0, 1]
     * @param gpLimit completed trials after which the GP is dropped
     */
    CmaGpPortfolio(double share, int gpLimit) {
        if (!(share >= 0 && share <= 1)) throw new IllegalArgumentException("GP share = " + share + ": use a value in [0, 1]");
        this.share = share;
        this.gpLimit = gpLimit;
    }

    private SearchSpace space;
    private String metric;
    private Mode mode;
    private long seed;
    private int numSamples;
    private List<String> paths;
    private List<Domain> domains;
    private CmaEsSearcher cma;
    private GpSearcher gp;
    private long suggested;
    private long completed;
    /** Trials in flight: who proposed them (true: the GP) and their values by path. */
    private final Map<String, Boolean> byGp = new HashMap<>();
    private final Map<String, Map<String, Object>> values = new HashMap<>();

    private static final Map<String, Object> GP_ATTR = Map.of("sampler", "gp");
    private static final Map<String, Object> CMA_ATTR = Map.of("sampler", "cmaes");

    @Override
    public void setup(SearchSpace space, String metric, Mode mode, int numSamples, long seed) {
        this.space = space;
        this.metric = metric;
        this.mode = mode;
        this.seed = seed;
        this.numSamples = numSamples;
        paths = new ArrayList<>();
        domains = new ArrayList<>();
        space.domains().forEach((p, d) -> {
            if (!(d instanceof Domain.SampleFrom)) {
                paths.add(p);
                domains.add(d);
            }
        });
        cma = new CmaEsSearcher();
        cma.setup(space, metric, mode, numSamples, seed);
        gp = GpSearcher.builder().trustRegion(true).build();
        gp.setup(space, metric, mode, numSamples, seed ^ BasicVariantSearcher.mix64(0x6B0L));
        suggested = 0;
        completed = 0;
        credit = 0;
        byGp.clear();
        values.clear();
    }

    /** Accumulated share: the GP proposes when it passes 1. */
    private double credit;

    private boolean gpTurn() {
        if (gp == null || gp.observations() < 10) return false;
        credit += share;
        if (credit >= 1) {
            credit -= 1;
            return true;
        }
        return false;
    }

    @Override
    public Suggestion suggest(String trialId) {
        boolean useGp = gpTurn();
        Suggestion s = (useGp ? gp : cma).suggest(trialId);
        suggested++;
        if (s instanceof Suggestion.Config c) {
            byGp.put(trialId, useGp);
            Map<String, Object> v = new LinkedHashMap<>();
            for (String p : paths) v.put(p, AutoSearcher.valueAt(c.config(), p));
            values.put(trialId, v);
        }
        return s;
    }

    @Override
    public void onTrialComplete(String trialId, Result last, boolean error) {
        Boolean g = byGp.remove(trialId);
        Map<String, Object> v = values.remove(trialId);
        if (g == null) return;
        if (g) {
            if (gp != null) gp.onTrialComplete(trialId, last, error);
        } else {
            cma.onTrialComplete(trialId, last, error);
        }
        if (error || last == null || !Double.isFinite(last.metric(metric))) return;
        completed++;
        if (g) cma.inject(v, last.metric(metric));
        else if (gp != null) gp.observe(trialId, v, last);
        if (gp != null && completed >= gpLimit && !byGp.containsValue(Boolean.TRUE)) gp = null;
    }

    /** A trial proposed elsewhere (the auto searcher's history): the GP learns it; CMA-ES keeps its own start. */
    @Override
    public void observe(String trialId, Map<String, Object> vals, Result last) {
        if (gp != null) gp.observe(trialId, vals, last);
    }

    @Override
    public Map<String, Object> trialAttributes(String trialId) {
        Boolean g = byGp.get(trialId);
        return g == null ? Map.of() : g ? GP_ATTR : CMA_ATTR;
    }

    @Override
    public String name() {
        return "cmaes+gp";
    }

    @Override
    public Object save() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("suggested", suggested);
        s.put("completed", completed);
        s.put("credit", credit);
        s.put("cma", cma.save());
        s.put("gp", gp == null ? null : gp.save());
        Map<String, Object> f = new LinkedHashMap<>();
        for (String id : new java.util.TreeSet<>(byGp.keySet())) {
            List<Object> row = new ArrayList<>();
            row.add(byGp.get(id));
            for (String p : paths) row.add(values.get(id).get(p));
            f.put(id, row);
        }
        s.put("flying", f);
        return s;
    }

    @Override
    public void restore(Object state) {
        Map<?, ?> s = (Map<?, ?>) state;
        suggested = ((Number) s.get("suggested")).longValue();
        completed = ((Number) s.get("completed")).longValue();
        credit = ((Number) s.get("credit")).doubleValue();
        cma.restore(s.get("cma"));
        if (s.get("gp") == null) gp = null;
        else gp.restore(s.get("gp"));
        byGp.clear();
        values.clear();
        ((Map<?, ?>) s.get("flying")).forEach((id, r) -> {
            List<?> row = (List<?>) r;
            byGp.put((String) id, (Boolean) row.get(0));
            Map<String, Object> v = new LinkedHashMap<>();
            for (int i = 0; i < paths.size(); i++) v.put(paths.get(i), DomainCodec.value(domains.get(i), row.get(i + 1)));
            values.put((String) id, v);
        });
    }
}
