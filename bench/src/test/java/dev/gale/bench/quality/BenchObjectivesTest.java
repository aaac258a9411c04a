package dev.gale.bench.quality;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class BenchObjectivesTest {

    /** Answers from a map when the name is there, else draws at random; records every answer. */
    static final class Asker implements ParamAsker {
        final Map<String, Object> fixed;
        final SplittableRandom rng;
        final Map<String, Object> asked = new LinkedHashMap<>();

        Asker(Map<String, Object> fixed, long seed) {
            this.fixed = fixed;
            this.rng = new SplittableRandom(seed);
        }

        @Override
        public double suggestFloat(String name, double low, double high, boolean log) {
            double v = fixed.containsKey(name) ? ((Number) fixed.get(name)).doubleValue()
                    : log ? Math.exp(Math.log(low) + rng.nextDouble() * (Math.log(high) - Math.log(low))) : low + rng.nextDouble() * (high - low);
            assertTrue(v >= low && v <= high, name + " = " + v);
            asked.put(name, v);
            return v;
        }

        @Override
        public int suggestInt(String name, int low, int high) {
            return suggestInt(name, low, high, 1);
        }

        @Override
        public int suggestInt(String name, int low, int high, int step) {
            int v = fixed.containsKey(name) ? ((Number) fixed.get(name)).intValue() : low + step * rng.nextInt((high - low) / step + 1);
            assertTrue(v >= low && v <= high && (v - low) % step == 0, name + " = " + v);
            asked.put(name, v);
            return v;
        }

        @Override
        public <T> T suggestCategorical(String name, List<T> choices) {
            @SuppressWarnings("unchecked")
            T v = fixed.containsKey(name) ? (T) fixed.get(name) : choices.get(rng.nextInt(choices.size()));
            assertTrue(choices.contains(v), name + " = " + v);
            asked.put(name, v);
            return v;
        }
    }

    /** A minimizer of each new function (the public ones are checked by TestFunctions' tests). */
    static final Map<String, Map<String, Object>> MINIMIZERS = Map.ofEntries(
            Map.entry("camel2", Map.of("x1", 0.08984201396310955, "x2", -0.7126564034529353)),
            Map.entry("goldstein2", Map.of("x1", 0.0, "x2", -1.0)),
            Map.entry("hartmann3", xs(0.11458887855422568, 0.5556488941813374, 0.8525469849096183)),
            Map.entry("shekel4", xs(4.000746867839609, 3.999509478378809, 4.000746867258869, 3.9995094803374576)),
            Map.entry("michalewicz5", xs(2.202905519812825, 1.5707963255996766, 1.2849915700051877, 1.9230584683441587, 1.7204697731415224)),
            Map.entry("schwefel4", xs(420.96874717394974, 420.9687455887539, 420.96874541781847, 420.9687468961732)),
            Map.entry("zakharov8", xs(0, 0, 0, 0, 0, 0, 0, 0)),
            Map.entry("dixonprice10", dixonPrice()),
            Map.entry("corner6", xs(1, 0, 1, 0, 0.7, 1)),
            Map.entry("ellipsoid20", ellipsoid()),
            Map.entry("intmix7", Map.of("n1", 13, "n2", 4, "n3", 8, "n4", 45, "n5", 7, "n6", 2, "x", 0.3)),
            Map.entry("catmix7", Map.of("c1", "d", "c2", "b", "c3", "a", "c4", "d", "c5", "c", "x1", 0.7, "x2", 0.2)),
            Map.entry("catinter6", Map.of("kernel", "rbf", "norm", "l2", "solver", "adam", "y1", 0.8, "y2", 0.2, "y3", 0.6)),
            Map.entry("hpo6", Map.of("lr", Math.pow(10, -3.2), "batch", 64, "layers", 3, "units", 256, "dropout", 0.15, "optimizer", "adam")),
            Map.entry("cond-branch", Map.of("model", "net", "net_lr", Math.pow(10, -3.3), "net_width", 96, "net_drop", 0.2)),
            Map.entry("cond-layers", Map.of("layers", 3, "w1", 0.8, "w2", 0.6, "w3", 0.4, "act1", "relu", "act2", "relu", "act3", "relu", "lr", 0.01)),
            Map.entry("holder2", Map.of("x1", 8.05502346885596, "x2", 9.664590015112392)),
            Map.entry("styblinski3", xs(-2.903534027771177, -2.903534027771177, -2.903534027771177)),
            Map.entry("rastrigin6", xs(1.7, -2.3, 0.9, 3.1, -1.2, 2.5)),
            Map.entry("trid10", xs(10, 18, 24, 28, 30, 30, 28, 24, 18, 10)),
            Map.entry("edge12", xs(1, 0, 0.5, 1, 0, 0.35, 1, 0.6, 0, 0.8, 1, 0.25)),
            Map.entry("intsvm5", Map.of("log2_c", 6, "log2_gamma", -7, "degree", 3, "trees", 220, "tol", Math.pow(10, -3.5))),
            Map.entry("catpair8", Map.of("c1", "b", "c2", "b", "c3", "c", "c4", "b", "c5", "c", "c6", "b", "z1", 0.35, "z2", 0.8)),
            Map.entry("cond-opt", Map.of("optimizer", "adam", "adam_lr", Math.pow(10, -3.4), "adam_beta1", 0.88, "adam_eps", 1e-8)),
            Map.entry("levy3", xs(1, 1, 1)),
            Map.entry("michalewicz2", xs(2.202905519812825, 1.5707963255996766)),
            Map.entry("ackley3-shifted", xs(7.3, -11.1, 4.2)),
            Map.entry("schwefel2", xs(420.96874717394974, 420.96874717394974)));

    private static Map<String, Object> xs(double... v) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < v.length; i++) m.put("x" + (i + 1), v[i]);
        return m;
    }

    private static Map<String, Object> dixonPrice() {
        double[] v = new double[10];
        for (int i = 0; i < 10; i++) v[i] = Math.pow(2, -(Math.pow(2, i + 1) - 2) / Math.pow(2, i + 1));
        return xs(v);
    }

    private static Map<String, Object> ellipsoid() {
        double[] v = new double[20];
        for (int i = 0; i < 20; i++) v[i] = 3 * ((i % 3) - 1) + 0.5;
        return xs(v);
    }

    @Test
    void groupsAreDisjointPairedAndLargeEnough() {
        assertEquals(BenchObjectives.TUNING.size(), BenchObjectives.HELD_OUT.size());
        assertEquals(BenchObjectives.TUNING.size(), BenchObjectives.FIRST_HELD_OUT.size());
        assertTrue(BenchObjectives.TUNING.size() + BenchObjectives.HELD_OUT.size() >= 16);
        for (String n : BenchObjectives.FIRST_HELD_OUT) assertEquals("held-out-1", BenchObjectives.group(n));
        for (String n : BenchObjectives.HELD_OUT) assertEquals("held-out", BenchObjectives.group(n));
        for (String n : BenchObjectives.DEVELOPMENT) assertEquals("development", BenchObjectives.group(n));
        assertEquals(BenchObjectives.all().size(), new HashSet<>(BenchObjectives.all()).size());
        for (String n : BenchObjectives.all()) assertEquals(n, BenchObjectives.byName(n).name());
    }

    @Test
    void everyNewFunctionReachesItsOptimumAtItsMinimizerAndNeverGoesBelow() {
        for (String n : MINIMIZERS.keySet()) {
            BenchObjective f = BenchObjectives.byName(n);
            double at = f.evaluate(new Asker(MINIMIZERS.get(n), 0));
            assertEquals(f.optimum(), at, 1e-9 * Math.max(1, Math.abs(f.optimum())), n + " at its minimizer");
            for (int s = 0; s < 2000; s++) {
                double v = f.evaluate(new Asker(Map.of(), s));
                assertTrue(v >= f.optimum() - 1e-9, n + ": a random point " + v + " is below the optimum " + f.optimum());
            }
        }
        for (String n : List.of("hartmann3-noisy", "hpo6-noisy", "styblinski3-noisy")) {
            BenchObjective f = BenchObjectives.byName(n);
            assertTrue(f.noiseSd() > 0, n);
            assertEquals(f.optimum(), f.evaluate(new Asker(MINIMIZERS.get(n.replace("-noisy", "")), 0)), 1e-9);
        }
    }

    @Test
    void conditionalFunctionsAskDifferentNamesPerBranch() {
        BenchObjective branch = BenchObjectives.byName("cond-branch");
        Asker a = new Asker(Map.of("model", "linear"), 1), b = new Asker(Map.of("model", "tree"), 1);
        branch.evaluate(a);
        branch.evaluate(b);
        assertEquals(List.of("model", "linear_alpha", "linear_l1"), List.copyOf(a.asked.keySet()));
        assertEquals(List.of("model", "tree_depth", "tree_leaf", "tree_feat"), List.copyOf(b.asked.keySet()));
        Asker c = new Asker(Map.of("layers", 2), 1);
        BenchObjectives.byName("cond-layers").evaluate(c);
        assertEquals(List.of("layers", "w1", "act1", "w2", "act2", "lr"), List.copyOf(c.asked.keySet()));
        Asker d = new Asker(Map.of("optimizer", "sgd"), 1), e = new Asker(Map.of("optimizer", "lbfgs"), 1);
        BenchObjectives.byName("cond-opt").evaluate(d);
        BenchObjectives.byName("cond-opt").evaluate(e);
        assertEquals(List.of("optimizer", "sgd_lr", "sgd_momentum", "sgd_nesterov"), List.copyOf(d.asked.keySet()));
        assertEquals(List.of("optimizer", "lbfgs_history", "lbfgs_lr"), List.copyOf(e.asked.keySet()));
    }

    @Test
    void noiseIsAStandardNormalSequence() {
        double s = 0, s2 = 0;
        int n = 20000;
        for (int i = 1; i <= n; i++) {
            double z = Noise.gaussian(7, i);
            s += z;
            s2 += z * z;
        }
        assertEquals(0, s / n, 0.03);
        assertEquals(1, s2 / n, 0.05);
        assertEquals(Noise.gaussian(3, 5), Noise.gaussian(3, 5));
        assertTrue(Noise.gaussian(3, 5) != Noise.gaussian(4, 5));
    }

    /** The Python copies of the functions and of the noise give the same values as the Java ones. */
    @Test
    void pythonCopyAgreesWithJava() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "no /usr/bin/python3");
        Path script = Files.createTempFile("vs_optuna", ".py");
        try (InputStream in = BenchObjectives.class.getResourceAsStream("/dev/gale/bench/vs_optuna.py")) {
            Files.write(script, in.readAllBytes());
        }
        List<Map<String, Object>> points = new ArrayList<>();
        List<Double> expected = new ArrayList<>();
        List<List<String>> names = new ArrayList<>();
        for (String n : BenchObjectives.all()) {
            BenchObjective f = BenchObjectives.byName(n);
            for (int s = 0; s < 5; s++) {
                Asker a = new Asker(s == 0 && MINIMIZERS.containsKey(n) ? MINIMIZERS.get(n) : Map.of(), 100 + s);
                expected.add(f.evaluate(a));
                names.add(List.copyOf(a.asked.keySet()));
                points.add(Map.of("function", n, "params", a.asked));
            }
        }
        ObjectMapper json = new ObjectMapper();
        Process p = new ProcessBuilder("/usr/bin/python3", script.toString(), "check").redirectErrorStream(false).start();
        try {
            p.getOutputStream().write(json.writeValueAsBytes(points));
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "vs_optuna.py check did not end within 60 s");
            assertEquals(0, p.exitValue(), err);
            List<?> got = json.readValue(out, List.class);
            assertEquals(points.size(), got.size());
            for (int i = 0; i < got.size(); i++) {
                Map<?, ?> g = (Map<?, ?>) got.get(i);
                double v = ((Number) g.get("value")).doubleValue();
                assertEquals(expected.get(i), v, 1e-9 * Math.max(1, Math.abs(expected.get(i))), points.get(i).toString());
                assertEquals(names.get(i), g.get("asked"), points.get(i).get("function") + ": order of the asks");
            }
        } finally {
            p.destroyForcibly();
            Files.deleteIfExists(script);
        }
        // the noise: the script's noise(seed, trial) for a few pairs
        Process q = new ProcessBuilder("/usr/bin/python3", "-c",
                "import importlib.util,sys;s=importlib.util.spec_from_file_location('v',sys.argv[1]);m=importlib.util.module_from_spec(s);"
                        + "s.loader.exec_module(m);print(' '.join(repr(m.noise(a,b)) for a,b in [(1,1),(7,200),(20,13)]))",
                writeScript()).start();
        String line = new String(q.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertTrue(q.waitFor(60, TimeUnit.SECONDS));
        String[] v = line.split(" ");
        assertEquals(Noise.gaussian(1, 1), Double.parseDouble(v[0]), 1e-12);
        assertEquals(Noise.gaussian(7, 200), Double.parseDouble(v[1]), 1e-12);
        assertEquals(Noise.gaussian(20, 13), Double.parseDouble(v[2]), 1e-12);
    }

    private static String writeScript() throws Exception {
        Path script = Files.createTempFile("vs_optuna", ".py");
        script.toFile().deleteOnExit();
        try (InputStream in = BenchObjectives.class.getResourceAsStream("/dev/gale/bench/vs_optuna.py")) {
            Files.write(script, in.readAllBytes());
        }
        return script.toString();
    }
}
