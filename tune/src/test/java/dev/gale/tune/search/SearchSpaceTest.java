package dev.gale.tune.search;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static dev.gale.tune.search.Domains.choice;
import static dev.gale.tune.search.Domains.gridSearch;
import static dev.gale.tune.search.Domains.loguniform;
import static dev.gale.tune.search.Domains.qloguniform;
import static dev.gale.tune.search.Domains.qrandint;
import static dev.gale.tune.search.Domains.quniform;
import static dev.gale.tune.search.Domains.randint;
import static dev.gale.tune.search.Domains.sampleFrom;
import static dev.gale.tune.search.Domains.uniform;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SearchSpaceTest {

    /** An insertion-ordered map from alternating keys and values (allows null values). */
    static Map<String, Object> map(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    static Stream<Arguments> badSpaces() {
        List<Object> withDomain = new ArrayList<>();
        withDomain.add(uniform(0, 1));
        return Stream.of(
                Arguments.of(map("lr", uniform(1, 0)), "lr", "low < high"),
                Arguments.of(map("lr", uniform(1, 1)), "lr", "low < high"),
                Arguments.of(map("opt", map("lr", loguniform(0, 1))), "opt.lr", "low > 0"),
                Arguments.of(map("opt", map("lr", qloguniform(-1, 1, 0.1))), "opt.lr", "low > 0"),
                Arguments.of(map("d", quniform(0, 1, 0)), "d", "q > 0"),
                Arguments.of(map("d", qloguniform(1, 10, -1)), "d", "q > 0"),
                Arguments.of(map("d", quniform(0.1, 0.2, 0.5)), "d", "no multiple"),
                Arguments.of(map("n", randint(5, 5)), "n", "low < high"),
                Arguments.of(map("n", qrandint(8, 1, 1)), "n", "low < high"),
                Arguments.of(map("n", qrandint(1, 8, 0)), "n", "q > 0"),
                Arguments.of(map("n", qrandint(3, 4, 5)), "n", "no multiple"),
                Arguments.of(map("a", map("b", choice())), "a.b", "no values"),
                Arguments.of(map("g", gridSearch()), "g", "no values"),
                Arguments.of(map("g", gridSearch((List<?>) null)), "g", "no values"),
                Arguments.of(map("c", choice(1, null)), "c[1]", "null"),
                Arguments.of(map("u", uniform(Double.NaN, 1)), "u", "finite"),
                Arguments.of(map("u", uniform(0, Double.POSITIVE_INFINITY)), "u", "finite"),
                Arguments.of(map("u", uniform(-Double.MAX_VALUE, Double.MAX_VALUE)), "u", "too wide"),
                Arguments.of(map("x", null), "x", "null value"),
                Arguments.of(map("m", map("y", null)), "m.y", "null value"),
                Arguments.of(map("m", map("a.b", 1)), "m.a.b", "contains '.'"),
                Arguments.of(map("", 1), "", "empty key"),
                Arguments.of(map("k", Double.NaN), "k", "finite"),
                Arguments.of(map("k", new Object()), "k", "not a plain value"),
                Arguments.of(map("k", withDomain), "k[0]", "Domain inside a list"),
                Arguments.of(map("f", sampleFrom(null)), "f", "function"));
    }

    @ParameterizedTest
    @MethodSource("badSpaces")
    void validationNamesThePath(Map<String, Object> space, String path, String fragment) {
        SearchSpaceException e = assertThrows(SearchSpaceException.class, () -> SearchSpace.of(space));
        assertEquals(path, e.path());
        assertTrue(e.getMessage().contains("'" + path + "'"), e.getMessage());
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
        assertInstanceOf(IllegalArgumentException.class, e);
    }

    @Test
    void nullSpaceIsAnError() {
        assertThrows(SearchSpaceException.class, () -> SearchSpace.of(null));
    }

    @Test
    void nestedSpaceFlattensToDottedPaths() {
        SearchSpace s = SearchSpace.of(map(
                "lr", loguniform(1e-4, 1e-1),
                "model", map("depth", qrandint(1, 8), "act", "relu", "opt", map("beta", uniform(0.8, 0.99))),
                "layers", List.of(1, 2, 3),
                "bs", gridSearch(32, 64),
                "empty", map()));
        assertEquals(List.of("lr", "model.depth", "model.act", "model.opt.beta", "layers", "bs"), s.paths());
        assertEquals(List.of("lr", "model.depth", "model.opt.beta", "bs"), List.copyOf(s.domains().keySet()));
        assertEquals(map("model.act", "relu", "layers", List.of(1, 2, 3)), s.constants());
        assertTrue(s.hasGrid());
        assertEquals(2, s.gridSize());

        Map<String, Object> cfg = s.sample(new SplittableRandom(1), Map.of("bs", 64));
        assertInstanceOf(LinkedHashMap.class, cfg);
        assertEquals(List.of("lr", "model", "layers", "bs", "empty"), List.copyOf(cfg.keySet()));
        @SuppressWarnings("unchecked")
        Map<String, Object> model = (Map<String, Object>) cfg.get("model");
        assertEquals(List.of("depth", "act", "opt"), List.copyOf(model.keySet()));
        assertEquals("relu", model.get("act"));
        assertTrue(s.domains().get("model.depth").contains(model.get("depth")));
        assertEquals(64, cfg.get("bs"));
        assertEquals(Map.of(), cfg.get("empty"));
        assertEquals(List.of(1, 2, 3), cfg.get("layers"));
    }

    @Test
    void noGridMeansGridSizeOne() {
        SearchSpace s = SearchSpace.of(map("a", uniform(0, 1)));
        assertFalse(s.hasGrid());
        assertEquals(1, s.gridSize());
        assertEquals(3 * 2 * 4, SearchSpace.of(map("a", gridSearch(1, 2, 3), "b", map("c", gridSearch(1, 2)),
                "d", gridSearch(1, 2, 3, 4))).gridSize());
    }

    @Test
    void constantsAreDeepCopied() {
        List<Object> list = new ArrayList<>(List.of(1, 2));
        SearchSpace s = SearchSpace.of(map("l", list));
        list.add(3);
        assertEquals(List.of(1, 2), s.sample(new SplittableRandom(0), null).get("l"));
    }

    @Test
    void gridAssignmentMustNameGridAxes() {
        SearchSpace s = SearchSpace.of(map("a", uniform(0, 1), "g", gridSearch(1, 2)));
        assertThrows(IllegalArgumentException.class, () -> s.sample(new SplittableRandom(0), Map.of("a", 0.5)));
        // an axis left out of the assignment is drawn like a choice
        Object g = s.sample(new SplittableRandom(0), Map.of()).get("g");
        assertTrue(g.equals(1) || g.equals(2));
    }

    @Test
    void sampleIsAPureFunctionOfTheGenerator() {
        SearchSpace s = SearchSpace.of(map("a", uniform(0, 1), "b", choice(1, 2, 3), "c", randint(0, 100)));
        assertEquals(s.sample(new SplittableRandom(9), null), s.sample(new SplittableRandom(9), null));
    }

    // ---- sample_from ----------------------------------------------------------------------------

    @Test
    void sampleFromReadsSampledValues() {
        SearchSpace s = SearchSpace.of(map(
                "a", randint(1, 10),
                "model", map("width", choice(16, 32), "double", sampleFrom(c -> c.getInt("model.width") * 2)),
                "b", sampleFrom(c -> c.getInt("a") * 10)));
        for (int seed = 0; seed < 20; seed++) {
            Map<String, Object> cfg = s.sample(new SplittableRandom(seed), null);
            @SuppressWarnings("unchecked")
            Map<String, Object> model = (Map<String, Object>) cfg.get("model");
            assertEquals((Integer) cfg.get("a") * 10, cfg.get("b"));
            assertEquals((Integer) model.get("width") * 2, model.get("double"));
        }
    }

    @Test
    void sampleFromResolvesInDependencyOrderAndKeepsDeclaredOrder() {
        // c depends on b, b on a; declared c, b, a: resolution must retry until all are known
        SearchSpace s = SearchSpace.of(map(
                "c", sampleFrom(cfg -> cfg.getInt("b") + 1),
                "b", sampleFrom(cfg -> cfg.getInt("a") * 2),
                "a", qrandint(1, 5)));
        Map<String, Object> cfg = s.sample(new SplittableRandom(5), null);
        int a = (Integer) cfg.get("a");
        assertEquals(2 * a, cfg.get("b"));
        assertEquals(2 * a + 1, cfg.get("c"));
        assertEquals(List.of("c", "b", "a"), List.copyOf(cfg.keySet()));
    }

    @Test
    void sampleFromCycleIsAClearError() {
        SearchSpace s = SearchSpace.of(map(
                "x", sampleFrom(c -> c.getInt("y") + 1),
                "y", sampleFrom(c -> c.getInt("x") + 1)));
        SearchSpaceException e = assertThrows(SearchSpaceException.class, () -> s.sample(new SplittableRandom(0), null));
        assertEquals("x", e.path());
        assertTrue(e.getMessage().contains("'x'") && e.getMessage().contains("'y'"), e.getMessage());
        assertTrue(e.getMessage().contains("cycle"), e.getMessage());
    }

    @Test
    void sampleFromMissingKeyIsAClearError() {
        SearchSpace s = SearchSpace.of(map("a", uniform(0, 1), "x", map("y", sampleFrom(c -> c.get("nope")))));
        SearchSpaceException e = assertThrows(SearchSpaceException.class, () -> s.sample(new SplittableRandom(0), null));
        assertEquals("x.y", e.path());
        assertTrue(e.getMessage().contains("nope"), e.getMessage());
    }

    @Test
    void sampleFromReturningNullIsAnError() {
        SearchSpace s = SearchSpace.of(map("x", sampleFrom(c -> null)));
        SearchSpaceException e = assertThrows(SearchSpaceException.class, () -> s.sample(new SplittableRandom(0), null));
        assertEquals("x", e.path());
    }

    // ---- files ----------------------------------------------------------------------------------

    static final String JSON = """
            {"lr": {"loguniform": [1e-4, 1e-1]},
             "hidden": {"choice": [64, 128, 256]},
             "bs": {"grid_search": [32, 64]},
             "n": {"randint": [1, 10]},
             "d": {"quniform": [0.0, 0.5, 0.1]},
             "u": {"uniform": [0, 1]},
             "ql": {"qloguniform": [1, 100, 5]},
             "model": {"depth": {"qrandint": [1, 8, 1]}, "act": "relu", "opt": {"grid_search": ["adam", "sgd"]}},
             "tags": ["x", "y"]}
            """;

    static final String YAML = """
            lr:
              loguniform: ["1e-4", 1e-1]   # bounds may also be strings holding a number
            hidden:
              choice: [64, 128, 256]
            bs: {grid_search: [32, 64]}
            n: {randint: [1, 10]}
            d: {quniform: [0.0, 0.5, 0.1]}
            u: {uniform: [0, 1]}
            ql: {qloguniform: [1, 100, 5]}
            model:
              depth: {qrandint: [1, 8, 1]}
              act: relu
              opt:
                grid_search: [adam, sgd]
            tags: [x, y]
            """;

    private static void assertLoadedSpace(SearchSpace s) {
        assertEquals(List.of("lr", "hidden", "bs", "n", "d", "u", "ql", "model.depth", "model.act", "model.opt", "tags"), s.paths());
        Map<String, Domain> d = s.domains();
        assertEquals(new Domain.LogUniform(1e-4, 1e-1), d.get("lr"));
        assertEquals(new Domain.Choice(List.of(64, 128, 256)), d.get("hidden"));
        assertEquals(new Domain.GridSearch(List.of(32, 64)), d.get("bs"));
        assertEquals(new Domain.RandInt(1, 10), d.get("n"));
        assertEquals(new Domain.QUniform(0.0, 0.5, 0.1), d.get("d"));
        assertEquals(new Domain.Uniform(0, 1), d.get("u"));
        assertEquals(new Domain.QLogUniform(1, 100, 5), d.get("ql"));
        assertEquals(new Domain.QRandInt(1, 8, 1), d.get("model.depth"));
        assertEquals(new Domain.GridSearch(List.of("adam", "sgd")), d.get("model.opt"));
        assertEquals(map("model.act", "relu", "tags", List.of("x", "y")), s.constants());
        assertEquals(4, s.gridSize());
        assertEquals(List.of("bs", "model.opt"), s.gridPaths());
    }

    @Test
    void loadsJson() {
        assertLoadedSpace(SearchSpace.fromJson(JSON));
    }

    @Test
    void loadsYaml() {
        assertLoadedSpace(SearchSpace.fromYaml(YAML));
    }

    @Test
    void loadsFilesByExtension(@TempDir Path dir) throws IOException {
        Path json = Files.writeString(dir.resolve("space.json"), JSON);
        Path yaml = Files.writeString(dir.resolve("space.yml"), YAML);
        Path yaml2 = Files.writeString(dir.resolve("space.YAML"), YAML);
        assertLoadedSpace(SearchSpace.load(json));
        assertLoadedSpace(SearchSpace.load(yaml));
        assertLoadedSpace(SearchSpace.load(yaml2));
    }

    static Stream<Arguments> badJson() {
        return Stream.of(
                Arguments.of("{\"lr\": {\"loguniform\": [0, 1]}}", "lr", "low > 0"),
                Arguments.of("{\"model\": {\"depth\": {\"qrandint\": [1, 8.5, 1]}}}", "model.depth", "whole number"),
                Arguments.of("{\"x\": {\"uniform\": [1]}}", "x", "[low, high]"),
                Arguments.of("{\"x\": {\"quniform\": [0, 1]}}", "x", "[low, high, q]"),
                Arguments.of("{\"x\": {\"uniform\": [\"a\", 1]}}", "x", "must be a number"),
                Arguments.of("{\"x\": {\"choice\": 5}}", "x", "list"),
                Arguments.of("{\"x\": {\"grid_search\": []}}", "x", "no values"),
                Arguments.of("{\"a\": {\"b\": {\"sample_from\": \"lambda\"}}}", "a.b", "cannot come from a file"),
                Arguments.of("{\"a\": {\"b\": null}}", "a.b", "null value"),
                Arguments.of("{\"a\": {\"b.c\": 1}}", "a.b.c", "contains '.'"));
    }

    @ParameterizedTest
    @MethodSource("badJson")
    void fileErrorsNameThePath(String json, String path, String fragment) {
        SearchSpaceException e = assertThrows(SearchSpaceException.class, () -> SearchSpace.fromJson(json));
        assertEquals(path, e.path());
        assertTrue(e.getMessage().contains("'" + path + "'") && e.getMessage().contains(fragment), e.getMessage());
    }

    @Test
    void malformedFilesAreClearErrors() {
        SearchSpaceException syntax = assertThrows(SearchSpaceException.class, () -> SearchSpace.fromJson("{\"a\": [1,"));
        assertNull(syntax.path());
        assertTrue(syntax.getMessage().contains("not valid JSON") && syntax.getMessage().contains("line"), syntax.getMessage());

        SearchSpaceException top = assertThrows(SearchSpaceException.class, () -> SearchSpace.fromJson("[1, 2]"));
        assertTrue(top.getMessage().contains("top level"), top.getMessage());

        SearchSpaceException dup = assertThrows(SearchSpaceException.class, () -> SearchSpace.fromJson("{\"a\": 1, \"a\": 2}"));
        assertTrue(dup.getMessage().contains("a"), dup.getMessage());

        assertThrows(SearchSpaceException.class, () -> SearchSpace.fromYaml(""));
        SearchSpaceException yaml = assertThrows(SearchSpaceException.class, () -> SearchSpace.fromYaml("a: [1, 2\nb: 3"));
        assertTrue(yaml.getMessage().contains("not valid YAML"), yaml.getMessage());
        SearchSpaceException yamlPath = assertThrows(SearchSpaceException.class,
                () -> SearchSpace.fromYaml("model:\n  lr:\n    loguniform: [-1, 1]\n"));
        assertEquals("model.lr", yamlPath.path());
    }

    @Test
    void fileErrorsNameTheFile(@TempDir Path dir) throws IOException {
        Path bad = Files.writeString(dir.resolve("bad.yaml"), "opt:\n  lr: {uniform: [1, 0]}\n");
        SearchSpaceException e = assertThrows(SearchSpaceException.class, () -> SearchSpace.load(bad));
        assertEquals("opt.lr", e.path());
        assertTrue(e.getMessage().contains("bad.yaml") && e.getMessage().contains("'opt.lr'"), e.getMessage());

        Path txt = Files.writeString(dir.resolve("space.txt"), "{}");
        SearchSpaceException ext = assertThrows(SearchSpaceException.class, () -> SearchSpace.load(txt));
        assertTrue(ext.getMessage().contains(".json, .yaml or .yml"), ext.getMessage());

        SearchSpaceException missing = assertThrows(SearchSpaceException.class, () -> SearchSpace.load(dir.resolve("missing.json")));
        assertTrue(missing.getMessage().contains("missing.json") && missing.getMessage().contains("does not exist"),
                missing.getMessage());
    }

    @Test
    void singleKeyObjectThatIsNotADomainIsANestedMap() {
        SearchSpace s = SearchSpace.fromJson("{\"opt\": {\"lr\": 0.1}, \"x\": {\"a\": 1, \"choice\": [1]}}");
        assertEquals(map("opt.lr", 0.1, "x.a", 1, "x.choice", List.of(1)), s.constants());
    }
}
