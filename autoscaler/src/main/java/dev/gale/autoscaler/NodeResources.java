package dev.gale.autoscaler;

import dev.gale.cluster.Bundle;
import dev.gale.cluster.NodeShape;
import dev.gale.gpu.GpuDevice;
import dev.gale.gpu.NodeInventory;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one node of a {@link NodeType} offers: CPUs, memory, GPUs (count, memory each, accelerator
 * type), custom resources and node labels.
 *
 * <p>Promises: every instance is valid: amounts are finite and {@code >= 0}, at least some CPU,
 * GPU memory only with GPUs, labels as {@link Bundle#checkLabels} accepts them and none of the
 * labels the autoscaler sets itself ({@link NodeType#LABEL_CLUSTER}, {@link NodeType#LABEL_INSTANCE},
 * {@link NodeType#LABEL_TYPE}). {@link #shape()} is the shape the placement engine sees.
 *
 * @param cpus            logical cores
 * @param memoryBytes     host memory
 * @param gpus            whole GPUs (0 for none)
 * @param gpuMemoryBytes  memory of each GPU (0: unknown, counts as 0)
 * @param acceleratorType the GPU model (e.g. {@code A100}); matched by {@code ResourceSpec.acceleratorType}
 * @param custom          custom resources and their amounts
 * @param labels          node labels (matched by bundles' label selectors)
 */
public record NodeResources(double cpus, long memoryBytes, int gpus, long gpuMemoryBytes, String acceleratorType,
                            Map<String, Double> custom, Map<String, String> labels) {
    public NodeResources {
        if (!Double.isFinite(cpus) || cpus <= 0) throw new IllegalArgumentException("cpus = " + cpus + ": a node type offers at least some CPU (> 0)");
        if (memoryBytes < 0) throw new IllegalArgumentException("memory = " + memoryBytes + ": must be >= 0");
        if (gpus < 0) throw new IllegalArgumentException("gpus = " + gpus + ": must be >= 0");
        if (gpuMemoryBytes < 0) throw new IllegalArgumentException("gpuMemory = " + gpuMemoryBytes + ": must be >= 0");
        if (gpuMemoryBytes > 0 && gpus == 0) {
            throw new IllegalArgumentException("gpuMemory is set but gpus = 0: set gpus (the number of GPUs of one node) as well");
        }
        acceleratorType = acceleratorType == null ? "" : acceleratorType.strip();
        if (!acceleratorType.isEmpty() && gpus == 0) {
            throw new IllegalArgumentException("acceleratorType '" + acceleratorType + "' is set but gpus = 0: set gpus as well");
        }
        TreeMap<String, Double> c = new TreeMap<>();
        if (custom != null) {
            for (Map.Entry<String, Double> e : custom.entrySet()) {
                if (e.getKey() == null || e.getKey().isBlank()) throw new IllegalArgumentException("custom: a resource name is blank");
                if (e.getValue() == null || !Double.isFinite(e.getValue()) || e.getValue() < 0) {
                    throw new IllegalArgumentException("custom." + e.getKey() + " = " + e.getValue() + ": must be a number >= 0");
                }
                c.put(e.getKey().strip(), e.getValue());
            }
        }
        custom = java.util.Collections.unmodifiableMap(c);
        labels = Bundle.checkLabels("labels", labels);
        for (String reserved : List.of(NodeType.LABEL_CLUSTER, NodeType.LABEL_INSTANCE, NodeType.LABEL_TYPE)) {
            if (labels.containsKey(reserved)) {
                throw new IllegalArgumentException("labels: '" + reserved + "' is set by the autoscaler on every node it launches; use another name");
            }
        }
    }

    /** A CPU-only node of {@code cpus} cores and {@code memoryBytes}, no labels. */
    public static NodeResources cpu(double cpus, long memoryBytes) {
        return new NodeResources(cpus, memoryBytes, 0, 0, "", Map.of(), Map.of());
    }

    /** These resources with {@code n} GPUs of {@code memoryEach} and model {@code type}. */
    public NodeResources withGpus(int n, long memoryEach, String type) {
        return new NodeResources(cpus, memoryBytes, n, memoryEach, type, custom, labels);
    }

    /** These resources with node labels. */
    public NodeResources withLabels(Map<String, String> l) {
        return new NodeResources(cpus, memoryBytes, gpus, gpuMemoryBytes, acceleratorType, custom, l);
    }

    /** These resources with one more custom resource. */
    public NodeResources withCustom(String name, double amount) {
        TreeMap<String, Double> c = new TreeMap<>(custom);
        c.put(name, amount);
        return new NodeResources(cpus, memoryBytes, gpus, gpuMemoryBytes, acceleratorType, c, labels);
    }

    /** What a node of this type offers, as the cluster's inventory (GPUs named after the accelerator type). */
    public NodeInventory inventory() {
        List<GpuDevice> g = new ArrayList<>(gpus);
        String name = acceleratorType.isEmpty() ? "GPU" : acceleratorType;
        for (int i = 0; i < gpus; i++) g.add(new GpuDevice(i, "", name, gpuMemoryBytes, 0, 0));
        return new NodeInventory(cpus, memoryBytes, g, custom);
    }

    /** The shape of an empty node of this type (inventory and labels), as the placement engine sees it. */
    public NodeShape shape() {
        return new NodeShape(inventory(), labels);
    }

    /** The {@code --resources} argument of a node of this type: cpus, memory and custom resources (GPUs are discovered). */
    public String resourcesArgument() {
        StringBuilder sb = new StringBuilder("cpus=").append(num(cpus));
        if (memoryBytes > 0) sb.append(",memory=").append(memoryBytes);
        custom.forEach((k, v) -> sb.append(',').append(k).append('=').append(num(v)));
        return sb.toString();
    }

    private static String num(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%s", v);
    }
}
