package dev.gale.cluster;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;

import java.time.Instant;
import java.util.List;

/**
 * What an autoscaler running in the cluster tells tools that cannot depend on the autoscaler
 * module (the dashboard: {@code observability} depends on {@code tune}, the autoscaler on
 * {@code cluster}): its instances and the demand no node type can hold. The autoscaler registers a
 * handler of {@link Query} under {@link #KEY} with the receptionist; find it there and ask.
 *
 * <p>Promises: an autoscaler answers each {@link Query} with a {@link Snapshot} of its status at
 * that moment (or not at all when it stops first: ask with a deadline); both are
 * {@link ClusterMessage}s, so they travel between members.
 */
public final class AutoscalerView {
    /** Where the autoscaler's view is registered. */
    public static final ServiceKey<Query> KEY = ServiceKey.create(Query.class, "gale-autoscaler-view");

    private AutoscalerView() {
    }

    /** Asks for a {@link Snapshot}. */
    public record Query(ActorRef<Snapshot> replyTo) implements ClusterMessage {
    }

    /**
     * The autoscaler's status, as the dashboard shows it.
     *
     * @param cluster       the cluster's name
     * @param provider      the provider's type ({@code local}, {@code kubernetes}, {@code aws-ec2})
     * @param at            when it was taken
     * @param costPerHour   the cost per hour of the instances not terminated
     * @param instances     its instances (not terminated, and the most recently terminated ones)
     * @param unsatisfiable demand no node type can hold, described ({@code 2 x [cpus=64]: reason})
     */
    public record Snapshot(String cluster, String provider, Instant at, double costPerHour, List<Instance> instances,
                           List<String> unsatisfiable) implements ClusterMessage {
        public Snapshot {
            instances = instances == null ? List.of() : List.copyOf(instances);
            unsatisfiable = unsatisfiable == null ? List.of() : List.copyOf(unsatisfiable);
        }
    }

    /**
     * One instance the autoscaler launched.
     *
     * @param instanceId the autoscaler's id
     * @param nodeType   its node type
     * @param state      its state ({@code QUEUED}, {@code REQUESTED}, {@code ALLOCATED}, {@code JOINED},
     *                   {@code DRAINING}, {@code TERMINATED})
     * @param nodeId     its cluster node id once joined (empty before)
     * @param since      when it entered its state
     * @param reason     why it is in its state (empty: nothing to say)
     */
    public record Instance(String instanceId, String nodeType, String state, String nodeId, Instant since, String reason) {
    }
}
