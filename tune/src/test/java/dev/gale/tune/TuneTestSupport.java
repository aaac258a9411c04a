package dev.gale.tune;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gale.cluster.GaleNode;
import dev.gale.cluster.NodeConfig;
import dev.gale.gpu.NodeInventory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Helpers shared by the Tuner tests: fixed-inventory nodes and readers of the experiment files. */
final class TuneTestSupport {
    static final ObjectMapper JSON = new ObjectMapper();

    private TuneTestSupport() {
    }

    /** An embedded one-node cluster offering {@code cpus} CPUs, 1 GiB and no GPU, whatever the machine has. */
    static GaleNode node(int cpus) {
        return GaleNode.start(NodeConfig.embedded().withInventory(new NodeInventory(cpus, 1L << 30, List.of(), Map.of())));
    }

    /** A quiet run config in {@code storage}. */
    static RunConfig quiet(String name, Path storage) {
        return new RunConfig(name, storage, true, 200);
    }

    static Map<String, Object> readJson(Path file) {
        try {
            return JSON.readValue(file.toFile(), new TypeReference<Map<String, Object>>() { });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every line of a trial's result.jsonl, parsed. */
    static List<Map<String, Object>> readJsonl(Path file) {
        try {
            List<Map<String, Object>> out = new ArrayList<>();
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (line.isBlank()) continue;
                out.add(JSON.readValue(line, new TypeReference<Map<String, Object>>() { }));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8).stream().filter(l -> !l.isBlank()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A value with numbers normalized (whole numbers to Long, others to Double) and maps sorted, so
     * a map built in memory compares equal to the same map read back from JSON.
     */
    static Object normalize(Object v) {
        if (v instanceof Number n) {
            double d = n.doubleValue();
            if ((n instanceof Integer || n instanceof Long || n instanceof Short || n instanceof Byte)) return n.longValue();
            return d;
        }
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> out = new TreeMap<>();
            for (Map.Entry<?, ?> e : m.entrySet()) out.put(String.valueOf(e.getKey()), normalize(e.getValue()));
            return out;
        }
        if (v instanceof List<?> l) {
            List<Object> out = new ArrayList<>();
            for (Object o : l) out.add(normalize(o));
            return out;
        }
        return v;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> normalizeMap(Map<String, ?> m) {
        return (Map<String, Object>) normalize(new LinkedHashMap<>(m));
    }
}
