package dev.gale.tune.search;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.gale.tune.Config;

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

    /** A nested level: keys in order, each child a {@link Node} or an Integer leaf index. */
    private record Node(String[] keys, Object[] children) {
    }

    private static final Object UNRESOLVED = new Object();

    private final Node root;
    private final String[] leafPaths;
    private final Object[] leafValues; // a Domain or a frozen constant
    private final int[] sampleFromLeaves;
    private final List<String> paths;
    private final Map<String, Domain> domains;
    private final Map<String, Object> constants;
    private final List<String> gridPaths;
    private final long gridSize;

    private SearchSpace(Node root, List<String> leafPaths, List<Object> leafValues) {
        this.root = root;
        this.leafPaths = leafPaths.toArray(new String[0]);
        this.leafValues = leafValues.toArray();
        Map<String, Domain> doms = new LinkedHashMap<>();
        Map<String, Object> consts = new LinkedHashMap<>();
        List<String> grids = new ArrayList<>();
        List<Integer> sf = new ArrayList<>();
        long size = 1;
        for (int i = 0; i < this.leafValues.length; i++) {
            String p = this.leafPaths[i];
            if (this.leafValues[i] instanceof Domain d) {
                doms.put(p, d);
                if (d instanceof Domain.GridSearch g) {
                    grids.add(p);
                    try {
                        size = Math.multiplyExact(size, g.values().size());
                    } catch (ArithmeticException e) {
                        throw new SearchSpaceException(p, "the grid has more than 2^63 points: use fewer grid_search values");
                    }
                } else if (d instanceof Domain.SampleFrom) {
                    sf.add(i);
                }
            } else {
                consts.put(p, this.leafValues[i]);
            }
        }
        this.paths = List.copyOf(leafPaths);
        this.domains = Collections.unmodifiableMap(doms);
        this.constants = Collections.unmodifiableMap(consts);
        this.gridPaths = List.copyOf(grids);
        this.gridSize = size;
        this.sampleFromLeaves = sf.stream().mapToInt(Integer::intValue).toArray();
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
        List<String> leafPaths = new ArrayList<>();
        List<Object> leafValues = new ArrayList<>();
        Node root = build(space, "", leafPaths, leafValues);
        return new SearchSpace(root, leafPaths, leafValues);
    }

    private static Node build(Map<?, ?> map, String prefix, List<String> leafPaths, List<Object> leafValues) {
        String[] keys = new String[map.size()];
        Object[] children = new Object[map.size()];
        int i = 0;
        for (Map.Entry<?, ?> e : map.entrySet()) {
            Object rawKey = e.getKey();
            String where = prefix.isEmpty() ? "<top level>" : prefix;
            if (!(rawKey instanceof String key)) {
                throw new SearchSpaceException(prefix.isEmpty() ? null : prefix, "key " + rawKey + " in " + where
                        + " is not a string: use string keys");
            }
            String path = prefix.isEmpty() ? key : prefix + "." + key;
            if (key.isEmpty()) {
                throw new SearchSpaceException(path, "empty key in " + where + ": give every parameter a name");
            }
            if (key.indexOf('.') >= 0) {
                throw new SearchSpaceException(path, "key '" + key + "' contains '.', which separates nested levels:"
                        + " nest a map instead (\"" + key.substring(0, key.indexOf('.')) + "\": {...})");
            }
            Object v = e.getValue();
            keys[i] = key;
            if (v instanceof Map<?, ?> nested) {
                children[i] = build(nested, path, leafPaths, leafValues);
            } else {
                Object leaf;
                if (v instanceof Domain d) {
                    d.validate(path);
                    leaf = freezeDomain(path, d);
                } else {
                    leaf = Values.freeze(path, v);
                }
                children[i] = leafPaths.size();
                leafPaths.add(path);
                leafValues.add(leaf);
            }
            i++;
        }
        return new Node(keys, children);
    }

    @SuppressWarnings("unchecked")
    private static Domain freezeDomain(String path, Domain d) {
        if (d instanceof Domain.Choice c) {
            return new Domain.Choice((List<Object>) Values.freeze(path, c.values()));
        }
        if (d instanceof Domain.GridSearch g) {
            return new Domain.GridSearch((List<Object>) Values.freeze(path, g.values()));
        }
        return d;
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
        return fromSpec(SpaceSpec.parse(JSON, "JSON", json));
    }

    /** Parses the YAML file syntax (see the class comment). */
    public static SearchSpace fromYaml(String yaml) {
        return fromSpec(SpaceSpec.parse(YAML, "YAML", yaml));
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

    private static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

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
        Object[] vals = new Object[leafValues.length];
        for (int i = 0; i < vals.length; i++) {
            Object v = leafValues[i];
            if (v instanceof Domain d) {
                if (d instanceof Domain.SampleFrom) {
                    vals[i] = UNRESOLVED;
                } else if (d instanceof Domain.GridSearch g) {
                    if (gridAssignment != null && gridAssignment.containsKey(leafPaths[i])) {
                        vals[i] = gridAssignment.get(leafPaths[i]);
                    } else {
                        vals[i] = g.sample(rng);
                    }
                } else {
                    vals[i] = d.sample(rng);
                }
            } else {
                vals[i] = v;
            }
        }
        if (sampleFromLeaves.length > 0) {
            resolveSampleFrom(vals);
        }
        return materialize(root, vals);
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
        Object[] vals = new Object[leafValues.length];
        for (int i = 0; i < vals.length; i++) {
            Object v = leafValues[i];
            if (v instanceof Domain.SampleFrom) {
                vals[i] = UNRESOLVED;
            } else if (v instanceof Domain d) {
                Object chosen = values.get(leafPaths[i]);
                if (chosen == null || !d.contains(chosen)) {
                    throw new IllegalArgumentException("value " + chosen + " for '" + leafPaths[i] + "' is "
                            + (chosen == null ? "missing" : "outside its " + d.kind() + " domain"));
                }
                vals[i] = chosen;
            } else {
                vals[i] = v;
            }
        }
        if (sampleFromLeaves.length > 0) {
            resolveSampleFrom(vals);
        }
        return materialize(root, vals);
    }

    private void resolveSampleFrom(Object[] vals) {
        int pending = sampleFromLeaves.length;
        RuntimeException[] errors = new RuntimeException[sampleFromLeaves.length];
        while (pending > 0) {
            boolean progress = false;
            for (int j = 0; j < sampleFromLeaves.length; j++) {
                int i = sampleFromLeaves[j];
                if (vals[i] != UNRESOLVED) continue;
                Domain.SampleFrom sf = (Domain.SampleFrom) leafValues[i];
                Object v;
                try {
                    v = sf.fn().apply(new Config(materialize(root, vals)));
                } catch (RuntimeException e) {
                    errors[j] = e;
                    continue;
                }
                if (v == null) {
                    throw new SearchSpaceException(leafPaths[i], "the sample_from function returned null: return a plain value");
                }
                if (v instanceof Domain) {
                    throw new SearchSpaceException(leafPaths[i], "the sample_from function returned a Domain: return a plain value");
                }
                vals[i] = Values.freeze(leafPaths[i], v);
                errors[j] = null;
                progress = true;
                pending--;
            }
            if (!progress) {
                StringBuilder sb = new StringBuilder("sample_from could not be resolved: ");
                String first = null;
                RuntimeException cause = null;
                for (int j = 0; j < sampleFromLeaves.length; j++) {
                    int i = sampleFromLeaves[j];
                    if (vals[i] != UNRESOLVED) continue;
                    if (first == null) {
                        first = leafPaths[i];
                        cause = errors[j];
                    } else {
                        sb.append("; ");
                    }
                    sb.append('\'').append(leafPaths[i]).append("' failed with: ").append(errors[j].getMessage());
                }
                sb.append(". Either a sample_from reads a key that is not in the space, or sample_from parameters"
                        + " read each other in a cycle, or the function itself fails: fix the function or the space");
                throw new SearchSpaceException(first, sb.toString(), cause);
            }
        }
    }

    private static Map<String, Object> materialize(Node node, Object[] vals) {
        Map<String, Object> out = LinkedHashMap.newLinkedHashMap(node.keys.length);
        for (int i = 0; i < node.keys.length; i++) {
            Object c = node.children[i];
            if (c instanceof Node n) {
                out.put(node.keys[i], materialize(n, vals));
            } else {
                Object v = vals[(Integer) c];
                if (v != UNRESOLVED) {
                    out.put(node.keys[i], v);
                }
            }
        }
        return out;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("SearchSpace{");
        for (int i = 0; i < leafPaths.length; i++) {
            if (i > 0) sb.append(", ");
            sb.append(leafPaths[i]).append('=').append(leafValues[i]);
        }
        return sb.append('}').toString();
    }

    /** Reading the file syntax into the map form {@link #of} takes. */
    private static final class SpaceSpec {
        private SpaceSpec() {
        }

        static final List<String> KINDS = List.of("uniform", "loguniform", "quniform", "qloguniform", "randint",
                "qrandint", "choice", "grid_search");

        static Map<String, Object> parse(ObjectMapper mapper, String format, String text) {
            if (text == null || text.isBlank()) {
                throw new SearchSpaceException(null, "the " + format + " text is empty: give an object of parameters");
            }
            Object tree;
            try {
                tree = mapper.readValue(text, new TypeReference<Object>() {
                });
            } catch (JacksonException e) {
                JsonLocation loc = e.getLocation();
                String at = loc == null ? "" : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
                throw new SearchSpaceException(null, "not valid " + format + at + ": " + e.getOriginalMessage(), e);
            }
            if (tree == null) {
                throw new SearchSpaceException(null, "the " + format + " text is empty: give an object of parameters");
            }
            if (!(tree instanceof Map<?, ?> m)) {
                throw new SearchSpaceException(null, "the top level of the " + format + " must be an object of parameters, got "
                        + describe(tree));
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> map = (Map<String, Object>) m;
            return map;
        }

        /** The key of {@code {const: VALUE}}: VALUE taken as a constant, verbatim. */
        static final String CONST = "const";

        /** The domain key {@code kind} is a misspelling of (edit distance at most 2, ignoring case, '_' and '-'), or null. */
        static String nearestKind(String kind) {
            String k = kind.toLowerCase(Locale.ROOT).replace("_", "").replace("-", "");
            String best = null;
            int bestD = 3;
            for (String known : KINDS) {
                int d = distance(k, known.replace("_", ""));
                if (d < bestD) {
                    bestD = d;
                    best = known;
                }
            }
            return best;
        }

        /** Levenshtein distance. */
        private static int distance(String a, String b) {
            int[] prev = new int[b.length() + 1];
            int[] cur = new int[b.length() + 1];
            for (int j = 0; j <= b.length(); j++) prev[j] = j;
            for (int i = 1; i <= a.length(); i++) {
                cur[0] = i;
                for (int j = 1; j <= b.length(); j++) {
                    int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                    cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
                }
                int[] t = prev;
                prev = cur;
                cur = t;
            }
            return prev[b.length()];
        }

        static Map<String, Object> convert(Map<?, ?> spec, String prefix) {
            Map<String, Object> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : spec.entrySet()) {
                String key = String.valueOf(e.getKey());
                String path = prefix.isEmpty() ? key : prefix + "." + key;
                Object v = e.getValue();
                if (v instanceof Map<?, ?> m) {
                    if (m.size() == 1) {
                        Map.Entry<?, ?> only = m.entrySet().iterator().next();
                        String kind = String.valueOf(only.getKey());
                        if (KINDS.contains(kind)) {
                            out.put(key, domain(path, kind, only.getValue()));
                            continue;
                        }
                        if (kind.equals("sample_from")) {
                            throw new SearchSpaceException(path, "sample_from cannot come from a file (it is Java code):"
                                    + " build this space in Java with Domains.sampleFrom");
                        }
                        if (kind.equals(CONST)) {
                            out.put(key, only.getValue());
                            continue;
                        }
                        String near = nearestKind(kind);
                        if (near != null || only.getValue() instanceof List<?>) {
                            throw new SearchSpaceException(path, "unknown domain '" + kind + "'"
                                    + (near != null ? " (did you mean '" + near + "'?)" : "") + ": the domains are "
                                    + String.join(", ", KINDS) + "; a nested constant that looks like this is written "
                                    + "{" + CONST + ": {" + kind + ": ...}}");
                        }
                    }
                    out.put(key, convert(m, path));
                } else {
                    out.put(key, v);
                }
            }
            return out;
        }

        static Domain domain(String path, String kind, Object arg) {
            if (kind.equals("choice") || kind.equals("grid_search")) {
                if (!(arg instanceof List<?> list)) {
                    throw new SearchSpaceException(path, kind + " takes a list of values, got " + describe(arg)
                            + ": write {\"" + kind + "\": [a, b, ...]}");
                }
                @SuppressWarnings("unchecked")
                List<Object> values = (List<Object>) list;
                return kind.equals("choice") ? new Domain.Choice(values) : new Domain.GridSearch(values);
            }
            String shape = switch (kind) {
                case "quniform", "qloguniform", "qrandint" -> "[low, high, q]";
                default -> "[low, high]";
            };
            boolean qOptional = kind.equals("qrandint");
            int want = shape.equals("[low, high]") ? 2 : 3;
            if (!(arg instanceof List<?> a) || !(a.size() == want || qOptional && a.size() == 2)) {
                throw new SearchSpaceException(path, kind + " takes " + shape + (qOptional ? " or [low, high]" : "")
                        + ", got " + describe(arg));
            }
            return switch (kind) {
                case "uniform" -> new Domain.Uniform(num(path, kind, "low", a.get(0)), num(path, kind, "high", a.get(1)));
                case "loguniform" -> new Domain.LogUniform(num(path, kind, "low", a.get(0)), num(path, kind, "high", a.get(1)));
                case "quniform" -> new Domain.QUniform(num(path, kind, "low", a.get(0)), num(path, kind, "high", a.get(1)),
                        num(path, kind, "q", a.get(2)));
                case "qloguniform" -> new Domain.QLogUniform(num(path, kind, "low", a.get(0)),
                        num(path, kind, "high", a.get(1)), num(path, kind, "q", a.get(2)));
                case "randint" -> new Domain.RandInt(whole(path, kind, "low", a.get(0)), whole(path, kind, "high", a.get(1)));
                case "qrandint" -> new Domain.QRandInt(whole(path, kind, "low", a.get(0)), whole(path, kind, "high", a.get(1)),
                        a.size() == 3 ? whole(path, kind, "q", a.get(2)) : 1);
                default -> throw new IllegalStateException(kind);
            };
        }

        private static double num(String path, String kind, String what, Object v) {
            if (v instanceof Number n) return n.doubleValue();
            if (v instanceof String s) {
                try {
                    return Double.parseDouble(s.trim());
                } catch (NumberFormatException e) {
                    // fall through
                }
            }
            throw new SearchSpaceException(path, kind + " " + what + " must be a number, got " + describe(v));
        }

        private static long whole(String path, String kind, String what, Object v) {
            Long l = Values.wholeNumber(v);
            if (l != null) return l;
            if (v instanceof String s) {
                try {
                    return Long.parseLong(s.trim());
                } catch (NumberFormatException e) {
                    // fall through
                }
            }
            throw new SearchSpaceException(path, kind + " " + what + " must be a whole number, got " + describe(v));
        }

        private static String describe(Object v) {
            if (v == null) return "null";
            if (v instanceof String s) return "\"" + s + "\"";
            if (v instanceof Map<?, ?>) return "an object " + v;
            return v.toString();
        }
    }
}
