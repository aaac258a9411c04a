package dev.gale.observability.importance;

import dev.gale.observability.importance.internal.ScottParzen;
import dev.gale.tune.Mode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** PED-ANOVA: planted important parameters rank first; densities and edge cases as Optuna's evaluator defines them. */
class PedAnovaTest {

    /** 10 parameters (8 uniform, a log-uniform lr, a categorical act); the objective depends mostly on {@code planted}. */
    static List<PedAnova.Observation> trials(int n, String planted, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<PedAnova.Observation> out = new ArrayList<>(n);
        String[] acts = {"relu", "tanh", "gelu"};
        for (int i = 0; i < n; i++) {
            Map<String, Object> p = new LinkedHashMap<>();
            for (int k = 0; k < 8; k++) p.put("x" + k, r.nextDouble());
            p.put("lr", Math.exp(Math.log(1e-5) + r.nextDouble() * Math.log(1e4)));
            p.put("act", acts[r.nextInt(3)]);
            // a small effect of x0 for the numeric cases; for the categorical one, noise alone (within the
            // best category, x0 would otherwise decide who reaches the top 10 %, and rightly rank first)
            double v = planted.equals("act") ? 0.5 * r.nextDouble() : 0.05 * (double) p.get("x0") + 0.02 * r.nextDouble();
            v += switch (planted) {
                case "x3" -> 10 * Math.pow((double) p.get("x3") - 0.7, 2);
                case "act" -> p.get("act").equals("gelu") ? 0 : 1;
                case "lr" -> Math.pow(Math.log10((double) p.get("lr")) + 3, 2);
                default -> throw new IllegalArgumentException(planted);
            };
            out.add(new PedAnova.Observation(p, v));
        }
        return out;
    }

    @Test
    void aPlantedNumericParameterRanksFirst() {
        List<ParamImportance> imp = PedAnova.defaults().evaluate(trials(2000, "x3", 1), Mode.MIN);
        assertEquals(10, imp.size());
        assertEquals("x3", imp.get(0).name(), imp.toString());
        assertTrue(imp.get(0).importance() > 3 * imp.get(1).importance(), imp.toString());
        assertEquals(1.0, imp.stream().mapToDouble(ParamImportance::importance).sum(), 1e-9);
    }

    @Test
    void aPlantedCategoricalOrLogParameterRanksFirst() {
        assertEquals("act", PedAnova.defaults().evaluate(trials(1000, "act", 2), Mode.MIN).get(0).name());
        assertEquals("lr", PedAnova.defaults().evaluate(trials(1000, "lr", 3), Mode.MIN).get(0).name());
    }

    @Test
    void maximizingTheNegatedObjectiveGivesTheSameImportances() {
        List<PedAnova.Observation> min = trials(500, "x3", 4);
        List<PedAnova.Observation> max = min.stream().map(o -> new PedAnova.Observation(o.params(), -o.value())).toList();
        assertEquals(PedAnova.defaults().evaluate(min, Mode.MIN), PedAnova.defaults().evaluate(max, Mode.MAX));
    }

    @Test
    void domainsAreInferredFromTheValues() {
        List<Map<String, Object>> configs = new ArrayList<>();
        for (PedAnova.Observation o : trials(300, "x3", 5)) {
            Map<String, Object> p = new LinkedHashMap<>(o.params());
            p.put("layers", (int) Math.round((double) p.get("x1") * 4) + 1);
            configs.add(p);
        }
        configs.get(0).put("only_here", 1);
        Map<String, ParamDomain> d = ParamDomain.infer(configs);
        assertTrue(d.get("lr") instanceof ParamDomain.Numeric n && n.log(), "log-uniform values: log scale " + d.get("lr"));
        assertTrue(d.get("x2") instanceof ParamDomain.Numeric n && !n.log() && n.step() == 0, d.get("x2").toString());
        assertEquals(new ParamDomain.Numeric(1, 5, false, 1), d.get("layers"));
        assertEquals(3, ((ParamDomain.Categorical) d.get("act")).choices().size());
        assertTrue(!d.containsKey("only_here"), "a parameter some trials lack is left out");
    }

    @Test
    void categoricalDensitiesAreOptunasMixtureOfKernelsAndUniformPrior() {
        // counts [2, 0]: one kernel (weight 2) + prior (weight 1); kernel rows (prior/kernels + 1 at the value), normalized
        assertArrayEquals(new double[]{2 / 3.0, 1 / 3.0}, ScottParzen.pdf(new double[]{2, 0}, true, 1.0), 1e-12);
        assertArrayEquals(new double[]{0.5, 0.5}, ScottParzen.pdf(new double[]{2, 2}, true, 1.0), 1e-12);
    }

    @Test
    void numericDensitiesAreProbabilitiesOnTheGrid() {
        double[] p = ScottParzen.pdf(new double[]{0, 0, 5, 0, 0}, false, 1.0);
        assertEquals(1.0, java.util.Arrays.stream(p).sum(), 1e-9);
        assertEquals(p[0], p[4], 1e-12, "symmetric around the one occupied point");
        assertEquals(p[1], p[3], 1e-12);
        assertTrue(p[2] > 0.6 && p[1] < p[2] && p[0] < p[1], java.util.Arrays.toString(p));
        double[] spread = ScottParzen.pdf(new double[]{1, 1, 1, 1, 1}, false, 1.0);
        assertEquals(1.0, java.util.Arrays.stream(spread).sum(), 1e-9);
        assertTrue(spread[2] < 0.3, "a flat sample gives a flat density " + java.util.Arrays.toString(spread));
    }

    @Test
    void edgeCasesFollowOptuna() {
        List<PedAnova.Observation> obs = new ArrayList<>();
        for (int i = 0; i < 20; i++) obs.add(new PedAnova.Observation(Map.of("a", (double) i, "b", i % 2 == 0 ? "x" : "y", "c", 3), i));
        obs.add(new PedAnova.Observation(Map.of("a", 1.0, "b", "x", "c", 3), Double.NaN));
        List<ParamImportance> imp = PedAnova.defaults().evaluate(obs, Mode.MIN);
        assertEquals(new ParamImportance("c", 0), imp.get(2), "a parameter with one value has importance 0");
        List<PedAnova.Observation> two = obs.subList(0, 2);
        assertEquals(List.of(new ParamImportance("a", 0.5), new ParamImportance("b", 0.5), new ParamImportance("c", 0)),
                PedAnova.defaults().evaluate(two, Mode.MIN), "no more trials than minTopTrials: equal shares");
        List<PedAnova.Observation> flat = obs.stream().limit(20).map(o -> new PedAnova.Observation(o.params(), 1.0)).toList();
        assertEquals(0.5, PedAnova.defaults().evaluate(flat, Mode.MIN).get(0).importance(), 1e-12,
                "every trial in the top: every divergence 0, equal shares");
        assertThrows(IllegalArgumentException.class, () -> new PedAnova(0, true, 50, 1, 2));
        assertThrows(IllegalArgumentException.class, () -> PedAnova.defaults().evaluate(obs, null));
    }
}
