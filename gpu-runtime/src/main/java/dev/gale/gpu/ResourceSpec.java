package dev.gale.gpu;

import java.util.Map;
import java.util.TreeMap;

/**
 * The resources one unit of work (a trial, a task, a training worker) needs on a single node.
 *
 * <p>Promises: every instance is valid. The compact constructor rejects negative or non-finite
 * amounts, fractional GPU counts above one (more than one GPU must be whole), a GPU-memory budget
 * without a GPU, and blank custom resource names, each with a message naming the field and the
 * fix. {@code gpus} between 0 and 1 asks for a share of one GPU; {@code gpuMemoryBytes} is a
 * budget on each granted GPU (a fraction of one GPU when {@code gpus < 1}). {@code acceleratorType}
 * (for example {@code "A100"}) is matched as a case-insensitive substring of the GPU name; empty
 * means any; it is ignored when {@code gpus == 0}. How a {@link NodeAllocator} grants a spec is
 * described there.
 *
 * @param cpus            logical CPU cores, may be fractional (0 allowed)
 * @param gpus            whole GPUs (1, 2, ...) or a fraction of one GPU (0 &lt; gpus &lt; 1)
 * @param gpuMemoryBytes  GPU memory needed on each granted GPU, 0 for no budget
 * @param memoryBytes     host memory, 0 for no reservation
 * @param custom          named custom resources (for example {@code "license": 1}), amounts &gt;= 0
 * @param acceleratorType required GPU model substring, empty for any
 */
public record ResourceSpec(double cpus, double gpus, long gpuMemoryBytes, long memoryBytes,
                           Map<String, Double> custom, String acceleratorType) {

    /** One CPU, nothing else: the default of a trial, as in Ray Tune. */
    public static final ResourceSpec DEFAULT = new ResourceSpec(1, 0, 0, 0, Map.of(), "");

    public ResourceSpec {
        requireAmount("cpus", cpus);
        requireAmount("gpus", gpus);
        if (gpus > 1 && gpus != Math.rint(gpus)) {
            throw new IllegalArgumentException("gpus = " + gpus
                    + ": more than one GPU must be a whole number (use 2, or a fraction below 1)");
        }
        if (gpuMemoryBytes < 0) {
            throw new IllegalArgumentException("gpuMemoryBytes = " + gpuMemoryBytes + ": must be >= 0");
        }
        if (gpuMemoryBytes > 0 && gpus == 0) {
            throw new IllegalArgumentException("gpuMemoryBytes = " + gpuMemoryBytes
                    + " without gpus: set gpus (a fraction such as 0.5 or a whole number) as well");
        }
        if (memoryBytes < 0) {
            throw new IllegalArgumentException("memoryBytes = " + memoryBytes + ": must be >= 0");
        }
        if (custom == null) throw new IllegalArgumentException("custom is null: use Map.of() for none");
        TreeMap<String, Double> copy = new TreeMap<>();
        for (Map.Entry<String, Double> e : custom.entrySet()) {
            if (e.getKey() == null || e.getKey().isBlank()) {
                throw new IllegalArgumentException("custom resource name is blank: give each custom resource a name");
            }
            if (e.getValue() == null) {
                throw new IllegalArgumentException("custom." + e.getKey() + " is null: give an amount >= 0");
            }
            requireAmount("custom." + e.getKey(), e.getValue());
            copy.put(e.getKey(), e.getValue());
        }
        custom = Map.copyOf(copy);
        acceleratorType = acceleratorType == null ? "" : acceleratorType.trim();
    }

    private static void requireAmount(String field, double v) {
        if (!Double.isFinite(v) || v < 0) {
            throw new IllegalArgumentException(field + " = " + v + ": must be a finite number >= 0");
        }
    }

    /** A spec of {@code cpus} CPUs and nothing else. */
    public static ResourceSpec ofCpus(double cpus) {
        return new ResourceSpec(cpus, 0, 0, 0, Map.of(), "");
    }

    /** This spec with {@code cpus} CPUs. */
    public ResourceSpec withCpus(double cpus) {
        return new ResourceSpec(cpus, gpus, gpuMemoryBytes, memoryBytes, custom, acceleratorType);
    }

    /** This spec with {@code gpus} GPUs (whole, or a fraction of one). */
    public ResourceSpec withGpus(double gpus) {
        return new ResourceSpec(cpus, gpus, gpuMemoryBytes, memoryBytes, custom, acceleratorType);
    }

    /** This spec with a GPU-memory budget per granted GPU. */
    public ResourceSpec withGpuMemory(long bytes) {
        return new ResourceSpec(cpus, gpus, bytes, memoryBytes, custom, acceleratorType);
    }

    /** This spec with a host-memory reservation. */
    public ResourceSpec withMemory(long bytes) {
        return new ResourceSpec(cpus, gpus, gpuMemoryBytes, bytes, custom, acceleratorType);
    }

    /** This spec with one more custom resource. */
    public ResourceSpec withCustom(String name, double amount) {
        TreeMap<String, Double> m = new TreeMap<>(custom);
        m.put(name, amount);
        return new ResourceSpec(cpus, gpus, gpuMemoryBytes, memoryBytes, m, acceleratorType);
    }

    /** This spec restricted to GPUs whose name contains {@code type} (case-insensitive). */
    public ResourceSpec withAcceleratorType(String type) {
        return new ResourceSpec(cpus, gpus, gpuMemoryBytes, memoryBytes, custom, type);
    }

    /** Whole GPUs asked for (0 when none or a fraction). */
    public int wholeGpus() {
        return gpus >= 1 ? (int) gpus : 0;
    }

    /** True when this asks for a share of a single GPU. */
    public boolean fractionalGpu() {
        return gpus > 0 && gpus < 1;
    }

    /** The PyTorch intra-op thread count a trial with this lease should use: ceil(cpus), at least 1. */
    public int threads() {
        return Math.max(1, (int) Math.ceil(cpus - 1e-9));
    }

    /** Human-readable, e.g. {@code cpus=2, gpus=0.5, gpuMemory=8.0GiB}. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("cpus=").append(fmt(cpus));
        if (gpus > 0) sb.append(", gpus=").append(fmt(gpus));
        if (gpuMemoryBytes > 0) sb.append(", gpuMemory=").append(Bytes.format(gpuMemoryBytes));
        if (memoryBytes > 0) sb.append(", memory=").append(Bytes.format(memoryBytes));
        custom.forEach((k, v) -> sb.append(", ").append(k).append('=').append(fmt(v)));
        if (!acceleratorType.isEmpty()) sb.append(", accelerator=").append(acceleratorType);
        return sb.toString();
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }
}
