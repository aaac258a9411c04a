package dev.gale.observability.dashboard.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * The JSON of the last few responses, by request and experiment version: a page reloaded, or
 * several pages open, cost one computation per change of the experiment (the plots of 10,000
 * trials include an importance evaluation). A response asked for while it is being computed (by
 * another page, or by the dashboard preparing a finished experiment's first answers) waits for that
 * computation instead of starting its own. Thread-safe; holds at most {@value #MAX} responses.
 */
final class ResponseCache {
    static final int MAX = 32;
    /** The longest a request waits for a response another thread is computing. */
    static final long WAIT_SECONDS = 60;

    private record Cached(long version, FutureTask<byte[]> body) {
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
        Cached c;
        boolean mine = false;
        synchronized (entries) {
            c = entries.get(key);
            if (c == null || c.version != version) {
                c = new Cached(version, new FutureTask<>(() -> serialize(body.get())));
                entries.put(key, c);
                mine = true;
            }
        }
        if (mine) c.body.run();
        try {
            return c.body.get(WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            synchronized (entries) {
                entries.remove(key, c); // the next request tries again
            }
            if (e.getCause() instanceof RuntimeException r) throw r;
            if (e.getCause() instanceof Error err) throw err;
            throw new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("dashboard: waited " + WAIT_SECONDS + " s for the answer to "
                    + key.replace('\n', ' ') + " (being computed for another request)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("dashboard: interrupted while waiting for the answer to " + key.replace('\n', ' '), e);
        }
    }

    private byte[] serialize(Object body) {
        try {
            return mapper.writeValueAsBytes(body);
        } catch (JsonProcessingException ex) {
            throw new IllegalStateException("dashboard response not serializable: " + ex.getMessage(), ex);
        }
    }
}
