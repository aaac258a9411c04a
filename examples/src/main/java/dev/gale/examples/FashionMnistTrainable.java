package dev.gale.examples;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Adam;
import ai.djl.training.tracker.Tracker;
import dev.gale.gpu.DjlRuntime;
import dev.gale.tune.Checkpoint;
import dev.gale.tune.Config;
import dev.gale.tune.Trainable;
import dev.gale.tune.TrialContext;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * A multi-layer perceptron on Fashion-MNIST (784 → hidden → ReLU → dropout → 10), trained with
 * Adam on DJL's PyTorch engine; the trainable of the Fashion-MNIST tuning example.
 *
 * <p>Config keys (all optional): {@value #HIDDEN} (units of the hidden layer, default 256),
 * {@value #LR} (Adam learning rate, 1e-3), {@value #BATCH_SIZE} (128), {@value #DROPOUT} (0.2),
 * {@value #EPOCHS} (epochs to train in total, 3), {@value #TRAIN_SUBSET} (training images used per
 * epoch, 20,000; at most 60,000 minus the validation part), {@value #VAL_SIZE} (images held out
 * at the end of the training set for {@code val_accuracy}, 5,000), {@value #TEST_SIZE} (test
 * images for {@code test_accuracy}, 10,000), {@value #SEED} (shuffling seed, 42).
 *
 * <p>Each epoch it reports {@code epoch}, {@code loss} (mean training loss of the epoch),
 * {@code val_accuracy}, {@code test_accuracy}, {@code samples_per_s} (training samples per second
 * of the epoch, evaluation excluded) and {@code train_s}, with a checkpoint holding the model
 * parameters and the epoch. Given a checkpoint ({@code ctx.checkpoint()}) it resumes: it loads
 * the parameters and goes on with the next epoch (Adam's moments start afresh). It runs on
 * {@code ctx.device()}.
 */
public class FashionMnistTrainable implements Trainable {
    public static final String HIDDEN = "hidden";
    public static final String LR = "lr";
    public static final String BATCH_SIZE = "batch_size";
    public static final String DROPOUT = "dropout";
    public static final String EPOCHS = "epochs";
    public static final String TRAIN_SUBSET = "train_subset";
    public static final String VAL_SIZE = "val_size";
    public static final String TEST_SIZE = "test_size";
    public static final String SEED = "seed";

    /** Name of the parameter file prefix inside a checkpoint. */
    static final String MODEL_NAME = "mlp";
    private static final int EVAL_BATCH = 2_000;

    /** Public no-argument constructor, so the trainable can be run by class name. */
    public FashionMnistTrainable() {
    }

    @Override
    public void train(TrialContext ctx) throws IOException, MalformedModelException {
        Config c = ctx.config();
        int hidden = c.getInt(HIDDEN, 256);
        float lr = (float) c.getDouble(LR, 1e-3);
        int batchSize = c.getInt(BATCH_SIZE, 128);
        float dropout = (float) c.getDouble(DROPOUT, 0.2);
        int epochs = c.getInt(EPOCHS, 3);
        int valSize = c.getInt(VAL_SIZE, 5_000);
        int testSize = c.getInt(TEST_SIZE, 10_000);
        long seed = c.has(SEED) ? c.getLong(SEED) : 42L;
        require(hidden >= 1, HIDDEN + " = " + hidden + ": must be >= 1");
        require(lr > 0 && Float.isFinite(lr), LR + " = " + lr + ": must be > 0");
        require(batchSize >= 1, BATCH_SIZE + " = " + batchSize + ": must be >= 1");
        require(dropout >= 0 && dropout < 1, DROPOUT + " = " + dropout + ": must be in [0, 1)");
        require(epochs >= 1, EPOCHS + " = " + epochs + ": must be >= 1");

        FashionMnist.Split all = FashionMnist.train();
        FashionMnist.Split test = FashionMnist.test();
        require(valSize >= 1 && valSize < all.size(), VAL_SIZE + " = " + valSize + ": must be in [1, " + all.size() + ")");
        int maxTrain = all.size() - valSize;
        int trainSize = c.getInt(TRAIN_SUBSET, Math.min(20_000, maxTrain));
        require(trainSize >= 1 && trainSize <= maxTrain, TRAIN_SUBSET + " = " + trainSize + ": must be in [1, " + maxTrain
                + "] (60,000 training images minus " + VAL_SIZE + " " + valSize + ")");
        testSize = Math.max(1, Math.min(testSize, test.size()));

        int startEpoch = 0;
        Device device = ctx.device();
        try (Model model = Model.newInstance(MODEL_NAME, device, "PyTorch")) {
            model.setBlock(mlp(hidden, dropout));
            Optional<Checkpoint> resume = ctx.checkpoint();
            if (resume.isPresent()) {
                Map<String, Object> data = resume.get().loadData();
                startEpoch = ((Number) data.get("epoch")).intValue();
                model.load(resume.get().path(), MODEL_NAME);
            }
            if (startEpoch >= epochs) {
                return;
            }
            DefaultTrainingConfig cfg = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                    .optOptimizer(Adam.builder().optLearningRateTracker(Tracker.fixed(lr)).build())
                    .optDevices(new Device[] {device});
            try (Trainer trainer = model.newTrainer(cfg)) {
                trainer.initialize(new Shape(1, all.pixels()));
                NDManager m = trainer.getManager();
                int px = all.pixels();
                NDArray xTrain = m.create(java.nio.FloatBuffer.wrap(all.images(), 0, trainSize * px), new Shape(trainSize, px));
                NDArray yTrain = m.create(java.nio.FloatBuffer.wrap(all.labels(), 0, trainSize), new Shape(trainSize));
                int valFrom = all.size() - valSize;
                NDArray xVal = m.create(java.nio.FloatBuffer.wrap(all.images(), valFrom * px, valSize * px), new Shape(valSize, px));
                float[] yVal = java.util.Arrays.copyOfRange(all.labels(), valFrom, all.size());
                NDArray xTest = m.create(java.nio.FloatBuffer.wrap(test.images(), 0, testSize * px), new Shape(testSize, px));
                float[] yTest = java.util.Arrays.copyOf(test.labels(), testSize);

                for (int epoch = startEpoch + 1; epoch <= epochs; epoch++) {
                    long t0 = System.nanoTime();
                    double lossSum = 0;
                    int batches = 0;
                    try (NDManager em = m.newSubManager()) {
                        NDArray perm = em.create(permutation(trainSize, new SplittableRandom(seed * 1_000_003L + epoch)));
                        NDArray xs = xTrain.get(perm);
                        NDArray ys = yTrain.get(perm);
                        xs.attach(em);
                        ys.attach(em);
                        for (int from = 0; from < trainSize; from += batchSize) {
                            int to = Math.min(trainSize, from + batchSize);
                            try (NDManager bm = em.newSubManager()) {
                                NDIndex idx = new NDIndex("{}:{}", from, to);
                                NDArray x = xs.get(idx);
                                NDArray y = ys.get(idx);
                                x.attach(bm);
                                y.attach(bm);
                                // DJL's own collector allows one per process; trials share the JVM
                                try (GradientCollector gc = DjlRuntime.newGradientCollector(trainer)) {
                                    NDList pred = trainer.forward(new NDList(x));
                                    NDArray loss = trainer.getLoss().evaluate(new NDList(y), pred);
                                    gc.backward(loss);
                                    lossSum += loss.getFloat();
                                }
                                trainer.step();
                                batches++;
                            }
                        }
                    }
                    double trainS = (System.nanoTime() - t0) / 1e9;
                    double valAcc = accuracy(trainer, xVal, yVal);
                    double testAcc = accuracy(trainer, xTest, yTest);

                    Map<String, Object> metrics = new LinkedHashMap<>();
                    metrics.put("epoch", epoch);
                    metrics.put("loss", lossSum / Math.max(1, batches));
                    metrics.put("val_accuracy", valAcc);
                    metrics.put("test_accuracy", testAcc);
                    metrics.put("samples_per_s", trainSize / trainS);
                    metrics.put("train_s", trainS);
                    Checkpoint ckpt = Checkpoint.ofData(Map.of("epoch", epoch, HIDDEN, hidden));
                    try {
                        model.save(ckpt.path(), MODEL_NAME);
                        ctx.report(metrics, ckpt); // throws TrialStoppedException when stopped: let it go
                    } finally {
                        deleteTree(ckpt.path());
                    }
                }
            }
        }
    }

    /** The network: 784 → hidden → ReLU → dropout → 10 (logits). */
    static SequentialBlock mlp(int hidden, float dropout) {
        SequentialBlock b = new SequentialBlock()
                .add(Linear.builder().setUnits(hidden).build())
                .add(Activation::relu);
        if (dropout > 0) {
            b.add(Dropout.builder().optRate(dropout).build());
        }
        return b.add(Linear.builder().setUnits(FashionMnist.CLASSES).build());
    }

    /** Fraction of rows of {@code x} whose arg-max prediction equals the label. */
    static double accuracy(Trainer trainer, NDArray x, float[] labels) {
        long n = x.getShape().get(0);
        long correct = 0;
        for (long from = 0; from < n; from += EVAL_BATCH) {
            long to = Math.min(n, from + EVAL_BATCH);
            try (NDManager bm = x.getManager().newSubManager()) {
                NDArray xb = x.get(new NDIndex("{}:{}", from, to));
                xb.attach(bm);
                NDArray pred = trainer.evaluate(new NDList(xb)).singletonOrThrow().argMax(1).toType(DataType.INT32, false);
                int[] p = pred.toIntArray();
                for (int i = 0; i < p.length; i++) {
                    if (p[i] == (int) labels[(int) from + i]) correct++;
                }
            }
        }
        return (double) correct / n;
    }

    private static long[] permutation(int n, SplittableRandom rnd) {
        long[] p = new long[n];
        for (int i = 0; i < n; i++) p[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            long t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    private static void require(boolean ok, String message) {
        if (!ok) throw new IllegalArgumentException(message);
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            // a temporary directory left behind is harmless
        }
    }
}
