package dev.gale.tune.internal;

import dev.gale.gpu.GpuTelemetry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The GPU telemetry of one attempt's lease, added to each of its results, and the attempt's
 * GPU-memory budget.
 *
 * <p>Promises: each result gets {@code gpu<i>_util_pct}, {@code gpu<i>_mem_used_mb},
 * {@code gpu<i>_mem_budget_mb} ({@code i} = the GPU's position in the lease) and
 * {@code gpu_mem_over_budget}, unless the trial reported those names itself or there is no fresh
 * sample. Over budget, a WARN (logger {@code dev.gale.tune.internal.TrialRunner}) names trial, GPU,
 * usage and budget, once per GPU and attempt; with {@code stopOnGpuMemoryOverBudget},
 * {@link #failure()} then says why the attempt must end failed.
 */
final class GpuResultFields {
    private static final Logger LOG = LoggerFactory.getLogger(TrialRunner.class);
    private static final long MIB = 1L << 20;

    private final TrialPayload p;
    private final Set<Integer> warnedOver = ConcurrentHashMap.newKeySet();
    private volatile GpuTelemetry.Watch watch;
    private volatile String failure;

    GpuResultFields(TrialPayload p) {
        this.p = p;
    }

    /** Starts using {@code w}'s samples (null: none). */
    void watch(GpuTelemetry.Watch w) {
        watch = w;
    }

    /** The trial runs in {@code child}: its GPU memory is then counted per process. */
    void attachProcess(ProcessHandle child) {
        GpuTelemetry.Watch w = watch;
        if (w != null) w.attachProcess(child);
    }

    /** Why the attempt must end failed although the trainable did not throw (GPU memory over budget), or null. */
    String failure() {
        return failure;
    }

    /** Adds the fields to the metrics {@code m} of result {@code iteration} and applies the budget. */
    void addTo(Map<String, Object> m, long iteration) {
        GpuTelemetry.Watch w = watch;
        if (w == null) return;
        List<GpuTelemetry.GpuUsage> usage = w.usage();
        if (usage.isEmpty()) return;
        boolean over = false;
        for (GpuTelemetry.GpuUsage u : usage) {
            String k = "gpu" + u.position();
            m.putIfAbsent(k + "_util_pct", u.utilizationPct());
            m.putIfAbsent(k + "_mem_used_mb", u.memoryUsedBytes() / MIB);
            m.putIfAbsent(k + "_mem_budget_mb", u.memoryBudgetBytes() / MIB);
            if (!u.overBudget()) continue;
            over = true;
            String what = "GPU " + u.index() + " (lease GPU " + u.position() + ") uses " + u.memoryUsedBytes() / MIB
                    + " MiB of GPU memory, over its budget of " + u.memoryBudgetBytes() / MIB + " MiB ("
                    + basis(u.basis()) + ")";
            if (warnedOver.add(u.position())) {
                LOG.warn("trial {} attempt {}, result {}: {}", p.trialId(), p.attempt(), iteration, what);
            }
            if (p.stopOnGpuMemoryOverBudget() && failure == null) {
                failure = "trial " + p.trialId() + " stopped: " + what + " (RunConfig.stopOnGpuMemoryOverBudget is on:"
                        + " lower the batch size or model, or raise ResourceSpec gpuMemory)";
            }
        }
        m.putIfAbsent("gpu_mem_over_budget", over);
    }

    private static String basis(GpuTelemetry.Basis b) {
        return switch (b) {
            case PROCESS -> "memory of the trial's process";
            case DEVICE -> "whole-device memory, the trial being the GPU's only lessee";
            case SHARED_DEVICE -> "whole-device memory against the budgets of all the GPU's lessees";
        };
    }
}
