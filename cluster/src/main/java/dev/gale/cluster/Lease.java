package dev.gale.cluster;

import dev.gale.gpu.Allocation;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * Resources granted on one node until released: the right to run one piece of work there.
 *
 * @param leaseId    unique id of the lease
 * @param requestId  the id of the request it answers
 * @param nodeId     the node's address, e.g. {@code pekko://gale@127.0.0.1:25520}
 * @param agent      the NodeAgent that runs work on that node
 * @param allocation what was granted
 */
public record Lease(String leaseId, String requestId, String nodeId, ActorRef<NodeAgent.Command> agent,
                    Allocation allocation) implements ClusterMessage {
}
