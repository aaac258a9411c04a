package dev.gale.gpu;

/**
 * The part of one GPU granted to an allocation.
 *
 * @param index       the GPU's device index
 * @param fraction    the share of the GPU's compute, 0 &lt; fraction &lt;= 1
 * @param memoryBytes the GPU memory reserved on it: the request's budget, or when it had none the whole
 *                    memory (whole GPU) or {@code fraction} of it (a share), see {@link NodeAllocator}
 */
public record GpuShare(int index, double fraction, long memoryBytes) {
    public GpuShare {
        if (index < 0) throw new IllegalArgumentException("index must be >= 0");
        if (!(fraction > 0 && fraction <= 1)) throw new IllegalArgumentException("fraction = " + fraction + ": must be in (0, 1]");
        if (memoryBytes < 0) throw new IllegalArgumentException("memoryBytes must be >= 0");
    }
}
