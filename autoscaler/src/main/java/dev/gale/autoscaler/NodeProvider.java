package dev.gale.autoscaler;

import java.util.List;

/**
 * Launches, lists and terminates the nodes of one cluster on some infrastructure: local
 * processes, Kubernetes pods, EC2 instances. Found by {@link NodeProviderFactory} through
 * {@link java.util.ServiceLoader}; the autoscaler calls it from a thread of its own (calls may
 * block on the network), one call at a time per instance but possibly several instances at once.
 *
 * <p>Promises every implementation keeps (checked by one contract test suite run against all):
 * <ul>
 *   <li>Every node it launches carries the cluster's name, the instance id and the node type
 *       (as tags, labels or process arguments), and {@link #list()} finds it by them, also from a
 *       new process after the one that launched it crashed ({@code gale cluster down}).</li>
 *   <li>A launched node starts a Gale node that joins {@link LaunchRequest#joinAddress()} with
 *       {@link LaunchRequest#nodeLabels()} and the type's resources.</li>
 *   <li>{@link #launch} throws {@link LaunchException} with a {@link LaunchException.Kind} when
 *       the infrastructure refuses (no capacity, quota, bad settings); nothing is left running
 *       then.</li>
 *   <li>{@link #terminate} is idempotent: terminating a node that is already gone succeeds.</li>
 *   <li>Credentials come only from the infrastructure's standard chain and never appear in
 *       exception messages, {@link ProviderInstance#detail()}, logs or what a node is started with.</li>
 * </ul>
 */
public interface NodeProvider extends AutoCloseable {
    /** The provider's type, as in {@code provider.type} ({@code local}, {@code kubernetes}, {@code aws-ec2}). */
    String type();

    /**
     * Starts one node; returns once the infrastructure accepted it (the node boots and joins later).
     *
     * @throws LaunchException when the infrastructure refuses
     */
    ProviderInstance launch(LaunchRequest request) throws LaunchException;

    /**
     * Every node of this cluster that the infrastructure still has (pending, running or being
     * terminated), found by the cluster's tags.
     *
     * @throws ProviderException when the infrastructure cannot be asked
     */
    List<ProviderInstance> list();

    /**
     * Terminates a node (idempotent).
     *
     * @throws ProviderException when the infrastructure cannot be asked (the caller retries)
     */
    void terminate(ProviderInstance instance);

    /** Releases the provider's clients; nodes keep running. */
    @Override
    default void close() {
    }
}
