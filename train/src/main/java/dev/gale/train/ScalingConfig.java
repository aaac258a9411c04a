package dev.gale.train;

import dev.gale.cluster.Placement;
import dev.gale.gpu.ResourceSpec;

/**
 * How many workers a group has and what each one holds.
 *
 * <p>Promises: every instance is valid: {@code 1 <= minWorkers <= maxWorkers <= 256}; a worker
 * spec with GPUs when {@code useGpu} is false (or none when true) is refused, naming the fix.
 * With {@code minWorkers < maxWorkers} the group is elastic: it starts as soon as
 * {@code minWorkers} can be placed together and takes up to {@code maxWorkers - minWorkers} more
 * workers that are free at that moment; it grows at its next restart when more are free.
 *
 * @param minWorkers         workers the group needs to start
 * @param maxWorkers         workers the group uses when the cluster has room
 * @param resourcesPerWorker what one worker holds (its CPUs set the worker's PyTorch thread count)
 * @param useGpu             whether workers train on their lease's GPU
 * @param placement          how the workers are spread over nodes (PACK or SPREAD, or STRICT_*)
 */
public record ScalingConfig(int minWorkers, int maxWorkers, ResourceSpec resourcesPerWorker, boolean useGpu,
                            Placement placement) {
    /** The largest group (as a gang bundle). */
    public static final int MAX_WORKERS = 256;

    public ScalingConfig {
        if (minWorkers < 1) {
            throw new IllegalArgumentException("numWorkers = " + minWorkers + ": a group needs at least 1 worker");
        }
        if (maxWorkers < minWorkers) {
            throw new IllegalArgumentException("maxWorkers = " + maxWorkers + " is below minWorkers = " + minWorkers
                    + ": give max >= min (equal for a fixed group)");
        }
        if (maxWorkers > MAX_WORKERS) {
            throw new IllegalArgumentException("maxWorkers = " + maxWorkers + ": at most " + MAX_WORKERS + " workers per group");
        }
        if (resourcesPerWorker == null) resourcesPerWorker = ResourceSpec.DEFAULT;
        if (placement == null) placement = Placement.PACK;
        if (useGpu && resourcesPerWorker.gpus() == 0) resourcesPerWorker = resourcesPerWorker.withGpus(1);
        if (!useGpu && resourcesPerWorker.gpus() > 0) {
            throw new IllegalArgumentException("resourcesPerWorker asks for " + resourcesPerWorker.gpus()
                    + " GPUs but useGpu is false: set useGpu true (or drop the GPUs from the spec)");
        }
    }

    /** {@code n} workers of one CPU each, packed, on CPUs. */
    public static ScalingConfig of(int n) {
        return new ScalingConfig(n, n, ResourceSpec.DEFAULT, false, Placement.PACK);
    }

    /** {@code n} workers of {@code spec} each, packed; GPUs when the spec has them. */
    public static ScalingConfig of(int n, ResourceSpec spec) {
        return new ScalingConfig(n, n, spec, spec != null && spec.gpus() > 0, Placement.PACK);
    }

    /** An elastic group of {@code min..max} workers of {@code spec}. */
    public static ScalingConfig elastic(int min, int max, ResourceSpec spec) {
        return new ScalingConfig(min, max, spec, spec != null && spec.gpus() > 0, Placement.PACK);
    }

    /** This config with another placement. */
    public ScalingConfig withPlacement(Placement p) {
        return new ScalingConfig(minWorkers, maxWorkers, resourcesPerWorker, useGpu, p);
    }

    /** True when the group may start smaller than its maximum. */
    public boolean elastic() {
        return minWorkers < maxWorkers;
    }
}
