package dev.gale.train.internal;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** Values written through a gradient wrapper that is then closed stay in PyTorch's own .grad storage. */
class NdCopyTest {
    @Test
    void gradientWrittenThroughAClosedWrapperSurvivesGarbageCollection() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray w = m.create(new float[4096], new Shape(64, 64));
            w.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(w.mul(2).sum());
            }
            float[] want = new float[4096];
            for (int round = 0; round < 50; round++) {
                for (int i = 0; i < want.length; i++) want[i] = round * 10_000 + i;
                try (NDArray g = w.getGradient()) {
                    NdCopy.copyInto(g, want, 0);
                }
                System.gc();
                byte[][] churn = new byte[64][];
                for (int k = 0; k < churn.length; k++) churn[k] = new byte[1 << 16];
                try (NDArray g = w.getGradient()) {
                    assertArrayEquals(want, g.toFloatArray(), "round " + round);
                }
            }
            NDArray p = m.create(new float[]{1, 2, 3}, new Shape(3));
            NdCopy.copyInto(p, new float[]{0, 7, 8, 9}, 1);
            assertArrayEquals(new float[]{7, 8, 9}, p.toFloatArray());
        }
    }
}
