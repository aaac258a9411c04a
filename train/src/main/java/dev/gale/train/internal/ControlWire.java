package dev.gale.train.internal;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.Socket;
import java.util.Map;

/**
 * The control connection between a worker and its group's driver: frames of
 * {@code type (int) | JSON length (int) | JSON | blob length (int) | blob}. Writes are
 * synchronized (several threads of a worker may send); reads belong to one reader thread.
 */
public final class ControlWire implements Closeable {
    /** Message types. */
    public static final int HELLO = 1;
    public static final int START = 2;
    public static final int REPORT = 3;
    public static final int ACK = 4;
    public static final int ERROR = 5;
    public static final int DONE = 6;
    public static final int STOP = 7;

    /** Largest frame part accepted (a checkpoint blob above this is refused). */
    static final int MAX_PART = 1 << 30;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {
    };

    /** One frame. */
    public record Frame(int type, Map<String, Object> body, byte[] blob) {
    }

    private final Socket socket;
    private final DataInputStream in;
    private final DataOutputStream out;

    public ControlWire(Socket socket) throws IOException {
        this.socket = socket;
        socket.setTcpNoDelay(true);
        this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 1 << 16));
        this.out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream(), 1 << 16));
    }

    public synchronized void send(int type, Map<String, ?> body, byte[] blob) throws IOException {
        byte[] json = JSON.writeValueAsBytes(body);
        out.writeInt(type);
        out.writeInt(json.length);
        out.write(json);
        byte[] b = blob == null ? new byte[0] : blob;
        out.writeInt(b.length);
        out.write(b);
        out.flush();
    }

    /** Reads the next frame; throws {@link EOFException} when the other side closed. */
    public Frame read() throws IOException {
        int type = in.readInt();
        int jl = in.readInt();
        if (jl < 0 || jl > MAX_PART) throw new IOException("control frame of " + jl + " bytes: corrupt stream");
        byte[] json = new byte[jl];
        in.readFully(json);
        int bl = in.readInt();
        if (bl < 0 || bl > MAX_PART) throw new IOException("control blob of " + bl + " bytes: corrupt stream");
        byte[] blob = new byte[bl];
        in.readFully(blob);
        return new Frame(type, JSON.readValue(json, MAP), blob);
    }

    /** Sets the read timeout in ms (0: none). */
    public void readTimeout(int ms) throws IOException {
        socket.setSoTimeout(ms);
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing
        }
    }

    /** Encodes a value as JSON text (payloads). */
    public static String json(Object o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot write as JSON: " + e.getMessage(), e);
        }
    }

    /** Decodes a JSON object. */
    public static Map<String, Object> parse(String s) {
        try {
            return JSON.readValue(s, MAP);
        } catch (IOException e) {
            throw new IllegalArgumentException("not a JSON object: " + e.getMessage(), e);
        }
    }
}
