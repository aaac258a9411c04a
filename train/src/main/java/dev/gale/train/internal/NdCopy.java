package dev.gale.train.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;

import java.nio.FloatBuffer;

/**
 * Writes floats into an existing NDArray's storage in place.
 *
 * <p>Not {@code NDArray.set(Buffer)}: DJL's PyTorch engine makes the tensor use the (direct) buffer's
 * memory and keeps the buffer alive only through the Java object it was called on. On a
 * {@code getGradient()} wrapper (a new object each call, closed after use) that left PyTorch's
 * {@code .grad} pointing into freed memory ("corrupted double-linked list" after a few hundred
 * steps). An indexed assignment ({@code index_put_}) copies the values into the tensor's own
 * storage instead.
 */
public final class NdCopy {
    private static final NDIndex ALL = new NDIndex(":");

    private NdCopy() {
    }

    /** Copies {@code src[off .. off + target.size())} into {@code target}, in place. */
    public static void copyInto(NDArray target, float[] src, int off) {
        int n = Math.toIntExact(target.size());
        try (NDManager m = target.getManager().newSubManager()) {
            NDArray tmp = m.create(FloatBuffer.wrap(src, off, n), target.getShape());
            if (target.getShape().dimension() == 0) {
                target.muli(0).addi(tmp);
            } else {
                target.set(ALL, tmp);
            }
        }
    }
}
