package dev.gale.observability.tensorboard.internal;

import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * Appends TFRecord frames to a file, as TensorFlow's {@code RecordWriter} does: for each record
 * {@code uint64 length (little endian) | uint32 masked CRC32C of those 8 bytes | data | uint32
 * masked CRC32C of data}, the mask being {@code ((crc >>> 15) | (crc << 17)) + 0xa282ead8}.
 *
 * <p>Not thread-safe. Buffered: call {@link #flush} to make what was written visible to readers.
 */
public final class TfRecordWriter implements Closeable {
    private static final int MASK_DELTA = 0xa282ead8;

    private final Path file;
    private final OutputStream out;
    private final byte[] header = new byte[12];
    private final byte[] footer = new byte[4];

    /** Opens {@code file} for appending (created when missing). */
    public TfRecordWriter(Path file) throws IOException {
        this.file = file;
        this.out = new BufferedOutputStream(Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                StandardOpenOption.WRITE), 1 << 16);
    }

    /** The file written. */
    public Path file() {
        return file;
    }

    /** Appends one record holding {@code data}. */
    public void write(byte[] data) throws IOException {
        long len = data.length;
        for (int i = 0; i < 8; i++) header[i] = (byte) (len >>> (8 * i));
        putInt(header, 8, maskedCrc(header, 0, 8));
        out.write(header);
        out.write(data);
        putInt(footer, 0, maskedCrc(data, 0, data.length));
        out.write(footer);
    }

    /** Pushes buffered records to the file. */
    public void flush() throws IOException {
        out.flush();
    }

    @Override
    public void close() throws IOException {
        out.close();
    }

    /** The masked CRC32C of {@code b[off, off+len)}, as TFRecord frames carry it. */
    public static int maskedCrc(byte[] b, int off, int len) {
        CRC32C c = new CRC32C();
        c.update(b, off, len);
        int crc = (int) c.getValue();
        return ((crc >>> 15) | (crc << 17)) + MASK_DELTA;
    }

    private static void putInt(byte[] b, int off, int v) {
        for (int i = 0; i < 4; i++) b[off + i] = (byte) (v >>> (8 * i));
    }
}
