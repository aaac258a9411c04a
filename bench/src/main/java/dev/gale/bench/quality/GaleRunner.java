package dev.gale.bench.quality;

import dev.gale.cluster.GaleNode;
import dev.gale.tune.Mode;
import dev.gale.tune.Result;
import dev.gale.tune.ResultGrid;
import dev.gale.tune.TrialSummary;
import dev.gale.tune.search.Domain;
import dev.gale.tune.search.Searcher;
import dev.gale.tune.search.Searchers;
import dev.gale.tune.search.SearchSpace;
import dev.gale.tune.study.Study;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Gale's side of the side-by-side harness: one run of a sampler on a {@link BenchObjective}, as a
 * user would run it.
 *
 * <ul>
 *   <li>{@link Driver#STUDY} (the default): {@code Study.optimize(objective, trials)} on a shared
 *       embedded node, one trial at a time, the study directory deleted afterwards. Which sampler
 *       answered each trial is read from the {@code sampler} column of its results.</li>
 *   <li>{@link Driver#DIRECT}: the same calls the study's controller makes to the sampler
 *       ({@code suggestParameter} per ask, a repeated name answered from the trial's earlier
 *       answer, then {@code onTrialResult} and {@code onTrialComplete} with the objective's value),
 *       without the cluster and the files: about as fast as the sampler itself, for sweeps while
 *       developing. Trial ids are the study's ({@code optimize_1/trial_00001}, ...), so both
 *       drivers give the same suggestions (checked by {@code GaleRunnerTest}).</li>
 * </ul>
 */
public final class GaleRunner {
    private GaleRunner() {
    }

    /** How a run reaches the sampler. */
    public enum Driver {
        /** Through {@code Study.optimize} on a cluster node. */
        STUDY,
        /** Through the sampler's define-by-run calls directly. */
        DIRECT
    }

    /**
     * One run's record.
     *
     * @param truth    the noise-free value of trial k at index k − 1
     * @param observed the value the sampler saw for trial k (truth plus noise)
     * @param samplers which sampler answered each trial (trial k at k − 1), null entries when not recorded
     * @param seconds  wall-clock seconds of the run
     */
    public record Run(double[] truth, double[] observed, String[] samplers, double seconds) {
        /** Simple regret after {@code k} trials: the true value of the best-observed trial, minus f*. */
        public double regretAt(int k, BenchObjective f) {
            double bestObs = Double.POSITIVE_INFINITY, bestTrue = Double.NaN;
            for (int i = 0; i < Math.min(k, observed.length); i++) {
                if (observed[i] < bestObs) {
                    bestObs = observed[i];
                    bestTrue = truth[i];
                }
            }
            return f.regret(bestTrue);
        }
    }

    private static final AtomicLong STUDIES = new AtomicLong();

    /** A run through {@code Study.optimize} on {@code node}, its study kept under {@code dir} until it ends. */
    public static Run study(BenchObjective f, String sampler, long seed, int trials, GaleNode node, Path dir) {
        double[] truth = new double[trials], observed = new double[trials];
        AtomicInteger calls = new AtomicInteger();
        String name = "vs_" + ProcessHandle.current().pid() + "_" + STUDIES.incrementAndGet();
        long t0 = System.nanoTime();
        Study study = Study.builder().name(name).storagePath(dir).mode(Mode.MIN).sampler(Searchers.byName(sampler))
                .seed(seed).quiet(true).node(node).maxConcurrentTrials(1).build();
        try {
            ResultGrid grid = study.optimize(t -> {
                int k = calls.incrementAndGet();
                double v = f.evaluate(ParamAsker.of(t));
                truth[k - 1] = v;
                observed[k - 1] = f.observed(v, seed, k);
                return observed[k - 1];
            }, trials);
            if (calls.get() != trials) {
                throw new IllegalStateException(sampler + " on " + f.name() + " seed " + seed + ": the objective ran "
                        + calls.get() + " times for " + trials + " trials (a trial failed or was retried)");
            }
            String[] used = new String[trials];
            // the sampler column is in the result rows (result.jsonl), which the loaded grid reads
            List<TrialSummary> ts = new ArrayList<>(ResultGrid.load(grid.experimentDir()).trials());
            ts.sort(Comparator.comparing(TrialSummary::trialId));
            for (int i = 0; i < ts.size() && i < trials; i++) {
                Object s = ts.get(i).lastResult().get("sampler");
                used[i] = s == null ? null : s.toString();
            }
            return new Run(truth, observed, used, (System.nanoTime() - t0) / 1e9);
        } finally {
            deleteTree(dir.resolve(name));
        }
    }

    /** A run through the sampler's define-by-run calls directly (see {@link Driver#DIRECT}). */
    public static Run direct(BenchObjective f, Searcher s, long seed, int trials) {
        double[] truth = new double[trials], observed = new double[trials];
        String[] used = new String[trials];
        long t0 = System.nanoTime();
        s.setup(SearchSpace.of(Map.of()), "value", Mode.MIN, Integer.MAX_VALUE, seed);
        for (int k = 1; k <= trials; k++) {
            String num = Integer.toString(k);
            String id = "optimize_1/trial_" + "00000".substring(Math.min(5, num.length())) + num;
            DirectAsker asker = new DirectAsker(s, id);
            double v = f.evaluate(asker);
            truth[k - 1] = v;
            observed[k - 1] = f.observed(v, seed, k);
            Map<String, Object> metrics = new TreeMap<>();
            metrics.put("value", observed[k - 1]);
            metrics.put("final", true);
            Result r = new Result(id.substring(id.indexOf('/') + 1), 1, 0, 0, metrics);
            Object sampler = s.trialAttributes(id).get("sampler");
            used[k - 1] = sampler == null ? null : sampler.toString();
            s.onTrialResult(id, r);
            s.onTrialComplete(id, r, false);
        }
        return new Run(truth, observed, used, (System.nanoTime() - t0) / 1e9);
    }

    /** Asks a searcher's {@code suggestParameter} as the controller does for a study trial. */
    private static final class DirectAsker implements ParamAsker {
        private final Searcher s;
        private final String id;
        private final Map<String, Object> answered = new HashMap<>();

        DirectAsker(Searcher s, String id) {
            this.s = s;
            this.id = id;
        }

        private Object ask(String name, Domain d) {
            Object known = answered.get(name);
            if (known != null) {
                if (!d.contains(known)) throw new IllegalArgumentException("parameter '" + name + "' asked with two domains");
                return known;
            }
            Object v = s.suggestParameter(id, name, d);
            if (!d.contains(v)) throw new IllegalStateException(s.name() + " suggested " + v + " for '" + name + "', outside " + d);
            answered.put(name, v);
            return v;
        }

        @Override
        public double suggestFloat(String name, double low, double high, boolean log) {
            Domain d = log ? new Domain.LogUniform(low, high) : new Domain.Uniform(low, high);
            return ((Number) ask(name, d)).doubleValue();
        }

        @Override
        public int suggestInt(String name, int low, int high) {
            return ((Number) ask(name, new Domain.RandInt(low, (long) high + 1))).intValue();
        }

        @Override
        public int suggestInt(String name, int low, int high, int step) {
            return ((Number) ask(name, new Domain.QRandInt(low, high, step))).intValue();
        }

        @Override
        @SuppressWarnings("unchecked")
        public <T> T suggestCategorical(String name, List<T> choices) {
            Object v = ask(name, new Domain.Choice(new ArrayList<>(choices)));
            for (T c : choices) {
                if (c.equals(v) || c instanceof Number a && v instanceof Number b && a.doubleValue() == b.doubleValue()) return c;
            }
            return (T) v;
        }
    }

    /** Deletes a directory tree (used for the harness's study directories). */
    public static void deleteTree(Path p) {
        if (!Files.exists(p)) return;
        try (var files = Files.walk(p)) {
            for (Path f : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(f);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + p, e);
        }
    }
}
