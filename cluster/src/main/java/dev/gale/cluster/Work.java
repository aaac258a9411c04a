package dev.gale.cluster;

/**
 * A unit of work a NodeAgent runs by class name on a granted lease, on a platform thread of its
 * own. Implementations must be public with a public no-argument constructor.
 */
public interface Work {
    /** Runs the work; returning ends it normally, throwing ends it in failure. */
    void run(WorkContext ctx) throws Exception;
}
