package dev.gale.cluster;

/**
 * A function run on some node of the cluster by {@link TaskClient#submit} or
 * {@link TaskClient#map}, as Dask's {@code client.submit} / {@code client.map}.
 *
 * <p>Implementations must be public with a public no-argument constructor and be on every node's
 * classpath (they travel by class name, not as code). The input and the output travel as JSON
 * (Jackson): use records, lists, maps, strings and numbers. A task that throws fails its future
 * with a {@link RemoteTaskException} carrying the remote stack trace.
 *
 * @param <I> the input type
 * @param <O> the output type
 */
public interface RemoteTask<I, O> {
    /** Computes the output of one input; runs on a platform thread of the node that holds the lease. */
    O call(I input) throws Exception;
}
