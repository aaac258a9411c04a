package dev.gale.tune.search;

import dev.gale.tune.Mode;
import dev.gale.tune.Result;
import dev.gale.tune.search.internal.relative.DomainCodec;
import dev.gale.tune.search.internal.relative.HistoryFed;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * CMA-ES and GP-BO sharing one stream of trials (a phase of {@link AutoSearcher}, {@code cmaes+gp}):
 * a share of the suggestions comes from a GP (with a trust region), the rest from CMA-ES. The GP
 * learns every completed trial; CMA-ES counts GP trials as members of its current generation
 * (injected solutions, their steps clipped; {@link CmaEsSearcher#inject}), so CMA-ES keeps its
 * rotation-invariant progress on ill-conditioned and rugged functions and the GP's proposals bring
 * its precision on smooth ones. After {@code gpLimit} completed trials the GP is dropped (its cost
 * grows as n³) and CMA-ES goes on alone. In a part of at most {@value TpeExplorer#MAX_DIMENSION}
 * parameters a third arm, TPE, learns every trial and takes {@value TpeExplorer#SHARE} of the
 * suggestions once CMA-ES shows it is not converging ({@link TpeExplorer}); its trials reach the GP,
 * not CMA-ES. In a part of at most {@value #STALL_MAX_DIMENSION} parameters, while the arm is engaged
 * and {@value #STALL} trials in a row have brought no new best, the GP takes its share of all the
 * suggestions (not only of the arm's leftovers), so the best basin found keeps being refined: with
 * the arm engaged CMA-ES gets too few trials to do it. (In 4 parameters the same rule cost the arm's
 * exploration on Schwefel's function: 367 → 396 over 190 development seeds.) In a part whose
 * parameters are all numeric, a fourth arm polishes: once CMA-ES has closed in on a basin it
 * proposes {@value QuadraticPolish#SHARE} of the trials, each the minimizer of a quadratic fitted
 * to the trials nearest the best ({@link QuadraticPolish}); its trials reach the GP and the TPE
 * arm, and CMA-ES when they improved on the best. It is dropped with the GP.
 *
 * <p>Which one proposes: each suggestion adds the current share s to a credit, and the GP proposes
 * when the credit reaches 1 (so its suggestions are evenly spread), once the GP has learned
 * {@value #GP_START} trials. How s is set and which GP trials CMA-ES learns is the {@link Sharing}:
 * <ul>
 *   <li>{@link Sharing.Fixed}: s is fixed and every GP trial is injected into CMA-ES.</li>
 *   <li>{@link Sharing.Adaptive}: s starts at the initial share and follows a score, an
 *       exponential average (weight {@value #SCORE_WEIGHT}, start 0.5) of whether each GP trial
 *       beat every CMA-ES trial among the last λ completed (λ: CMA-ES's population):
 *       {@code s = clamp(initial · exp(}{@value #SENSITIVITY}{@code · (score − 0.5)),}
 *       {@value #MIN_SHARE}{@code , }{@value #MAX_SHARE}{@code )}. Only GP trials that improved on
 *       the best value so far are injected into CMA-ES: the others, ranked into CMA-ES's
 *       generation, pulled its mean and covariance toward the GP's trust region without bringing
 *       anything better (measured: 2–3× worse on zakharov8 and michalewicz5). Such a GP
 *       trial is taught to the GP a second time instead: its own failed proposals weigh twice in
 *       its model and count twice against its trust region (TuRBO's failure counter), so it
 *       moves away from them sooner (measured, 40 seeds: Ackley5 0.94 with it, 1.24 without;
 *       doubling only the trust region's count gave Ackley5 1.18 and Michalewicz5 0.63 against
 *       0.31).</li>
 * </ul>
 * Deterministic; the state (the samplers', the credits, the score, the window of recent trials,
 * the best value and the trials since it, the trials in flight) is saved exactly.
 */
final class CmaGpPortfolio implements Searcher, HistoryFed {
    /** After this many completed trials the GP is dropped and CMA-ES goes on alone. */
    static final int GP_LIMIT = 300;
    /** Trials the GP must have learned before it proposes. */
    static final int GP_START = 10;
    /** Adaptive: bounds of the share. */
    static final double MIN_SHARE = 0.03, MAX_SHARE = 0.5;
    /** Adaptive: how strongly the score moves the share. */
    static final double SENSITIVITY = 3;
    /** Adaptive: the weight of each GP trial's outcome in the score. */
    static final double SCORE_WEIGHT = 0.25;
    /** Completed trials in a row without a new best after which an engaged TPE arm gives the GP its share of every turn. */
    static final int STALL = 15;
    /** Parts of more parameters keep the GP on the arm's leftovers while stalled. */
    static final int STALL_MAX_DIMENSION = 3;

    /** How the GP's share is set and which of its trials CMA-ES learns (see the class comment). */
    sealed interface Sharing {
        /** The share the portfolio starts with. */
        double share();

        /** A fixed share in [0, 1]; every GP trial injected. */
        record Fixed(double share) implements Sharing {
            public Fixed {
                if (!(share >= 0 && share <= 1)) throw new IllegalArgumentException("GP share = " + share + ": use a value in [0, 1]");
            }
        }

        /** A share that starts at {@code share}, in [0, 1], and follows the GP's score; only improving GP trials injected. */
        record Adaptive(double share) implements Sharing {
            public Adaptive {
                if (!(share >= 0 && share <= 1)) throw new IllegalArgumentException("initial GP share = " + share + ": use a value in [0, 1]");
            }
        }
    }

    private final Sharing sharing;
    private final int gpLimit;
    private final boolean explorer;

    /**
     * A portfolio of CMA-ES and the GP only.
     *
     * @param sharing how the GP's share is set
     * @param gpLimit completed trials after which the GP is dropped
     */
    CmaGpPortfolio(Sharing sharing, int gpLimit) {
        this(sharing, gpLimit, false);
    }

    /**
     * @param sharing how the GP's share is set
     * @param gpLimit completed trials after which the GP is dropped
     * @param explorer whether a part of at most {@value TpeExplorer#MAX_DIMENSION} parameters gets the TPE arm
     */
    CmaGpPortfolio(Sharing sharing, int gpLimit, boolean explorer) {
        if (sharing == null) throw new IllegalArgumentException("sharing is null: give Sharing.Fixed or Sharing.Adaptive");
        this.sharing = sharing;
        this.gpLimit = gpLimit;
        this.explorer = explorer;
    }

    private String metric;
    private Mode mode;
    private List<String> paths;
    private List<Domain> domains;
    private CmaEsSearcher cma;
    private GpSearcher gp;
    /** The TPE arm; null when the part has more parameters or the portfolio was made without it. */
    private TpeExplorer tpe;
    /** The TPE arm's trials in flight. */
    private final Set<String> byTpe = new HashSet<>();
    /** The polishing arm; null in a part with a categorical parameter, or once dropped with the GP. */
    private QuadraticPolish polish;
    /** The polishing arm's trials in flight. */
    private final Set<String> byPolish = new HashSet<>();
    private long suggested;
    private long completed;
    /** Trials in flight: who proposed them (true: the GP) and their values by path. */
    private final Map<String, Boolean> byGp = new HashMap<>();
    private final Map<String, Map<String, Object>> values = new HashMap<>();
    /** Accumulated share: the GP proposes when it passes 1. */
    private double credit;
    /** The same while the TPE arm is engaged and the search has stalled (the GP's turns then come first). */
    private double stalledCredit;
    /** Completed trials in a row (of the arm, CMA-ES and the GP) that brought no new best. */
    private int sinceBest;
    /** Adaptive: the GP's score in [0, 1]. */
    private double score;
    /** The best (lowest, MAX negated) value of the trials known so far. */
    private double best;
    /** Adaptive: the last completed trials, oldest first: their values (MAX negated) and whether the GP proposed them. */
    private final ArrayDeque<Recent> recent = new ArrayDeque<>();

    private record Recent(double value, boolean gp) {
    }

    private static final Map<String, Object> GP_ATTR = Map.of("sampler", "gp");
    private static final Map<String, Object> CMA_ATTR = Map.of("sampler", "cmaes");
    private static final Map<String, Object> TPE_ATTR = Map.of("sampler", "tpe");
    private static final Map<String, Object> POLISH_ATTR = Map.of("sampler", "polish");

    @Override
    public void setup(SearchSpace space, String metric, Mode mode, int numSamples, long seed) {
        this.metric = metric;
        this.mode = mode == null ? Mode.MIN : mode;
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
        tpe = explorer && paths.size() <= TpeExplorer.MAX_DIMENSION
                ? new TpeExplorer(space, metric, mode, numSamples, seed ^ BasicVariantSearcher.mix64(0x7E0L)) : null;
        byTpe.clear();
        polish = QuadraticPolish.of(paths, domains);
        byPolish.clear();
        suggested = 0;
        completed = 0;
        credit = 0;
        stalledCredit = 0;
        sinceBest = 0;
        score = 0.5;
        best = Double.POSITIVE_INFINITY;
        recent.clear();
        byGp.clear();
        values.clear();
    }

    /** The trials the GP has learned (0 once it is dropped); for tests. */
    int gpObservations() {
        return gp == null ? 0 : gp.observations();
    }

    /** Whether the polishing arm has engaged (false without one); for tests. */
    boolean polishEngaged() {
        return polish != null && polish.engaged();
    }

    /** Whether the TPE arm has engaged (false without one); for tests. */
    boolean tpeEngaged() {
        return tpe != null && tpe.engaged();
    }

    /** The GP's share of the next suggestions. */
    double share() {
        return switch (sharing) {
            case Sharing.Fixed f -> f.share();
            case Sharing.Adaptive a -> Math.max(MIN_SHARE, Math.min(MAX_SHARE, a.share() * Math.exp(SENSITIVITY * (score - 0.5))));
        };
    }

    /**
     * Whether the GP proposes this turn: its share added to the credit it is spread by (the stalled
     * one while the arm is engaged and the search has stalled, when the GP's turns come first).
     */
    private boolean gpTurn(boolean stalled) {
        if (gp == null || gp.observations() < GP_START) return false;
        double c = (stalled ? stalledCredit : credit) + share();
        boolean turn = c >= 1;
        if (turn) c -= 1;
        if (stalled) stalledCredit = c;
        else credit = c;
        return turn;
    }

    @Override
    public Suggestion suggest(String trialId) {
        if (polish != null && polish.turn(cma)) {
            Map<String, Object> c = polish.propose();
            if (c != null) {
                suggested++;
                byPolish.add(trialId);
                values.put(trialId, c);
                return new Suggestion.Config(c);
            }
        }
        boolean useTpe, useGp;
        if (tpe != null && tpe.engaged() && sinceBest >= STALL && paths.size() <= STALL_MAX_DIMENSION) {
            useGp = gpTurn(true);
            useTpe = !useGp && tpe.turn(cma);
        } else {
            useTpe = tpe != null && tpe.turn(cma);
            useGp = !useTpe && gpTurn(false);
        }
        Suggestion s = useTpe ? tpe.suggest(trialId) : (useGp ? gp : cma).suggest(trialId);
        suggested++;
        if (s instanceof Suggestion.Config c) {
            if (useTpe) byTpe.add(trialId);
            else byGp.put(trialId, useGp);
            Map<String, Object> v = new LinkedHashMap<>();
            for (String p : paths) v.put(p, AutoSearcher.valueAt(c.config(), p));
            values.put(trialId, v);
        }
        return s;
    }

    @Override
    public void onTrialComplete(String trialId, Result last, boolean error) {
        if (byTpe.remove(trialId)) {
            tpeTrialComplete(trialId, values.remove(trialId), last, error);
            return;
        }
        if (byPolish.remove(trialId)) {
            polishTrialComplete(trialId, values.remove(trialId), last, error);
            return;
        }
        Boolean g = byGp.remove(trialId);
        Map<String, Object> v = values.remove(trialId);
        if (g == null) return;
        if (tpe != null && !error) tpe.learn(trialId, v, last);
        if (g) {
            if (gp != null) gp.onTrialComplete(trialId, last, error);
        } else {
            cma.onTrialComplete(trialId, last, error);
        }
        if (error || last == null || !Double.isFinite(last.metric(metric))) return;
        double m = last.metric(metric);
        double value = minimized(m);
        boolean improved = counted(v, value);
        boolean adaptive = switch (sharing) {
            case Sharing.Fixed f -> false;
            case Sharing.Adaptive a -> true;
        };
        if (adaptive) score(g, value);
        if (g) {
            if (!adaptive || improved) cma.inject(v, m);
            else if (gp != null) gp.observe(trialId, v, last); // a failed GP proposal weighs twice in the GP
        } else if (gp != null) {
            gp.observe(trialId, v, last);
        }
        dropGpWhenDone();
    }

    /**
     * A completed trial with a finite value (minimized): counted, the best and the trials since it
     * updated, learned by the polishing arm; whether it is a new best.
     */
    private boolean counted(Map<String, Object> v, double value) {
        completed++;
        boolean improved = value < best;
        sinceBest = improved ? 0 : sinceBest + 1;
        best = Math.min(best, value);
        if (polish != null) polish.learn(v, value);
        return improved;
    }

    /** The metric as a value to minimize (MAX negated). */
    private double minimized(double m) {
        return mode == Mode.MAX ? -m : m;
    }

    /** Drops the GP and the polishing arm once {@code gpLimit} trials have completed and none of their own is in flight. */
    private void dropGpWhenDone() {
        if (gp != null && completed >= gpLimit && !byGp.containsValue(Boolean.TRUE)) gp = null;
        if (polish != null && completed >= gpLimit && byPolish.isEmpty()) polish = null;
    }

    /** The polishing arm's trial ended: every arm learns it; CMA-ES only when it improved on the best. */
    private void polishTrialComplete(String trialId, Map<String, Object> v, Result last, boolean error) {
        if (error || last == null || !Double.isFinite(last.metric(metric))) return;
        double m = last.metric(metric);
        boolean improved = counted(v, minimized(m));
        if (tpe != null) tpe.learn(trialId, v, last);
        if (gp != null) gp.observe(trialId, v, last);
        if (improved) cma.inject(v, m);
        dropGpWhenDone();
    }

    /** The TPE arm's trial ended: the TPE and the GP learn it (CMA-ES does not: the arm explores elsewhere). */
    private void tpeTrialComplete(String trialId, Map<String, Object> v, Result last, boolean error) {
        tpe.onTrialComplete(trialId, last, error);
        if (error || last == null || !Double.isFinite(last.metric(metric))) return;
        counted(v, minimized(last.metric(metric)));
        if (gp != null) gp.observe(trialId, v, last);
        dropGpWhenDone();
    }

    /** Adaptive: a GP trial scores 1 when it beat every CMA-ES trial among the last λ completed (none there: no score). */
    private void score(boolean byTheGp, double value) {
        if (byTheGp) {
            int cmaTrials = 0;
            boolean beatAll = true;
            for (Recent r : recent) {
                if (r.gp()) continue;
                cmaTrials++;
                if (!(value < r.value())) beatAll = false;
            }
            if (cmaTrials > 0) score = (1 - SCORE_WEIGHT) * score + SCORE_WEIGHT * (beatAll ? 1 : 0);
        }
        recent.addLast(new Recent(value, byTheGp));
        int window = Math.max(4, cma.populationSize());
        while (recent.size() > window) recent.removeFirst();
    }

    /** A trial proposed elsewhere (the auto searcher's history): the GP learns it; CMA-ES keeps its own start. */
    @Override
    public void observe(String trialId, Map<String, Object> vals, Result last) {
        if (gp != null) gp.observe(trialId, vals, last);
        if (tpe != null) tpe.learn(trialId, vals, last);
        if (last != null && Double.isFinite(last.metric(metric))) {
            if (polish != null) polish.learn(vals, minimized(last.metric(metric)));
            best = Math.min(best, minimized(last.metric(metric)));
        }
    }

    @Override
    public Map<String, Object> trialAttributes(String trialId) {
        if (byTpe.contains(trialId)) return TPE_ATTR;
        if (byPolish.contains(trialId)) return POLISH_ATTR;
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
        s.put("stalled_credit", stalledCredit);
        s.put("since_best", sinceBest);
        s.put("score", score);
        s.put("best", Double.isFinite(best) ? best : null);
        List<Object> w = new ArrayList<>(recent.size());
        for (Recent r : recent) w.add(List.of(r.value(), r.gp()));
        s.put("recent", w);
        s.put("cma", cma.save());
        s.put("gp", gp == null ? null : gp.save());
        if (tpe != null) s.put("tpe", tpe.save());
        s.put("polish", polish == null ? null : polish.save());
        Map<String, Object> f = new LinkedHashMap<>();
        Set<String> flying = new java.util.TreeSet<>(byGp.keySet());
        flying.addAll(byTpe);
        flying.addAll(byPolish);
        for (String id : flying) {
            List<Object> row = new ArrayList<>();
            // who proposed it: true (GP), false (CMA-ES), "tpe" or "polish"
            row.add(byTpe.contains(id) ? "tpe" : byPolish.contains(id) ? "polish" : byGp.get(id));
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
        // snapshots written before the stall rule have neither
        stalledCredit = s.get("stalled_credit") instanceof Number n ? n.doubleValue() : 0;
        sinceBest = s.get("since_best") instanceof Number n ? n.intValue() : 0;
        // snapshots written before the adaptive share have no score, best or window
        score = s.get("score") instanceof Number n ? n.doubleValue() : 0.5;
        best = s.get("best") instanceof Number n ? n.doubleValue() : Double.POSITIVE_INFINITY;
        recent.clear();
        if (s.get("recent") instanceof List<?> w) {
            for (Object o : w) {
                List<?> r = (List<?>) o;
                recent.addLast(new Recent(((Number) r.get(0)).doubleValue(), (Boolean) r.get(1)));
            }
        }
        cma.restore(s.get("cma"));
        if (s.get("gp") == null) gp = null;
        else gp.restore(s.get("gp"));
        if (tpe != null && s.get("tpe") != null) tpe.restore(s.get("tpe")); // a snapshot from before the arm: it starts afresh
        // a snapshot from before the polishing arm has no "polish": the arm starts with no history
        if (s.containsKey("polish")) {
            if (s.get("polish") == null) polish = null;
            else if (polish != null) polish.restore(s.get("polish"));
        }
        byGp.clear();
        byTpe.clear();
        byPolish.clear();
        values.clear();
        ((Map<?, ?>) s.get("flying")).forEach((id, r) -> {
            List<?> row = (List<?>) r;
            if ("tpe".equals(row.get(0))) byTpe.add((String) id);
            else if ("polish".equals(row.get(0))) byPolish.add((String) id);
            else byGp.put((String) id, (Boolean) row.get(0));
            Map<String, Object> v = new LinkedHashMap<>();
            for (int i = 0; i < paths.size(); i++) v.put(paths.get(i), DomainCodec.value(domains.get(i), row.get(i + 1)));
            values.put((String) id, v);
        });
    }
}
