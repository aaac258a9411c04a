package dev.gale.tune.search;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The file syntax of {@link SearchSpace} (see its class comment): JSON or YAML text parsed into
 * maps and lists ({@link #parse}, duplicate keys refused), and that tree converted into the map
 * form {@link SearchSpace#of} takes ({@link #convert}): single-key objects naming a domain become
 * {@link Domain}s, {@code {const: VALUE}} becomes VALUE verbatim, other objects nested maps.
 *
 * <p>Promises: every problem is a {@link SearchSpaceException} naming the dotted path of the
 * offending parameter (or none, for the text as a whole) and the fix; a misspelled or unknown
 * domain key is refused naming the known ones rather than read as a nested map; domain bounds
 * may be numbers or strings holding one. Stateless.
 */
final class SpaceSpec {
    private SpaceSpec() {
    }

    /** Jackson readers of the two formats; a key given twice in one object is an error. */
    static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

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
