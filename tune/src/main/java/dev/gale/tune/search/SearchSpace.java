package dev.gale.tune.search;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * A validated search space: a nested map whose leaves are {@link Domain}s or constants, as the
 * {@code param_space} of Ray Tune. Parameters are addressed by dotted paths ({@code "model.lr"}).
 *
 * <p>Promises:
 * <ul>
 *   <li>{@link #of}, {@link #fromSpec}, {@link #fromJson}, {@link #fromYaml} and {@link #load}
 *       either return a valid space or throw a {@link SearchSpaceException} whose message names
 *       the dotted path of the offending parameter and the fix. Nothing is validated later.</li>
 *   <li>Immutable and safe to share; constants are deep-copied on construction.</li>
 *   <li>Order is the insertion order of the given maps, everywhere: {@link #paths()},
 *       {@link #domains()}, the order in which {@link #sample} draws from the generator, and the
 *       key order of the sampled maps.</li>
 *   <li>{@link #sample} is a pure function of the generator's state and the grid assignment.</li>
 * </ul>
 *
 * <h2>File format ({@link #fromJson}, {@link #fromYaml}, {@link #load})</h2>
 * A JSON or YAML object whose leaves are constants or single-key objects naming a domain:
 * <pre>{@code
 * {"lr": {"loguniform": [1e-4, 1e-1]},   "hidden": {"choice": [64, 128, 256]},
 *  "bs": {"grid_search": [32, 64]},      "n":      {"randint": [1, 10]},
 *  "d":  {"quniform": [0.0, 0.5, 0.1]},  "model":  {"depth": {"qrandint": [1, 8, 1]}},
 *  "optimizer": "adam"}
 * }</pre>
 * Domain keys: {@code uniform [low, high]}, {@code loguniform [low, high]},
 * {@code quniform [low, high, q]}, {@code qloguniform [low, high, q]},
 * {@code randint [low, high]} (high exclusive), {@code qrandint [low, high, q]} or
 * {@code [low, high]} (high inclusive, q = 1), {@code choice [values...]},
 * {@code grid_search [values...]}. Any other object is a nested map, except that an object with
 * one key whose value is a list ({@code {normal: [0, 1]}}), or whose key is close to a domain key
 * ({@code {unifrom: ...}}, {@code {log_uniform: ...}}), is refused as an unknown domain, naming the
 * known ones: it is almost always a misspelled or unsupported domain. A constant that must look
 * like that (or any constant map or list taken verbatim, without looking for domains inside) is
 * written {@code {const: VALUE}}: {@code layers: {const: {sizes: [64, 64]}}} makes
 * {@code layers} the map {@code {sizes: [64, 64]}}. {@code sample_from} cannot
 * come from a file (it is Java code): build such a space with {@link #of}. Domain bounds may
 * also be written as strings holding a number ({@code "1e-4"}); constants are kept as the
 * parser read them.
 */
public final class SearchSpace {

    /** The validated leaves in their nested levels; turns leaf values into configurations. */
    private final SpaceTree tree;
    private final List<String> paths;
    private final Map<String, Domain> domains;
    private final Map<String, Object> constants;
    private final List<String> gridPaths;
    private final long gridSize;

    private SearchSpace(SpaceTree tree) {
        this.tree = tree;
        Map<String, Domain> doms = new LinkedHashMap<>();
        Map<String, Object> consts = new LinkedHashMap<>();
        List<String> grids = new ArrayList<>();
        long size = 1;
        for (int i = 0; i < tree.size(); i++) {
            String p = tree.path(i);
            if (tree.value(i) instanceof Domain d) {
                doms.put(p, d);
                if (d instanceof Domain.GridSearch g) {
                    grids.add(p);
                    try {
                        size = Math.multiplyExact(size, g.values().size());
                    } catch (ArithmeticException e) {
                        throw new SearchSpaceException(p, "the grid has more than 2^63 points: use fewer grid_search values");
                    }
                }
            } else {
                consts.put(p, tree.value(i));
            }
        }
        this.paths = tree.paths();
        this.domains = Collections.unmodifiableMap(doms);
        this.constants = Collections.unmodifiableMap(consts);
        this.gridPaths = List.copyOf(grids);
        this.gridSize = size;
    }

    // ---- construction ------------------------------------------------------------------------

    /**
     * The space described by {@code space}: a map whose values are {@link Domain}s, constants
     * (numbers, strings, booleans, lists of those) or nested maps of the same. Validates
     * everything: keys (non-empty strings without '.'), values (no null, no non-finite number,
     * no Domain inside a list) and every domain's parameters.
     *
     * @throws SearchSpaceException naming the dotted path of the first problem found
     */
    public static SearchSpace of(Map<String, ?> space) {
        if (space == null) {
            throw new SearchSpaceException(null, "the space is null: give a map (it may be empty)");
        }
        return new SearchSpace(SpaceTree.of(space));
    }

    /**
     * The space described in the file syntax (see the class comment), already parsed into maps
     * and lists (as Jackson or SnakeYAML produce them).
     *
     * @throws SearchSpaceException naming the dotted path of the first problem found
     */
    public static SearchSpace fromSpec(Map<String, ?> spec) {
        if (spec == null) {
            throw new SearchSpaceException(null, "the space is null: give an object (it may be empty)");
        }
        return of(SpaceSpec.convert(spec, ""));
    }

    /** Parses the JSON file syntax (see the class comment). */
    public static SearchSpace fromJson(String json) {
        return fromSpec(SpaceSpec.parse(SpaceSpec.JSON, "JSON", json));
    }

    /** Parses the YAML file syntax (see the class comment). */
    public static SearchSpace fromYaml(String yaml) {
        return fromSpec(SpaceSpec.parse(SpaceSpec.YAML, "YAML", yaml));
    }

    /**
     * Reads a space file: {@code .json} as JSON, {@code .yaml} or {@code .yml} as YAML. Errors in
     * the content are {@link SearchSpaceException}s naming the parameter path and the file; so
     * are a missing file and an unknown extension.
     *
     * @throws UncheckedIOException when the file exists but cannot be read
     */
    public static SearchSpace load(Path file) {
        String name = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(Locale.ROOT);
        boolean json = name.endsWith(".json");
        boolean yaml = name.endsWith(".yaml") || name.endsWith(".yml");
        if (!json && !yaml) {
            throw new SearchSpaceException(null, "file " + file + " has an unknown extension: name it .json, .yaml or .yml");
        }
        if (!Files.isRegularFile(file)) {
            throw new SearchSpaceException(null, "file " + file + " does not exist (or is not a file): check the path");
        }
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read search space file " + file + ": " + e.getMessage(), e);
        }
        try {
            return json ? fromJson(text) : fromYaml(text);
        } catch (SearchSpaceException e) {
            throw new SearchSpaceException(e.path(), e.problem() + " (in " + file + ")", e);
        }
    }

    // ---- queries -----------------------------------------------------------------------------

    /** Every leaf parameter (domain or constant) as a dotted path, in insertion order. */
    public List<String> paths() {
        return paths;
    }

    /** The domains by dotted path, in insertion order (unmodifiable). */
    public Map<String, Domain> domains() {
        return domains;
    }

    /** The constants by dotted path, in insertion order (unmodifiable; values deep-immutable). */
    public Map<String, Object> constants() {
        return constants;
    }

    /** The dotted paths of the {@link Domain.GridSearch} axes, in insertion order. */
    public List<String> gridPaths() {
        return gridPaths;
    }

    /** True when the space has at least one {@link Domain.GridSearch}. */
    public boolean hasGrid() {
        return !gridPaths.isEmpty();
    }

    /** The number of grid points: the product of the grid axes' sizes; 1 when there is no grid. */
    public long gridSize() {
        return gridSize;
    }

    // ---- sampling ----------------------------------------------------------------------------

    /**
     * One configuration: a nested {@link LinkedHashMap} with the space's shape, holding plain
     * values. Constants are copied; grid axes take their value from {@code gridAssignment}
     * (dotted path → value, used as given) or, when absent there, are drawn uniformly; every
     * other domain is drawn from {@code rng}, in path order; then {@link Domain.SampleFrom}s are
     * resolved from the sampled values, in dependency order.
     *
     * @param gridAssignment values for some or all grid axes; may be null or empty
     * @throws IllegalArgumentException when {@code gridAssignment} names a path that is not a grid axis
     * @throws SearchSpaceException     when sample_from parameters cannot be resolved (a cycle, a
     *                                  missing key, a function that throws or returns null)
     */
    public Map<String, Object> sample(RandomGenerator rng, Map<String, Object> gridAssignment) {
        if (gridAssignment != null && !gridAssignment.isEmpty()) {
            for (String k : gridAssignment.keySet()) {
                if (!(domains.get(k) instanceof Domain.GridSearch)) {
                    throw new IllegalArgumentException("grid assignment names '" + k + "', which is not a grid_search axis;"
                            + " the axes are " + gridPaths);
                }
            }
        }
        return tree.sample(rng, gridAssignment);
    }

    /**
     * A configuration from values a model-based searcher chose: {@code values} maps the dotted
     * path of every domain except {@link Domain.SampleFrom}s to its value; constants are copied
     * and sample_from parameters resolved, as {@link #sample} does.
     *
     * @throws IllegalArgumentException when a domain's value is missing or outside its domain,
     *                                  naming the path
     */
    public Map<String, Object> assemble(Map<String, Object> values) {
        return tree.assemble(values);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("SearchSpace{");
        for (int i = 0; i < tree.size(); i++) {
            if (i > 0) sb.append(", ");
            sb.append(tree.path(i)).append('=').append(tree.value(i));
        }
        return sb.append('}').toString();
    }
}
