package dev.gale.observability.tensorboard;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * Reads a tfevents file as TensorBoard would, for the tests: checks the framing and both masked
 * CRC32C of every record, and decodes every record into an {@link Event} (refusing anything that is
 * not an Event with the fields TensorBoard reads). Written from the format's description, not from
 * the writer's code.
 */
final class TfEventsReader {
    /** A scalar value of a summary. */
    record Scalar(String tag, float value) {
    }

    /**
     * One decoded event.
     *
     * @param wallTime    seconds since the epoch
     * @param step        the step (0 when absent)
     * @param fileVersion the file version (null when absent)
     * @param scalars     simple values of its summary
     * @param plugin      per tag of its summary with plugin data: the plugin's name and content
     */
    record Event(double wallTime, long step, String fileVersion, List<Scalar> scalars, Map<String, PluginValue> plugin) {
    }

    /** A summary value carrying plugin data. */
    record PluginValue(String pluginName, byte[] content, ProtoReader.Msg tensor) {
    }

    private TfEventsReader() {
    }

    static List<Event> read(Path file) throws IOException {
        byte[] b = Files.readAllBytes(file);
        List<Event> out = new ArrayList<>();
        int pos = 0;
        int n = 0;
        while (pos < b.length) {
            if (pos + 12 > b.length) throw new IllegalStateException(file + ": record " + n + " has a truncated header");
            long len = le(b, pos, 8);
            int lenCrc = (int) le(b, pos + 8, 4);
            if (lenCrc != masked(b, pos, 8)) throw new IllegalStateException(file + ": record " + n + ": length CRC mismatch");
            pos += 12;
            if (len < 0 || pos + len + 4 > b.length) throw new IllegalStateException(file + ": record " + n + " is truncated");
            int dataCrc = (int) le(b, pos + (int) len, 4);
            if (dataCrc != masked(b, pos, (int) len)) throw new IllegalStateException(file + ": record " + n + ": data CRC mismatch");
            byte[] data = new byte[(int) len];
            System.arraycopy(b, pos, data, 0, (int) len);
            out.add(event(data));
            pos += (int) len + 4;
            n++;
        }
        return out;
    }

    /** The masked CRC32C, computed here from the TFRecord definition. */
    static int masked(byte[] b, int off, int len) {
        CRC32C c = new CRC32C();
        c.update(b, off, len);
        int crc = (int) c.getValue();
        return Integer.rotateRight(crc, 15) + 0xa282ead8;
    }

    private static Event event(byte[] data) {
        ProtoReader.Msg m = ProtoReader.parse(data);
        double wall = m.one(1).asDouble();
        long step = m.has(2) ? m.one(2).bits() : 0;
        String version = m.has(3) ? m.one(3).asString() : null;
        List<Scalar> scalars = new ArrayList<>();
        Map<String, PluginValue> plugin = new LinkedHashMap<>();
        for (ProtoReader.Field f : m.fields()) {
            switch (f.number()) {
                case 1, 2, 3 -> {
                }
                case 5 -> {
                    for (ProtoReader.Field v : f.asMessage().all(1)) {
                        ProtoReader.Msg value = v.asMessage();
                        String tag = value.one(1).asString();
                        if (value.has(2)) scalars.add(new Scalar(tag, value.one(2).asFloat()));
                        if (value.has(9)) {
                            ProtoReader.Msg pd = value.one(9).asMessage().one(1).asMessage();
                            plugin.put(tag, new PluginValue(pd.one(1).asString(), pd.one(2).bytes(),
                                    value.has(8) ? value.one(8).asMessage() : null));
                        }
                    }
                }
                default -> throw new IllegalStateException("Event field " + f.number() + " is not one Gale writes");
            }
        }
        return new Event(wall, step, version, scalars, plugin);
    }

    private static long le(byte[] b, int off, int n) {
        long v = 0;
        for (int i = 0; i < n; i++) v |= (long) (b[off + i] & 0xFF) << (8 * i);
        return v;
    }
}
