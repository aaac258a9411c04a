package dev.gale.gpu;

import java.util.List;
import java.util.Map;

/**
 * Resources granted on one node for one {@link ResourceSpec}; released as a whole.
 *
 * @param spec        what was asked for
 * @param cpus        CPUs granted (equal to {@code spec.cpus()})
 * @param memoryBytes host memory granted
 * @param gpus        the GPU shares granted, one per GPU used
 * @param custom      custom resources granted
 */
public record Allocation(ResourceSpec spec, double cpus, long memoryBytes, List<GpuShare> gpus,
                         Map<String, Double> custom) {
    public Allocation {
        gpus = List.copyOf(gpus);
        custom = Map.copyOf(custom);
    }

    /** The GPU indexes of this allocation, comma separated, for {@code CUDA_VISIBLE_DEVICES} (empty for none). */
    public String cudaVisibleDevices() {
        StringBuilder sb = new StringBuilder();
        for (GpuShare g : gpus) {
            if (!sb.isEmpty()) sb.append(',');
            sb.append(g.index());
        }
        return sb.toString();
    }
}
