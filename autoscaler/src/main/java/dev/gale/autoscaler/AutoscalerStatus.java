package dev.gale.autoscaler;

import dev.gale.cluster.ClusterMessage;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * What the autoscaler knows and decided, as {@code gale cluster status} shows it: per node type
 * its counts, limits, cost and back-off; every instance with its state; the demand it is waiting
 * on and the demand no node type can hold; the cost per hour of what runs; the latest state
 * transitions.
 *
 * @param cluster           the cluster's name
 * @param provider          the provider's type
 * @param at                when it was taken
 * @param types             per node type
 * @param instances         instances not terminated, and the most recently terminated ones
 * @param pendingBundles    bundles waiting in the cluster (from the latest demand snapshot)
 * @param waiting           demand that new nodes will serve but that waits for a limit (max, back-off, upscaling speed)
 * @param unsatisfiable     demand that no node type (nor any node) can hold: nothing is launched for it
 * @param requested         bundles asked for with {@code requestResources}
 * @param costPerHour       the cost per hour of the instances not terminated
 * @param events            the latest state transitions and decisions, oldest first
 */
public record AutoscalerStatus(String cluster, String provider, Instant at, List<TypeStatus> types, List<InstanceStatus> instances,
                               int pendingBundles, List<DemandStatus> waiting, List<DemandStatus> unsatisfiable,
                               List<String> requested, double costPerHour, List<String> events) implements ClusterMessage {
    public AutoscalerStatus {
        types = List.copyOf(types);
        instances = List.copyOf(instances);
        waiting = List.copyOf(waiting);
        unsatisfiable = List.copyOf(unsatisfiable);
        requested = List.copyOf(requested);
        events = List.copyOf(events);
    }

    /**
     * One node type.
     *
     * @param name          its name
     * @param min           nodes kept at least
     * @param max           nodes at most
     * @param costPerHour   per node
     * @param pending       instances QUEUED, REQUESTED or ALLOCATED
     * @param joined        instances JOINED
     * @param draining      instances DRAINING
     * @param failures      launch failures in a row
     * @param backoffUntil  until when it is not launched (null: not backing off)
     * @param lastFailure   the last launch failure's message (empty: none)
     */
    public record TypeStatus(String name, int min, int max, double costPerHour, int pending, int joined, int draining, int failures,
                             Instant backoffUntil, String lastFailure) {
    }

    /**
     * One instance.
     *
     * @param instanceId  the autoscaler's id
     * @param nodeType    its type
     * @param state       its state
     * @param providerId  the provider's id (empty before ALLOCATED)
     * @param nodeId      its cluster node id once JOINED (empty before)
     * @param since       when it entered its state
     * @param idleFor     how long its node has held no lease (null: busy or not joined)
     * @param reason      why it is in its state (the launch failure, "idle for 5m", ...)
     */
    public record InstanceStatus(String instanceId, String nodeType, InstanceState state, String providerId, String nodeId,
                                 Instant since, Duration idleFor, String reason) {
    }

    /**
     * Demand as the autoscaler sees it.
     *
     * @param bundle  the bundle, described ({@code 3 x [cpus=2] STRICT_SPREAD})
     * @param count   how many of it
     * @param reason  why it waits or cannot be served
     */
    public record DemandStatus(String bundle, int count, String reason) {
    }

    /** Instances in {@code state}. */
    public long count(InstanceState state) {
        return instances.stream().filter(i -> i.state() == state).count();
    }

    /** The status of type {@code name}, or null. */
    public TypeStatus type(String name) {
        for (TypeStatus t : types) if (t.name().equals(name)) return t;
        return null;
    }
}
