package dev.gale.observability.tensorboard.internal;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Writes protocol-buffer wire format by hand: just the field kinds TensorBoard's {@code Event},
 * {@code Summary} and HParams messages need (varint, 64-bit double, 32-bit float, length-delimited
 * bytes, strings and nested messages). Fields are written in the order the caller writes them.
 */
public final class ProtoWriter {
    private static final int VARINT = 0;
    private static final int FIXED64 = 1;
    private static final int LENGTH_DELIMITED = 2;
    private static final int FIXED32 = 5;

    private byte[] buf = new byte[64];
    private int size;

    /** Field {@code field} as a varint (int32, int64, enum, bool). */
    public ProtoWriter varint(int field, long value) {
        tag(field, VARINT);
        rawVarint(value);
        return this;
    }

    /** Field {@code field} as a double (fixed 64 bits, little endian). */
    public ProtoWriter doubleField(int field, double value) {
        tag(field, FIXED64);
        long bits = Double.doubleToRawLongBits(value);
        for (int i = 0; i < 8; i++) add((byte) (bits >>> (8 * i)));
        return this;
    }

    /** Field {@code field} as a float (fixed 32 bits, little endian). */
    public ProtoWriter floatField(int field, float value) {
        tag(field, FIXED32);
        int bits = Float.floatToRawIntBits(value);
        for (int i = 0; i < 4; i++) add((byte) (bits >>> (8 * i)));
        return this;
    }

    /** Field {@code field} as UTF-8 text. */
    public ProtoWriter string(int field, String value) {
        return bytes(field, value.getBytes(StandardCharsets.UTF_8));
    }

    /** Field {@code field} as length-delimited bytes. */
    public ProtoWriter bytes(int field, byte[] value) {
        tag(field, LENGTH_DELIMITED);
        rawVarint(value.length);
        ensure(value.length);
        System.arraycopy(value, 0, buf, size, value.length);
        size += value.length;
        return this;
    }

    /** Field {@code field} as a nested message. */
    public ProtoWriter message(int field, ProtoWriter nested) {
        return bytes(field, nested.toByteArray());
    }

    /** The bytes written so far. */
    public byte[] toByteArray() {
        return Arrays.copyOf(buf, size);
    }

    private void tag(int field, int wireType) {
        if (field < 1) throw new IllegalArgumentException("field = " + field + ": protobuf field numbers start at 1");
        rawVarint(((long) field << 3) | wireType);
    }

    private void rawVarint(long v) {
        while ((v & ~0x7FL) != 0) {
            add((byte) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        add((byte) v);
    }

    private void add(byte b) {
        ensure(1);
        buf[size++] = b;
    }

    private void ensure(int more) {
        if (size + more > buf.length) buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + more));
    }
}
