package dev.gale.gpu;

/**
 * One GPU of a node as discovered (for example from {@code nvidia-smi}).
 *
 * <p>Promises: {@code index >= 0}, {@code memoryTotalBytes >= 0}, {@code uuid} and {@code name}
 * never null. Memory used and utilization are a snapshot, not kept up to date.
 *
 * @param index            the device index CUDA uses ({@code CUDA_VISIBLE_DEVICES}, DJL {@code Device.gpu(i)})
 * @param uuid             the stable device id, e.g. {@code GPU-8f3a...}
 * @param name             the model name, e.g. {@code NVIDIA A100-SXM4-40GB}
 * @param memoryTotalBytes total device memory
 * @param memoryUsedBytes  memory in use when sampled
 * @param utilization      utilization in percent (0–100) when sampled
 */
public record GpuDevice(int index, String uuid, String name, long memoryTotalBytes, long memoryUsedBytes,
                        double utilization) {
    public GpuDevice {
        if (index < 0) throw new IllegalArgumentException("index = " + index + ": must be >= 0");
        if (memoryTotalBytes < 0) throw new IllegalArgumentException("memoryTotalBytes must be >= 0");
        uuid = uuid == null ? "" : uuid;
        name = name == null ? "" : name;
    }
}
