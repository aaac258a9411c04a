package dev.gale.tune.internal;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The private channel between a node and the child JVM of an isolated trial: JSON objects, one per
 * line, over a loopback socket. Every message has a type {@code "t"}.
 *
 * <p>Child to parent: {@code hello} (token, pid), {@code result} (a {@link ReportedResult} numbered
 * by the child, and {@code from}: the absolute path of the checkpoint directory to store, or null),
 * {@code param} (name, spec), {@code await}, {@code end} (stopped, error, stack). Parent to child:
 * {@code start} (payload with the paths the child uses, allocation as the child sees it), the
 * replies {@code ok} (stop), {@code stopped}, {@code value} (value), {@code error} (error, and
 * {@code argument}: whether it is about the request's arguments), and at any time {@code stop}
 * (interrupt). The child sends one request at a time and waits for its reply.
 *
 * <p>NaN and infinities travel as JSON's non-standard tokens (not as strings), so the controller
 * rejects them as it does for a trial in the node's JVM. Writes are serialized; reads are meant
 * for one thread.
 */
final class ChildChannel implements Closeable {
    static final JsonMapper JSON = JsonMapper.builder()
            .disable(JsonWriteFeature.WRITE_NAN_AS_STRINGS)
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .build();
    private static final TypeReference<LinkedHashMap<String, Object>> MAP = new TypeReference<>() { };

    /** Environment variable with the secret the child must present in its hello. */
    static final String TOKEN_ENV = "GALE_TRIAL_TOKEN";

    private final Socket socket;
    private final BufferedReader in;
    private final OutputStream out;

    ChildChannel(Socket socket) throws IOException {
        this.socket = socket;
        socket.setTcpNoDelay(true);
        this.in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8), 1 << 16);
        this.out = socket.getOutputStream();
    }

    /** The next message, or null at the end of the stream. */
    Map<String, Object> read() throws IOException {
        String line = in.readLine();
        if (line == null) return null;
        return JSON.readValue(line, MAP);
    }

    /** Sends one message. */
    void send(Map<String, ?> message) throws IOException {
        byte[] b = JSON.writeValueAsBytes(message);
        synchronized (out) {
            out.write(b);
            out.write('\n');
            out.flush();
        }
    }

    /** A message of type {@code t} with the given key-value pairs. */
    static Map<String, Object> msg(String t, Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("t", t);
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return m;
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
