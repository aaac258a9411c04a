package dev.gale.gpu;

import dev.gale.gpu.internal.NvidiaSmi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Finds out what this machine offers: CPU cores, host memory and NVIDIA GPUs.
 *
 * <p>Promises:
 * <ul>
 *   <li>CPU cores are {@link Runtime#availableProcessors()} (which honours container limits and CPU
 *       affinity); host memory is the total physical memory the JVM reports
 *       ({@code com.sun.management.OperatingSystemMXBean}, container-aware), or 0 when unknown.</li>
 *   <li>GPUs come from the first executable {@code nvidia-smi} on {@code PATH}, run as
 *       {@code nvidia-smi --query-gpu=index,uuid,name,memory.total,memory.used,utilization.gpu
 *       --format=csv,noheader,nounits} with a 10 second timeout. Without {@code nvidia-smi} the node
 *       has no GPUs. When it fails, times out or prints something that is not that CSV, a warning is
 *       logged and the node has no GPUs.</li>
 *   <li>{@link #discover} and {@link #sampleGpus} never throw.</li>
 * </ul>
 * Stateless and thread-safe; each call runs {@code nvidia-smi} afresh.
 */
public final class InventoryDiscovery {
    private static final Logger log = LoggerFactory.getLogger(InventoryDiscovery.class);

    private InventoryDiscovery() {
    }

    /** {@link #discover(Map)} with the process environment. */
    public static NodeInventory discover() {
        return discover(System.getenv());
    }

    /**
     * This machine's cores, memory and GPUs, with no custom resources.
     *
     * @param env environment whose {@code PATH} is searched for {@code nvidia-smi}
     */
    public static NodeInventory discover(Map<String, String> env) {
        return new NodeInventory(Runtime.getRuntime().availableProcessors(), totalMemoryBytes(),
                sampleGpus(env), Map.of());
    }

    /**
     * The GPUs as {@code nvidia-smi} reports them now, including memory used and utilization: the
     * same query as {@link #discover(Map)}, for telemetry. Empty when there is no {@code nvidia-smi}
     * on the {@code PATH} of {@code env}, or (with a logged warning) when it fails.
     */
    public static List<GpuDevice> sampleGpus(Map<String, String> env) {
        Optional<Path> exe;
        try {
            exe = NvidiaSmi.locate(env);
        } catch (RuntimeException e) {
            log.warn("could not search PATH for nvidia-smi, assuming no GPUs: {}", e.toString());
            return List.of();
        }
        if (exe.isEmpty()) {
            log.debug("no nvidia-smi on PATH: no GPUs");
            return List.of();
        }
        try {
            return NvidiaSmi.query(exe.get(), env, NvidiaSmi.DEFAULT_TIMEOUT);
        } catch (Exception e) {
            log.warn("{} failed, assuming no GPUs: {}", exe.get(), e.getMessage() == null ? e.toString() : e.getMessage());
            return List.of();
        }
    }

    /**
     * {@code base} with some amounts replaced, for nodes started with {@code --resources}: a
     * {@code null} argument keeps the discovered amount; {@code custom} entries are added to (or
     * replace same-named entries of) the base's custom resources. GPUs are kept.
     *
     * @throws IllegalArgumentException when an amount is negative or not finite
     */
    public static NodeInventory withOverrides(NodeInventory base, Double cpus, Long memoryBytes,
                                              Map<String, Double> custom) {
        Map<String, Double> merged = base.custom();
        if (custom != null && !custom.isEmpty()) {
            merged = new HashMap<>(base.custom());
            for (Map.Entry<String, Double> e : custom.entrySet()) {
                if (e.getKey() == null || e.getValue() == null) {
                    throw new IllegalArgumentException("custom: null name or amount (" + e.getKey() + ")");
                }
                merged.put(e.getKey(), e.getValue());
            }
        }
        return new NodeInventory(cpus == null ? base.cpus() : cpus,
                memoryBytes == null ? base.memoryBytes() : memoryBytes, base.gpus(), merged);
    }

    private static long totalMemoryBytes() {
        try {
            OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
            if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
                return Math.max(0, sun.getTotalMemorySize());
            }
        } catch (RuntimeException | LinkageError e) {
            log.warn("cannot read total memory, reporting 0: {}", e.toString());
            return 0;
        }
        log.warn("total memory unknown on this JVM (no com.sun.management.OperatingSystemMXBean), reporting 0");
        return 0;
    }
}
