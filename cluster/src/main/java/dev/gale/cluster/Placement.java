package dev.gale.cluster;

/**
 * How the {@link ResourceManager} chooses among the nodes a request fits on.
 *
 * <ul>
 *   <li>{@link #PACK} (default): the fullest node that fits — fewest free GPUs (by fraction and
 *       memory) for GPU work, fewest free CPUs otherwise. Keeps whole nodes and whole GPUs free
 *       for big requests, and idle nodes idle so that an autoscaler can retire them.</li>
 *   <li>{@link #SPREAD}: the emptiest node that fits, fewest leases first — for work that should
 *       not share a node (fault tolerance, memory bandwidth).</li>
 * </ul>
 * Either way, work that needs no GPU goes to nodes without GPUs while one of them has room.
 */
public enum Placement {
    /** Fill the fullest node that fits. */
    PACK,
    /** Use the emptiest node that fits. */
    SPREAD
}
