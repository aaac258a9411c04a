package dev.gale.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FashionMnistTest {
    @TempDir
    Path dir;

    /** Writes a gzipped IDX file: magic, dims, then the bytes. */
    static void writeIdx(Path file, int magic, int[] dims, byte[] data) throws IOException {
        try (DataOutputStream out = new DataOutputStream(new GZIPOutputStream(Files.newOutputStream(file)))) {
            out.writeInt(magic);
            for (int d : dims) out.writeInt(d);
            out.write(data);
        }
    }

    /** Three 2x3 images with pixels 0, 51, 255, ... and labels 7, 0, 9. */
    private void writeSmallSet(String prefix) throws IOException {
        byte[] px = new byte[3 * 2 * 3];
        for (int i = 0; i < px.length; i++) px[i] = (byte) (i * 15);
        px[0] = 0;
        px[1] = (byte) 255;
        px[2] = (byte) 51;
        writeIdx(dir.resolve(prefix + "-images-idx3-ubyte.gz"), 0x803, new int[] {3, 2, 3}, px);
        writeIdx(dir.resolve(prefix + "-labels-idx1-ubyte.gz"), 0x801, new int[] {3}, new byte[] {7, 0, 9});
    }

    @Test
    void readsImagesAndLabelsScaledToUnitInterval() throws IOException {
        writeSmallSet("train");
        FashionMnist.Split s = FashionMnist.load(dir, "train");
        assertEquals(3, s.size());
        assertEquals(2, s.rows());
        assertEquals(3, s.cols());
        assertEquals(6, s.pixels());
        assertEquals(18, s.images().length);
        assertEquals(0f, s.images()[0]);
        assertEquals(1f, s.images()[1]);
        assertEquals(0.2f, s.images()[2], 1e-6);
        assertEquals((17 * 15) / 255f, s.images()[17], 1e-6);
        assertArrayEquals(new float[] {7, 0, 9}, s.labels());
    }

    @Test
    void sliceCopiesARange() throws IOException {
        writeSmallSet("train");
        FashionMnist.Split s = FashionMnist.load(dir, "train").slice(1, 3);
        assertEquals(2, s.size());
        assertArrayEquals(new float[] {0, 9}, s.labels());
        assertEquals((6 * 15) / 255f, s.images()[0], 1e-6);
        assertThrows(IndexOutOfBoundsException.class, () -> s.slice(1, 3));
    }

    @Test
    void splitIsDecodedOncePerDirectory() throws IOException {
        writeSmallSet("t10k");
        FashionMnist.Split a = FashionMnist.split(dir, "t10k");
        FashionMnist.Split b = FashionMnist.split(dir, "t10k");
        assertSame(a, b);
    }

    @Test
    void missingFileNamesTheFileAndTheFix() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> FashionMnist.load(dir, "train"));
        assertTrue(e.getMessage().contains(dir.resolve("train-images-idx3-ubyte.gz").toString()), e.getMessage());
        assertTrue(e.getMessage().contains("apt-get install -y dataset-fashion-mnist"), e.getMessage());
        assertTrue(e.getMessage().contains(FashionMnist.DIR_PROPERTY), e.getMessage());
    }

    @Test
    void missingLabelsFileIsNamed() throws IOException {
        writeSmallSet("train");
        Files.delete(dir.resolve("train-labels-idx1-ubyte.gz"));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> FashionMnist.load(dir, "train"));
        assertTrue(e.getMessage().contains("train-labels-idx1-ubyte.gz"), e.getMessage());
    }

    @Test
    void wrongMagicNumberIsReported() throws IOException {
        writeSmallSet("train");
        // labels where images are expected
        writeIdx(dir.resolve("train-images-idx3-ubyte.gz"), 0x801, new int[] {3}, new byte[] {1, 2, 3});
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> FashionMnist.load(dir, "train"));
        assertTrue(e.getMessage().contains("magic number 0x00000801, expected 0x00000803"), e.getMessage());
    }

    @Test
    void truncatedFileIsReported() throws IOException {
        writeSmallSet("train");
        writeIdx(dir.resolve("train-images-idx3-ubyte.gz"), 0x803, new int[] {3, 2, 3}, new byte[5]);
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> FashionMnist.load(dir, "train"));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void imagesAndLabelsMustAgreeInCount() throws IOException {
        writeSmallSet("train");
        writeIdx(dir.resolve("train-labels-idx1-ubyte.gz"), 0x801, new int[] {2}, new byte[] {1, 2});
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> FashionMnist.load(dir, "train"));
        assertTrue(e.getMessage().contains("3 images but"), e.getMessage());
    }

    @Test
    void labelOutsideTheTenClassesIsRejected() throws IOException {
        writeSmallSet("train");
        writeIdx(dir.resolve("train-labels-idx1-ubyte.gz"), 0x801, new int[] {3}, new byte[] {1, 10, 2});
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> FashionMnist.load(dir, "train"));
        assertTrue(e.getMessage().contains("label 10 at index 1"), e.getMessage());
    }

    @Test
    void directoryComesFromThePropertyFirst() {
        String old = System.getProperty(FashionMnist.DIR_PROPERTY);
        try {
            System.setProperty(FashionMnist.DIR_PROPERTY, dir.toString());
            assertEquals(dir, FashionMnist.dir());
        } finally {
            if (old == null) System.clearProperty(FashionMnist.DIR_PROPERTY);
            else System.setProperty(FashionMnist.DIR_PROPERTY, old);
        }
    }
}
