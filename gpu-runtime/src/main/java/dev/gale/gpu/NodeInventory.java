package dev.gale.gpu;

import java.util.List;
import java.util.Map;

/**
 * What one node offers to the cluster: CPU cores, host memory, GPUs and custom resources.
 *
 * <p>Promises: every instance is valid and immutable: amounts are finite and {@code >= 0}, GPU
 * indexes are distinct, custom resource names are not blank. Build one with
 * {@link InventoryDiscovery#discover()} or by hand (tests, {@code --resources}).
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
        for (int i = 0; i < gpus.size(); i++) {
            for (int j = 0; j < i; j++) {
                if (gpus.get(i).index() == gpus.get(j).index()) {
                    throw new IllegalArgumentException("gpus: index " + gpus.get(i).index() + " appears twice");
                }
            }
        }
        custom = Map.copyOf(custom);
        for (Map.Entry<String, Double> e : custom.entrySet()) {
            if (e.getKey().isBlank()) throw new IllegalArgumentException("custom resource name is blank");
            double v = e.getValue();
            if (!Double.isFinite(v) || v < 0) {
                throw new IllegalArgumentException("custom." + e.getKey() + " = " + v + ": must be a finite number >= 0");
            }
        }
    }
}
