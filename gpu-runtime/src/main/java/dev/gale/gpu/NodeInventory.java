package dev.gale.gpu;

import java.util.List;
import java.util.Map;

/**
 * What one node offers to the cluster: CPU cores, host memory, GPUs and custom resources.
 *
 * @param cpus        logical cores offered (may be set lower than the machine has)
 * @param memoryBytes host memory offered
 * @param gpus        the GPUs, in index order
 * @param custom      named custom resources and their amounts
 */
public record NodeInventory(double cpus, long memoryBytes, List<GpuDevice> gpus, Map<String, Double> custom) {
    public NodeInventory {
        if (!Double.isFinite(cpus) || cpus < 0) throw new IllegalArgumentException("cpus = " + cpus + ": must be >= 0");
        if (memoryBytes < 0) throw new IllegalArgumentException("memoryBytes = " + memoryBytes + ": must be >= 0");
        gpus = List.copyOf(gpus);
        custom = Map.copyOf(custom);
    }
}
