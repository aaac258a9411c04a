package dev.gale.autoscaler;

import java.time.Duration;

/**
 * How the autoscaler's reconcile loop behaves. Defaults follow Ray's autoscaler v2: reconcile
 * every 5 s, an upscaling speed of 1.0 (pending launches at most {@code max(5, speed × nodes)}),
 * idle nodes retired after 5 minutes.
 *
 * <p>Promises: every instance is valid: positive durations (the drain deadline may be 0), a
 * positive cluster maximum, upscaling speed and launch concurrency.
 *
 * @param maxNodes              nodes the autoscaler runs at most, all types together (the head and nodes it did not launch not counted)
 * @param upscalingSpeed        nodes pending (launched, not joined) at most {@code max(5, upscalingSpeed × nodes in the cluster)}
 * @param maxConcurrentLaunches provider launch calls in flight at most
 * @param tick                  time between two reconciles
 * @param idleTimeout           a node idle this long is drained and terminated
 * @param joinTimeout           a node launched but not joined after this long is terminated (and counts as a launch failure)
 * @param launchBackoff         the first back-off of a node type after a launch failure (doubles per failure in a row)
 * @param maxLaunchBackoff      the longest back-off
 * @param drainDeadline         how long work that reached a node being retired may still run before it is moved
 * @param consolidation         while no demand waits, empty under-used nodes it launched by moving their work to the
 *                              other nodes, when all of it is movable (trials with a checkpoint) and fits there; the
 *                              emptied nodes are then retired at once ({@code ResourceManager.Consolidate})
 */
public record AutoscalerSettings(int maxNodes, double upscalingSpeed, int maxConcurrentLaunches, Duration tick, Duration idleTimeout,
                                 Duration joinTimeout, Duration launchBackoff, Duration maxLaunchBackoff, Duration drainDeadline,
                                 boolean consolidation) {
    public AutoscalerSettings {
        if (maxNodes < 1) throw new IllegalArgumentException("maxNodes = " + maxNodes + ": must be >= 1");
        if (!Double.isFinite(upscalingSpeed) || upscalingSpeed <= 0) {
            throw new IllegalArgumentException("upscalingSpeed = " + upscalingSpeed + ": must be > 0 (1.0 = pending nodes up to the cluster's size)");
        }
        if (maxConcurrentLaunches < 1) throw new IllegalArgumentException("maxConcurrentLaunches = " + maxConcurrentLaunches + ": must be >= 1");
        positive("tick", tick);
        positive("idleTimeout", idleTimeout);
        positive("joinTimeout", joinTimeout);
        positive("launchBackoff", launchBackoff);
        positive("maxLaunchBackoff", maxLaunchBackoff);
        if (maxLaunchBackoff.compareTo(launchBackoff) < 0) {
            throw new IllegalArgumentException("maxLaunchBackoff = " + maxLaunchBackoff + " is shorter than launchBackoff = " + launchBackoff);
        }
        if (drainDeadline == null || drainDeadline.isNegative()) {
            throw new IllegalArgumentException("drainDeadline = " + drainDeadline + ": must be >= 0");
        }
    }

    private static void positive(String field, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) throw new IllegalArgumentException(field + " = " + d + ": must be a positive duration, e.g. 5s or 5m");
    }

    /**
     * The defaults: 100 nodes, speed 1.0, 10 concurrent launches, tick 5 s, idle 5 min, join 10 min,
     * back-off 30 s up to 10 min, drain 1 h, consolidation on.
     */
    public static AutoscalerSettings defaults() {
        return new AutoscalerSettings(100, 1.0, 10, Duration.ofSeconds(5), Duration.ofMinutes(5), Duration.ofMinutes(10),
                Duration.ofSeconds(30), Duration.ofMinutes(10), Duration.ofHours(1), true);
    }

    public AutoscalerSettings withMaxNodes(int n) {
        return new AutoscalerSettings(n, upscalingSpeed, maxConcurrentLaunches, tick, idleTimeout, joinTimeout, launchBackoff, maxLaunchBackoff, drainDeadline, consolidation);
    }

    public AutoscalerSettings withUpscalingSpeed(double s) {
        return new AutoscalerSettings(maxNodes, s, maxConcurrentLaunches, tick, idleTimeout, joinTimeout, launchBackoff, maxLaunchBackoff, drainDeadline, consolidation);
    }

    public AutoscalerSettings withMaxConcurrentLaunches(int n) {
        return new AutoscalerSettings(maxNodes, upscalingSpeed, n, tick, idleTimeout, joinTimeout, launchBackoff, maxLaunchBackoff, drainDeadline, consolidation);
    }

    public AutoscalerSettings withTick(Duration d) {
        return new AutoscalerSettings(maxNodes, upscalingSpeed, maxConcurrentLaunches, d, idleTimeout, joinTimeout, launchBackoff, maxLaunchBackoff, drainDeadline, consolidation);
    }

    public AutoscalerSettings withIdleTimeout(Duration d) {
        return new AutoscalerSettings(maxNodes, upscalingSpeed, maxConcurrentLaunches, tick, d, joinTimeout, launchBackoff, maxLaunchBackoff, drainDeadline, consolidation);
    }

    public AutoscalerSettings withJoinTimeout(Duration d) {
        return new AutoscalerSettings(maxNodes, upscalingSpeed, maxConcurrentLaunches, tick, idleTimeout, d, launchBackoff, maxLaunchBackoff, drainDeadline, consolidation);
    }

    public AutoscalerSettings withLaunchBackoff(Duration first, Duration longest) {
        return new AutoscalerSettings(maxNodes, upscalingSpeed, maxConcurrentLaunches, tick, idleTimeout, joinTimeout, first, longest, drainDeadline, consolidation);
    }

    public AutoscalerSettings withDrainDeadline(Duration d) {
        return new AutoscalerSettings(maxNodes, upscalingSpeed, maxConcurrentLaunches, tick, idleTimeout, joinTimeout, launchBackoff, maxLaunchBackoff, d, consolidation);
    }

    public AutoscalerSettings withConsolidation(boolean on) {
        return new AutoscalerSettings(maxNodes, upscalingSpeed, maxConcurrentLaunches, tick, idleTimeout, joinTimeout, launchBackoff, maxLaunchBackoff,
                drainDeadline, on);
    }
}
