package dev.gale.observability.dashboard.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The JSON of the last few responses, by request and experiment version: a page reloaded, or
 * several pages open, cost one computation per change of the experiment (the plots of 10,000
 * trials include an importance evaluation). Thread-safe; holds at most {@value #MAX} responses.
 */
final class ResponseCache {
    static final int MAX = 32;

    private record Cached(long version, byte[] body) {
    }

    private final ObjectMapper mapper;
    private final Map<String, Cached> entries = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Cached> eldest) {
            return size() > MAX;
        }
    };

    ResponseCache(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /** The JSON of {@code body} for {@code key} at {@code version}, computed when not cached. */
    byte[] get(String key, long version, Supplier<Object> body) {
        synchronized (entries) {
            Cached e = entries.get(key);
            if (e != null && e.version == version) return e.body;
        }
        byte[] bytes;
        try {
            bytes = mapper.writeValueAsBytes(body.get());
        } catch (JsonProcessingException ex) {
            throw new IllegalStateException("dashboard response not serializable: " + ex.getMessage(), ex);
        }
        synchronized (entries) {
            entries.put(key, new Cached(version, bytes));
        }
        return bytes;
    }
}
