package dev.gale.autoscaler.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gale.gpu.Bytes;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A YAML mapping with its path in the file, for readers that name the exact field in every error
 * ({@code nodeTypes[1].resources.cpus: ...}) and refuse unknown keys (typos).
 */
public final class YamlNode {
    private final JsonNode node;
    private final String path;

    public YamlNode(JsonNode node, String path) {
        this.node = node;
        this.path = path;
        if (node != null && !node.isNull() && !node.isObject()) {
            throw new IllegalArgumentException(where() + "expected a mapping of key: value");
        }
    }

    private String where() {
        return path.isEmpty() ? "" : path + ": ";
    }

    private String at(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    /** Fails naming every key that is not one of {@code allowed}. */
    public YamlNode only(String... allowed) {
        if (node == null || node.isNull()) return this;
        Set<String> ok = Set.of(allowed);
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!ok.contains(k)) {
                throw new IllegalArgumentException(at(k) + ": unknown key; expected one of " + String.join(", ", allowed));
            }
        }
        return this;
    }

    public boolean has(String key) {
        return node != null && node.has(key) && !node.get(key).isNull();
    }

    private JsonNode get(String key) {
        return node == null ? null : node.get(key);
    }

    public String string(String key, String fallback) {
        JsonNode v = get(key);
        if (v == null || v.isNull()) return fallback;
        if (!v.isValueNode()) throw new IllegalArgumentException(at(key) + ": expected a value, not a " + (v.isArray() ? "list" : "mapping"));
        return v.asText();
    }

    public String required(String key) {
        String v = string(key, null);
        if (v == null || v.isBlank()) throw new IllegalArgumentException(at(key) + ": required");
        return v;
    }

    public int integer(String key, int fallback) {
        JsonNode v = get(key);
        if (v == null || v.isNull()) return fallback;
        if (!v.canConvertToInt() || !(v.isIntegralNumber() || v.isTextual() && v.asText().matches("-?\\d+"))) {
            throw new IllegalArgumentException(at(key) + " = '" + v.asText() + "': expected a whole number");
        }
        return v.isTextual() ? Integer.parseInt(v.asText()) : v.intValue();
    }

    public double number(String key, double fallback) {
        JsonNode v = get(key);
        if (v == null || v.isNull()) return fallback;
        if (v.isNumber()) return v.doubleValue();
        try {
            return Double.parseDouble(v.asText().strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(at(key) + " = '" + v.asText() + "': expected a number");
        }
    }

    public boolean bool(String key, boolean fallback) {
        JsonNode v = get(key);
        if (v == null || v.isNull()) return fallback;
        if (v.isBoolean()) return v.booleanValue();
        String t = v.asText().strip().toLowerCase(java.util.Locale.ROOT);
        if (t.equals("true")) return true;
        if (t.equals("false")) return false;
        throw new IllegalArgumentException(at(key) + " = '" + v.asText() + "': expected true or false");
    }

    public Duration duration(String key, Duration fallback) {
        JsonNode v = get(key);
        if (v == null || v.isNull()) return fallback;
        if (v.isNumber()) return Duration.ofMillis(Math.round(v.doubleValue() * 1000));
        return Durations.parse(at(key), v.asText());
    }

    public long bytes(String key, long fallback) {
        JsonNode v = get(key);
        if (v == null || v.isNull()) return fallback;
        if (v.isIntegralNumber()) return v.longValue();
        return Bytes.parse(at(key), v.asText());
    }

    public YamlNode child(String key) {
        return new YamlNode(get(key), at(key));
    }

    /** The mappings of a list (empty when absent). */
    public List<YamlNode> list(String key) {
        JsonNode v = get(key);
        List<YamlNode> out = new ArrayList<>();
        if (v == null || v.isNull()) return out;
        if (!v.isArray()) throw new IllegalArgumentException(at(key) + ": expected a list (entries starting with '- ')");
        for (int i = 0; i < v.size(); i++) out.add(new YamlNode(v.get(i), at(key) + "[" + i + "]"));
        return out;
    }

    /** A mapping of names to plain values as strings (empty when absent). */
    public Map<String, String> strings(String key) {
        JsonNode v = get(key);
        Map<String, String> out = new LinkedHashMap<>();
        if (v == null || v.isNull()) return out;
        if (!v.isObject()) throw new IllegalArgumentException(at(key) + ": expected a mapping of name: value");
        for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isValueNode()) throw new IllegalArgumentException(at(key) + "." + e.getKey() + ": expected a plain value");
            out.put(e.getKey(), e.getValue().asText());
        }
        return out;
    }

    /** A mapping of names to numbers (empty when absent). */
    public Map<String, Double> numbers(String key) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : strings(key).entrySet()) {
            try {
                out.put(e.getKey(), Double.parseDouble(e.getValue().strip()));
            } catch (NumberFormatException ex) {
                throw new IllegalArgumentException(at(key) + "." + e.getKey() + " = '" + e.getValue() + "': expected a number");
            }
        }
        return out;
    }

    /**
     * Every setting below {@code key} as flat strings: nested mappings as {@code a.b}, lists of
     * plain values joined with commas (empty when absent).
     */
    public Map<String, String> flat(String key) {
        Map<String, String> out = new LinkedHashMap<>();
        JsonNode v = get(key);
        if (v == null || v.isNull()) return out;
        if (!v.isObject()) throw new IllegalArgumentException(at(key) + ": expected a mapping of settings");
        flatten(v, "", at(key), out);
        return out;
    }

    private static void flatten(JsonNode n, String prefix, String where, Map<String, String> out) {
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String k = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
            JsonNode v = e.getValue();
            if (v.isObject()) flatten(v, k, where, out);
            else if (v.isArray()) {
                List<String> parts = new ArrayList<>();
                for (JsonNode x : v) {
                    if (!x.isValueNode()) throw new IllegalArgumentException(where + "." + k + ": a list of plain values is expected");
                    parts.add(x.asText());
                }
                out.put(k, String.join(",", parts));
            } else if (!v.isNull()) out.put(k, v.asText());
        }
    }
}
