package dev.gale.tune.storage.internal;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;

import java.io.IOException;
import java.util.Map;

/** The JSON mappers of experiment files (thread-safe once configured; shared). */
public final class Json {
    /** Compact JSON: result rows, journal lines, large snapshots, messages. */
    public static final ObjectMapper MAPPER = new ObjectMapper();
    /** Indented JSON: params.json and snapshots of up to {@value #PRETTY_LIMIT} trials. */
    public static final ObjectWriter PRETTY = MAPPER.writerWithDefaultPrettyPrinter();
    /** Snapshots with more trials than this are written compact. */
    public static final int PRETTY_LIMIT = 1000;
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() { };

    private Json() {
    }

    /** One JSON object as a map. */
    public static Map<String, Object> map(String json) throws IOException {
        return MAPPER.readValue(json, MAP);
    }

    /** One JSON object as a map. */
    public static Map<String, Object> map(byte[] json) throws IOException {
        return MAPPER.readValue(json, MAP);
    }
}
