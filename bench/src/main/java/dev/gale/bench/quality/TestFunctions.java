package dev.gale.bench.quality;

import dev.gale.tune.search.Domains;
import dev.gale.tune.search.SearchSpace;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The quality benchmark's objectives (issue 3, item 3), with their known optima: Branin 2-D,
 * Hartmann6, Rosenbrock 5-D, Ackley 5-D, Levy 10-D and a mixed float / int / categorical space.
 * Continuous parameters are named {@code x1..xd}.
 */
public final class TestFunctions {
    private TestFunctions() {
    }

    /** Names in the default order. */
    public static final List<String> NAMES = List.of("branin", "hartmann6", "rosenbrock5", "ackley5", "levy10", "mixed");

    /** Every function, in {@link #NAMES} order. */
    public static List<TestFunction> all() {
        return List.of(branin(), hartmann6(), rosenbrock5(), ackley5(), levy10(), mixed());
    }

    /**
     * Variants with the optimum moved away from the centre of the box, where CMA-ES starts and
     * near which Ackley's, Levy's and Rosenbrock's optima lie: not part of the default run (the
     * issue's targets are for the functions as defined), a check that a sampler's gain is not the
     * centre's.
     */
    public static final List<String> SHIFTED_NAMES = List.of("hartmann6-shifted", "rosenbrock5-shifted", "ackley5-shifted", "levy10-shifted");

    /**
     * Further 10-D functions, none used to choose Gale's sampler defaults: a check of those
     * defaults on functions they were not tuned on (no targets). Styblinski–Tang on [−5,5]^10
     * (optimum ≈ −39.16617·10 at −2.903534 in every coordinate, off the centre), Rastrigin on [−5.12,5.12]^10, a sphere on
     * [−5,5]^10 centred at 3, Rosenbrock on [−5,10]^10.
     */
    public static final List<String> EXTRA_NAMES = List.of("styblinski10", "rastrigin10", "sphere10-offset", "rosenbrock10");

    private static double styblinski(double v) {
        return 0.5 * (v * v * v * v - 16 * v * v + 5 * v);
    }

    /** Styblinski–Tang's minimum per coordinate, at −2.903534 (−39.16617). */
    private static final double STYBLINSKI_MIN = styblinski(-2.903534);

    /** The function called {@code name} (case-insensitive): one of {@link #NAMES}, {@link #SHIFTED_NAMES} or {@link #EXTRA_NAMES}. */
    public static TestFunction byName(String name) {
        return switch (name == null ? "" : name.trim().toLowerCase(Locale.ROOT)) {
            case "branin" -> branin();
            case "hartmann6" -> hartmann6();
            case "rosenbrock5" -> rosenbrock5();
            case "ackley5" -> ackley5();
            case "levy10" -> levy10();
            case "mixed" -> mixed();
            case "hartmann6-shifted" -> shifted(hartmann6(), 0.3, true);
            case "rosenbrock5-shifted" -> shifted(rosenbrock5(), -5, false);
            case "ackley5-shifted" -> shifted(ackley5(), 12, false);
            case "levy10-shifted" -> shifted(levy10(), 5, false);
            case "styblinski10" -> new TestFunction("styblinski10", box(10, -5, 5), 10 * STYBLINSKI_MIN, point(filled(10, -2.903534)), c -> {
                double f = 0;
                for (double v : vec(c, 10)) f += styblinski(v);
                return Math.max(f, 10 * STYBLINSKI_MIN); // the minimizer is known to 7 digits: never report below it
            });
            case "rastrigin10" -> new TestFunction("rastrigin10", box(10, -5.12, 5.12), 0, point(filled(10, 0)), c -> {
                double f = 100;
                for (double v : vec(c, 10)) f += v * v - 10 * Math.cos(2 * Math.PI * v);
                return Math.max(0, f);
            });
            case "sphere10-offset" -> new TestFunction("sphere10-offset", box(10, -5, 5), 0, point(filled(10, 3)), c -> {
                double f = 0;
                for (double v : vec(c, 10)) f += (v - 3) * (v - 3);
                return f;
            });
            case "rosenbrock10" -> new TestFunction("rosenbrock10", box(10, -5, 10), 0, point(filled(10, 1)), c -> {
                double[] x = vec(c, 10);
                double f = 0;
                for (int i = 0; i < x.length - 1; i++) {
                    double a = x[i + 1] - x[i] * x[i], b = 1 - x[i];
                    f += 100 * a * a + b * b;
                }
                return f;
            });
            default -> throw new IllegalArgumentException("unknown function '" + name + "': use one of " + NAMES
                    + ", " + SHIFTED_NAMES + " or " + EXTRA_NAMES);
        };
    }

    /**
     * {@code g(x) = f(x − s)} on f's box, so g's optimum is f's moved by {@code s} in every
     * coordinate (it must stay inside the box); with {@code wrap} (for the unit box)
     * {@code g(x) = f((x + s) mod 1)} instead, whose optimum is f's moved by {@code −s} modulo 1.
     * Same optimum value, so regrets compare.
     */
    static TestFunction shifted(TestFunction f, double s, boolean wrap) {
        Map<String, Object> minimizer = new LinkedHashMap<>();
        f.minimizer().forEach((k, v) -> {
            double x = ((Number) v).doubleValue();
            minimizer.put(k, wrap ? ((x - s) % 1.0 + 1.0) % 1.0 : x + s);
        });
        return new TestFunction(f.name() + "-shifted", f.space(), f.optimum(), minimizer, c -> {
            Map<String, Object> moved = new LinkedHashMap<>();
            c.forEach((k, v) -> {
                double x = TestFunction.num(c, k);
                moved.put(k, wrap ? (x + s) % 1.0 : x - s);
            });
            return f.evaluate(moved);
        });
    }

    /** Branin-Hoo on x1 ∈ [-5, 10], x2 ∈ [0, 15]; f* = 0.397887 at (π, 2.275) and two other points. */
    public static TestFunction branin() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("x1", Domains.uniform(-5, 10));
        s.put("x2", Domains.uniform(0, 15));
        return new TestFunction("branin", SearchSpace.of(s), 0.397887, Map.of("x1", Math.PI, "x2", 2.275), c -> {
            double x1 = TestFunction.num(c, "x1"), x2 = TestFunction.num(c, "x2");
            double b = 5.1 / (4 * Math.PI * Math.PI), cc = 5 / Math.PI, t = 1 / (8 * Math.PI);
            double u = x2 - b * x1 * x1 + cc * x1 - 6;
            return u * u + 10 * (1 - t) * Math.cos(x1) + 10;
        });
    }

    private static final double[] H_ALPHA = {1.0, 1.2, 3.0, 3.2};
    private static final double[][] H_A = {
            {10, 3, 17, 3.5, 1.7, 8},
            {0.05, 10, 17, 0.1, 8, 14},
            {3, 3.5, 1.7, 10, 17, 8},
            {17, 8, 0.05, 10, 0.1, 14}};
    private static final double[][] H_P = {
            {0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886},
            {0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991},
            {0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650},
            {0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381}};

    /** Hartmann 6-D on [0, 1]^6; f* = -3.32237. */
    public static TestFunction hartmann6() {
        double[] xs = {0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573};
        return new TestFunction("hartmann6", box(6, 0, 1), -3.32237, point(xs), c -> {
            double[] x = vec(c, 6);
            double f = 0;
            for (int i = 0; i < 4; i++) {
                double e = 0;
                for (int j = 0; j < 6; j++) {
                    double d = x[j] - H_P[i][j];
                    e += H_A[i][j] * d * d;
                }
                f -= H_ALPHA[i] * Math.exp(-e);
            }
            return f;
        });
    }

    /** Rosenbrock 5-D on [-5, 10]^5; f* = 0 at (1, ..., 1). */
    public static TestFunction rosenbrock5() {
        return new TestFunction("rosenbrock5", box(5, -5, 10), 0, point(filled(5, 1)), c -> {
            double[] x = vec(c, 5);
            double f = 0;
            for (int i = 0; i < x.length - 1; i++) {
                double a = x[i + 1] - x[i] * x[i], b = 1 - x[i];
                f += 100 * a * a + b * b;
            }
            return f;
        });
    }

    /** Ackley 5-D on [-32.768, 32.768]^5; f* = 0 at the origin. */
    public static TestFunction ackley5() {
        return new TestFunction("ackley5", box(5, -32.768, 32.768), 0, point(filled(5, 0)), c -> ackley(vec(c, 5)));
    }

    /** Ackley's function of {@code x}, any dimension; 0 at the origin. */
    static double ackley(double[] x) {
        double sq = 0, cs = 0;
        for (double v : x) {
            sq += v * v;
            cs += Math.cos(2 * Math.PI * v);
        }
        int d = x.length;
        // max(0, .): the formula gives ~-4e-16 at the origin in floating point
        return Math.max(0, -20 * Math.exp(-0.2 * Math.sqrt(sq / d)) - Math.exp(cs / d) + 20 + Math.E);
    }

    /** Levy 10-D on [-10, 10]^10; f* = 0 at (1, ..., 1). */
    public static TestFunction levy10() {
        return new TestFunction("levy10", box(10, -10, 10), 0, point(filled(10, 1)), c -> {
            double[] x = vec(c, 10);
            int d = x.length;
            double[] w = new double[d];
            for (int i = 0; i < d; i++) w[i] = 1 + (x[i] - 1) / 4;
            double s0 = Math.sin(Math.PI * w[0]);
            double f = s0 * s0;
            for (int i = 0; i < d - 1; i++) {
                double si = Math.sin(Math.PI * w[i] + 1);
                f += (w[i] - 1) * (w[i] - 1) * (1 + 10 * si * si);
            }
            double sd = Math.sin(2 * Math.PI * w[d - 1]);
            f += (w[d - 1] - 1) * (w[d - 1] - 1) * (1 + sd * sd);
            return f;
        });
    }

    /**
     * Mixed: f = (x − 1)² + (n − 3)² + {a: 0, b: 1, c: 2}[c] with x ∈ [−5, 5] uniform,
     * n ∈ 1..10 ({@code randint(1, 11)}, high exclusive), c ∈ choice(a, b, c); f* = 0 at (1, 3, a).
     */
    public static TestFunction mixed() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("x", Domains.uniform(-5, 5));
        s.put("n", Domains.randint(1, 11));
        s.put("c", Domains.choice("a", "b", "c"));
        return new TestFunction("mixed", SearchSpace.of(s), 0, Map.of("x", 1.0, "n", 3L, "c", "a"), cfg -> {
            double x = TestFunction.num(cfg, "x"), n = TestFunction.num(cfg, "n");
            Object cat = cfg.get("c");
            double pc = switch (String.valueOf(cat)) {
                case "a" -> 0;
                case "b" -> 1;
                case "c" -> 2;
                default -> throw new IllegalArgumentException("parameter c = " + cat + " is not one of a, b, c");
            };
            return (x - 1) * (x - 1) + (n - 3) * (n - 3) + pc;
        });
    }

    private static SearchSpace box(int d, double lo, double hi) {
        Map<String, Object> s = new LinkedHashMap<>();
        for (int i = 1; i <= d; i++) s.put("x" + i, Domains.uniform(lo, hi));
        return SearchSpace.of(s);
    }

    private static double[] vec(Map<String, Object> c, int d) {
        double[] x = new double[d];
        for (int i = 0; i < d; i++) x[i] = TestFunction.num(c, "x" + (i + 1));
        return x;
    }

    private static Map<String, Object> point(double[] xs) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < xs.length; i++) m.put("x" + (i + 1), xs[i]);
        return m;
    }

    private static double[] filled(int d, double v) {
        double[] x = new double[d];
        java.util.Arrays.fill(x, v);
        return x;
    }
}
