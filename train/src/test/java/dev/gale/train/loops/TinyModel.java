package dev.gale.train.loops;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.util.Pair;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** A small MLP and a seeded synthetic data set shared by the tests and their worker loops. */
public final class TinyModel {
    public static final int IN = 20;
    public static final int HIDDEN = 32;
    public static final int CLASSES = 4;

    private TinyModel() {
    }

    public static Model model() {
        SequentialBlock b = new SequentialBlock()
                .add(Linear.builder().setUnits(HIDDEN).build())
                .add(Activation::relu)
                .add(Linear.builder().setUnits(CLASSES).build());
        Model m = Model.newInstance("tiny");
        m.setBlock(b);
        return m;
    }

    public static Trainer trainer(Model m, boolean adam) {
        return trainer(m, adam ? Optimizer.adam().optLearningRateTracker(Tracker.fixed(1e-2f)).build()
                : Optimizer.sgd().setLearningRateTracker(Tracker.fixed(0.1f)).build());
    }

    public static Trainer trainer(Model m, Optimizer optimizer) {
        DefaultTrainingConfig cfg = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss()).optOptimizer(optimizer);
        Trainer t = m.newTrainer(cfg);
        t.initialize(new Shape(1, IN));
        return t;
    }

    /** Sample {@code i} of the synthetic set: features and label, the same in every JVM. */
    public static float[] features(int from, int n) {
        float[] x = new float[n * IN];
        for (int i = 0; i < n; i++) {
            SplittableRandom r = new SplittableRandom(1000L + from + i);
            for (int j = 0; j < IN; j++) x[i * IN + j] = (float) r.nextGaussian();
        }
        return x;
    }

    public static float[] labels(int from, int n) {
        float[] y = new float[n];
        for (int i = 0; i < n; i++) y[i] = new SplittableRandom(7000L + from + i).nextInt(CLASSES);
        return y;
    }

    public static NDList data(NDManager mgr, int from, int n) {
        return new NDList(mgr.create(features(from, n), new Shape(n, IN)));
    }

    public static NDList label(NDManager mgr, int from, int n) {
        return new NDList(mgr.create(labels(from, n), new Shape(n)));
    }

    /** The model's parameters (trainable ones, in block order) as one flat array. */
    public static float[] params(Trainer t) {
        List<float[]> parts = new ArrayList<>();
        int n = 0;
        for (Pair<String, Parameter> e : t.getModel().getBlock().getParameters()) {
            float[] v = e.getValue().getArray().toFloatArray();
            parts.add(v);
            n += v.length;
        }
        float[] out = new float[n];
        int pos = 0;
        for (float[] v : parts) {
            System.arraycopy(v, 0, out, pos, v.length);
            pos += v.length;
        }
        return out;
    }

    /** The gradients in the same order. */
    public static float[] grads(Trainer t) {
        List<float[]> parts = new ArrayList<>();
        int n = 0;
        for (Pair<String, Parameter> e : t.getModel().getBlock().getParameters()) {
            try (NDArray g = e.getValue().getArray().getGradient()) {
                float[] v = g.toFloatArray();
                parts.add(v);
                n += v.length;
            }
        }
        float[] out = new float[n];
        int pos = 0;
        for (float[] v : parts) {
            System.arraycopy(v, 0, out, pos, v.length);
            pos += v.length;
        }
        return out;
    }

    /** Sets the parameters from a flat array (inverse of {@link #params}). */
    public static void setParams(Trainer t, float[] flat) {
        int pos = 0;
        for (Pair<String, Parameter> e : t.getModel().getBlock().getParameters()) {
            NDArray a = e.getValue().getArray();
            int n = Math.toIntExact(a.size());
            float[] v = new float[n];
            System.arraycopy(flat, pos, v, 0, n);
            a.set(v);
            pos += n;
        }
    }

    public static void write(Path f, float[] v) throws IOException {
        Files.createDirectories(f.getParent());
        Path tmp = f.resolveSibling(f.getFileName() + ".tmp");
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(tmp))) {
            out.writeInt(v.length);
            for (float x : v) out.writeFloat(x);
        }
        Files.move(tmp, f, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    public static float[] read(Path f) throws IOException {
        try (DataInputStream in = new DataInputStream(Files.newInputStream(f))) {
            float[] v = new float[in.readInt()];
            for (int i = 0; i < v.length; i++) v[i] = in.readFloat();
            return v;
        }
    }
}
