package dev.gale.cluster;

/**
 * How the {@link ResourceManager} chooses nodes for the specs of a {@link Bundle}.
 *
 * <ul>
 *   <li>{@link #PACK} (default): the fullest node that fits — fewest free GPUs (by fraction and
 *       memory) for GPU work, fewest free CPUs otherwise. Keeps whole nodes and whole GPUs free
 *       for big requests, and idle nodes idle so that an autoscaler can retire them. For a bundle
 *       of several specs, best effort on as few nodes as possible (nodes the bundle already uses
 *       are tried first).</li>
 *   <li>{@link #SPREAD}: the emptiest node that fits, fewest leases first — for work that should
 *       not share a node (fault tolerance, memory bandwidth). For several specs, best effort on
 *       as many distinct nodes as possible.</li>
 *   <li>{@link #STRICT_PACK}: every spec of the bundle on one node, or the bundle waits.</li>
 *   <li>{@link #STRICT_SPREAD}: every spec of the bundle on a distinct node, or the bundle waits.</li>
 * </ul>
 * Either way, work that needs no GPU goes to nodes without GPUs while one of them has room, and a
 * bundle is placed all or nothing.
 */
public enum Placement {
    /** Fill the fullest node that fits (several specs: as few nodes as possible). */
    PACK,
    /** Use the emptiest node that fits (several specs: as many nodes as possible). */
    SPREAD,
    /** All specs on one node. */
    STRICT_PACK,
    /** Each spec on a different node. */
    STRICT_SPREAD
}
