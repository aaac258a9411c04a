package dev.gale.train;

import ai.djl.ndarray.NDArray;

/**
 * Collective operations among the workers of one group, over the group's data plane (direct TCP
 * between workers — TLS on a TLS cluster — and shared memory between workers on one host; never the
 * cluster's actor transport).
 *
 * <p>Promises: every rank must call the same operations in the same order with buffers of the same
 * length (a mismatch is detected where it can be and fails every rank). {@link #allReduce} leaves
 * the element-wise sum of all ranks' buffers in every rank's buffer, bit-identical on every rank.
 * An operation that cannot complete — a peer died, closed, or made no progress within the group's
 * collective timeout (default 30 s) — throws {@link CollectiveException} on every rank that is
 * still alive, and every later operation throws at once: a broken group never hangs.
 */
public interface Collective {
    /** This worker's rank, 0 .. worldSize-1. */
    int rank();

    /** Number of workers in the group. */
    int worldSize();

    /** Sums {@code data[offset .. offset+length)} over all ranks, in place. */
    void allReduce(float[] data, int offset, int length);

    /** Sums {@code data} over all ranks, in place. */
    default void allReduce(float[] data) {
        allReduce(data, 0, data.length);
    }

    /** Sums a float32 {@code array} over all ranks, in place (the array keeps its identity). */
    void allReduce(NDArray array);

    /** Copies {@code root}'s {@code data} into every rank's {@code data}. */
    void broadcast(float[] data, int root);

    /** Copies {@code root}'s float32 {@code array} into every rank's array, in place. */
    void broadcast(NDArray array, int root);

    /** Copies {@code root}'s bytes to every rank; the other ranks' argument is ignored. */
    byte[] broadcastBytes(byte[] data, int root);

    /** Returns once every rank has called it. */
    void barrier();

    /**
     * How this rank's all-reduce data travels to and from its neighbours: {@code "shared memory"}
     * (both on this host), {@code "TCP"}, {@code "TLS"}, {@code "none"} (a group of one), or both
     * kinds named when its two neighbours differ.
     */
    String dataPlane();
}
