package dev.gale.examples;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.GZIPInputStream;

/**
 * The Fashion-MNIST data set (60,000 training and 10,000 test images of 28x28 grey pixels, ten
 * classes), read from the gzipped IDX files of Debian's {@code dataset-fashion-mnist} package.
 *
 * <p>The directory is, in order: the system property {@value #DIR_PROPERTY}, the environment
 * variable {@value #DIR_ENV}, else {@value #DEFAULT_DIR}. It must hold
 * {@code train-images-idx3-ubyte.gz}, {@code train-labels-idx1-ubyte.gz},
 * {@code t10k-images-idx3-ubyte.gz} and {@code t10k-labels-idx1-ubyte.gz}.
 *
 * <p>Promises: {@link #train()} and {@link #test()} decode each split once per JVM (several trials
 * of one JVM share the arrays; concurrent first calls decode once); pixels are floats in [0, 1]
 * (byte / 255); a missing file fails with an {@link IllegalStateException} naming the file and the
 * fix; a malformed file fails with an {@link IOException}-based message naming the file.
 */
public final class FashionMnist {
    /** System property naming the data directory. */
    public static final String DIR_PROPERTY = "gale.fashion.dir";
    /** Environment variable naming the data directory. */
    public static final String DIR_ENV = "GALE_FASHION_MNIST";
    /** Where {@code apt-get install -y dataset-fashion-mnist} puts the files. */
    public static final String DEFAULT_DIR = "/usr/share/datasets/fashion-mnist";
    /** Number of classes. */
    public static final int CLASSES = 10;
    /** Class names, by label. */
    public static final String[] CLASS_NAMES = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
        "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"};

    private static final int IMAGES_MAGIC = 0x00000803;
    private static final int LABELS_MAGIC = 0x00000801;
    private static final Map<Path, Split> CACHE = new ConcurrentHashMap<>();

    private FashionMnist() {
    }

    /**
     * One split: {@code size} images of {@code rows x cols} pixels, row-major, flattened into
     * {@code images} (image {@code i} starts at {@code i * pixels()}), and their labels 0..9.
     * Shared between callers: do not modify the arrays.
     */
    public record Split(float[] images, float[] labels, int rows, int cols) {
        public Split {
            if (rows <= 0 || cols <= 0) throw new IllegalArgumentException("rows and cols must be > 0");
            if (images.length != (long) labels.length * rows * cols) {
                throw new IllegalArgumentException(labels.length + " labels but " + images.length
                        + " pixels: expected " + (long) labels.length * rows * cols);
            }
        }

        /** Number of images. */
        public int size() {
            return labels.length;
        }

        /** Pixels per image ({@code rows * cols}). */
        public int pixels() {
            return rows * cols;
        }

        /** Images {@code from} (inclusive) to {@code to} (exclusive) as a new split (copies). */
        public Split slice(int from, int to) {
            if (from < 0 || to > size() || from > to) {
                throw new IndexOutOfBoundsException("slice [" + from + ", " + to + ") of a split of " + size());
            }
            float[] im = new float[(to - from) * pixels()];
            System.arraycopy(images, from * pixels(), im, 0, im.length);
            float[] lb = new float[to - from];
            System.arraycopy(labels, from, lb, 0, lb.length);
            return new Split(im, lb, rows, cols);
        }
    }

    /** The data directory in use (see the class comment). */
    public static Path dir() {
        String p = System.getProperty(DIR_PROPERTY);
        if (p == null || p.isBlank()) p = System.getenv(DIR_ENV);
        if (p == null || p.isBlank()) p = DEFAULT_DIR;
        return Path.of(p);
    }

    /** The 60,000 training images (decoded once per JVM). */
    public static Split train() {
        return split(dir(), "train");
    }

    /** The 10,000 test images (decoded once per JVM). */
    public static Split test() {
        return split(dir(), "t10k");
    }

    /**
     * The split {@code prefix} ({@code train} or {@code t10k}) of the files in {@code dir}, decoded
     * once per JVM and directory.
     */
    public static Split split(Path dir, String prefix) {
        Path images = dir.resolve(prefix + "-images-idx3-ubyte.gz").toAbsolutePath().normalize();
        Split s = CACHE.get(images);
        if (s != null) return s;
        return CACHE.computeIfAbsent(images, k -> load(dir, prefix));
    }

    /** Reads the split {@code prefix} of the files in {@code dir} (no cache). */
    public static Split load(Path dir, String prefix) {
        Path imagesFile = dir.resolve(prefix + "-images-idx3-ubyte.gz");
        Path labelsFile = dir.resolve(prefix + "-labels-idx1-ubyte.gz");
        Idx images = readIdx(imagesFile, IMAGES_MAGIC);
        Idx labels = readIdx(labelsFile, LABELS_MAGIC);
        if (images.dims[0] != labels.dims[0]) {
            throw new IllegalStateException(imagesFile + " holds " + images.dims[0] + " images but " + labelsFile
                    + " holds " + labels.dims[0] + " labels: the two files do not belong together");
        }
        float[] px = new float[images.data.length];
        for (int i = 0; i < px.length; i++) {
            px[i] = (images.data[i] & 0xff) / 255f;
        }
        float[] lb = new float[labels.data.length];
        for (int i = 0; i < lb.length; i++) {
            int l = labels.data[i] & 0xff;
            if (l >= CLASSES) {
                throw new IllegalStateException(labelsFile + ": label " + l + " at index " + i + " is not a class 0..9");
            }
            lb[i] = l;
        }
        return new Split(px, lb, images.dims[1], images.dims[2]);
    }

    private record Idx(int[] dims, byte[] data) {
    }

    /** Reads a gzipped IDX file of unsigned bytes with the given magic number. */
    private static Idx readIdx(Path file, int magic) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException("Fashion-MNIST file " + file + " not found: install the data set with "
                    + "'apt-get install -y dataset-fashion-mnist' (it goes to " + DEFAULT_DIR + "), or point -D"
                    + DIR_PROPERTY + "=DIR or " + DIR_ENV + "=DIR at a directory holding "
                    + "{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz");
        }
        try (InputStream raw = Files.newInputStream(file);
             DataInputStream in = new DataInputStream(new BufferedInputStream(new GZIPInputStream(raw, 1 << 16), 1 << 16))) {
            int m = in.readInt();
            if (m != magic) {
                throw new IOException(String.format("magic number 0x%08x, expected 0x%08x", m, magic));
            }
            int nd = magic & 0xff;
            int[] dims = new int[nd];
            long count = 1;
            for (int i = 0; i < nd; i++) {
                dims[i] = in.readInt();
                if (dims[i] <= 0) throw new IOException("dimension " + i + " is " + dims[i]);
                count *= dims[i];
            }
            if (count > Integer.MAX_VALUE - 8) throw new IOException("too large: " + count + " values");
            byte[] data = new byte[(int) count];
            in.readFully(data);
            return new Idx(dims, data);
        } catch (EOFException e) {
            throw new UncheckedIOException("Fashion-MNIST file " + file + " is truncated: reinstall it "
                    + "('apt-get install --reinstall -y dataset-fashion-mnist')", e);
        } catch (IOException e) {
            throw new UncheckedIOException("Fashion-MNIST file " + file + " is not a gzipped IDX file: " + e.getMessage(), e);
        }
    }
}
