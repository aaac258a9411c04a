package dev.gale.examples.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.dataset.Sampler;
import dev.gale.examples.FashionMnist;

import java.nio.FloatBuffer;

/** The two Fashion-MNIST networks of the training examples, their data sets and their accuracy. */
public final class FashionMnistModels {
    private FashionMnistModels() {
    }

    /** {@code mlp}: 784 → 256 → ReLU → 10; {@code cnn}: two 3x3 conv + pool blocks, 128 → 10. */
    public static SequentialBlock block(String model) {
        return switch (model) {
            case "mlp" -> new SequentialBlock()
                    .add(Linear.builder().setUnits(256).build())
                    .add(Activation::relu)
                    .add(Linear.builder().setUnits(FashionMnist.CLASSES).build());
            case "cnn" -> new SequentialBlock()
                    .add(x -> new NDList(x.singletonOrThrow().reshape(-1, 1, 28, 28)))
                    .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).optPadding(new Shape(1, 1)).setFilters(16).build())
                    .add(Activation::relu)
                    .add(Pool.maxPool2dBlock(new Shape(2, 2)))
                    .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).optPadding(new Shape(1, 1)).setFilters(32).build())
                    .add(Activation::relu)
                    .add(Pool.maxPool2dBlock(new Shape(2, 2)))
                    .add(Blocks.batchFlattenBlock())
                    .add(Linear.builder().setUnits(128).build())
                    .add(Activation::relu)
                    .add(Linear.builder().setUnits(FashionMnist.CLASSES).build());
            default -> throw new IllegalArgumentException("model '" + model + "': use mlp or cnn");
        };
    }

    /** The first {@code n} images of a split as a DJL data set (images flattened to 784 floats) drawn by {@code sampler}. */
    public static ArrayDataset dataset(NDManager m, FashionMnist.Split s, int n, Sampler sampler) {
        int px = s.pixels();
        NDArray x = m.create(FloatBuffer.wrap(s.images(), 0, n * px), new Shape(n, px));
        NDArray y = m.create(FloatBuffer.wrap(s.labels(), 0, n), new Shape(n));
        return new ArrayDataset.Builder().setData(x).optLabels(y).setSampling(sampler).build();
    }

    /** Fraction of the first {@code n} images of {@code s} that {@code trainer}'s model classifies right. */
    public static double accuracy(Trainer trainer, FashionMnist.Split s, int n) {
        int px = s.pixels();
        long correct = 0;
        try (NDManager m = trainer.getManager().newSubManager()) {
            NDArray x = m.create(FloatBuffer.wrap(s.images(), 0, n * px), new Shape(n, px));
            for (int from = 0; from < n; from += 2000) {
                int to = Math.min(n, from + 2000);
                try (NDManager bm = m.newSubManager()) {
                    NDArray xb = x.get(new NDIndex("{}:{}", from, to));
                    xb.attach(bm);
                    int[] p = trainer.evaluate(new NDList(xb)).singletonOrThrow().argMax(1).toType(DataType.INT32, false).toIntArray();
                    for (int i = 0; i < p.length; i++) if (p[i] == (int) s.labels()[from + i]) correct++;
                }
            }
        }
        return (double) correct / n;
    }
}
