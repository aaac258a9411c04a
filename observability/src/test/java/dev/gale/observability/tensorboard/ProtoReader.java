package dev.gale.observability.tensorboard;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A protobuf wire-format decoder for the tests: a message is read into its fields (number, wire
 * type, value), nested messages are decoded on demand. Refuses truncated input and unknown wire
 * types, so a record that is not a well-formed message fails the test.
 */
final class ProtoReader {
    /** One field: varints and fixed values in {@code bits}, length-delimited values in {@code bytes}. */
    record Field(int number, int wireType, long bits, byte[] bytes) {
        double asDouble() {
            if (wireType != 1) throw new IllegalStateException("field " + number + " is not a 64-bit value");
            return Double.longBitsToDouble(bits);
        }

        float asFloat() {
            if (wireType != 5) throw new IllegalStateException("field " + number + " is not a 32-bit value");
            return Float.intBitsToFloat((int) bits);
        }

        String asString() {
            if (wireType != 2) throw new IllegalStateException("field " + number + " is not length-delimited");
            return new String(bytes, StandardCharsets.UTF_8);
        }

        Msg asMessage() {
            if (wireType != 2) throw new IllegalStateException("field " + number + " is not length-delimited");
            return ProtoReader.parse(bytes);
        }
    }

    /** A decoded message. */
    record Msg(List<Field> fields) {
        List<Field> all(int number) {
            return fields.stream().filter(f -> f.number() == number).toList();
        }

        Field one(int number) {
            List<Field> l = all(number);
            if (l.size() != 1) throw new IllegalStateException("field " + number + " occurs " + l.size() + " times, expected once");
            return l.get(0);
        }

        boolean has(int number) {
            return !all(number).isEmpty();
        }
    }

    private ProtoReader() {
    }

    static Msg parse(byte[] b) {
        List<Field> out = new ArrayList<>();
        int[] pos = {0};
        while (pos[0] < b.length) {
            long tag = varint(b, pos);
            int number = (int) (tag >>> 3);
            int wire = (int) (tag & 7);
            if (number < 1) throw new IllegalStateException("field number " + number + " at byte " + pos[0]);
            switch (wire) {
                case 0 -> out.add(new Field(number, wire, varint(b, pos), null));
                case 1 -> out.add(new Field(number, wire, fixed(b, pos, 8), null));
                case 5 -> out.add(new Field(number, wire, fixed(b, pos, 4), null));
                case 2 -> {
                    long len = varint(b, pos);
                    if (len < 0 || pos[0] + len > b.length) throw new IllegalStateException("field " + number + " runs past the message");
                    byte[] v = new byte[(int) len];
                    System.arraycopy(b, pos[0], v, 0, (int) len);
                    pos[0] += (int) len;
                    out.add(new Field(number, wire, 0, v));
                }
                default -> throw new IllegalStateException("wire type " + wire + " of field " + number + " is not one TensorBoard uses");
            }
        }
        return new Msg(out);
    }

    private static long varint(byte[] b, int[] pos) {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos[0] >= b.length) throw new IllegalStateException("varint runs past the message");
            byte x = b[pos[0]++];
            v |= (long) (x & 0x7F) << shift;
            if ((x & 0x80) == 0) return v;
        }
        throw new IllegalStateException("varint longer than 10 bytes");
    }

    private static long fixed(byte[] b, int[] pos, int n) {
        if (pos[0] + n > b.length) throw new IllegalStateException("fixed value runs past the message");
        long v = 0;
        for (int i = 0; i < n; i++) v |= (long) (b[pos[0] + i] & 0xFF) << (8 * i);
        pos[0] += n;
        return v;
    }
}
