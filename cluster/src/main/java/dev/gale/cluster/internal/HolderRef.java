package dev.gale.cluster.internal;

import dev.gale.cluster.LeaseReply;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * Who holds demand and leases at the ResourceManager: the holder's id (empty for single
 * requests), its fairness group and where its replies go.
 */
public record HolderRef(String holderId, String group, ActorRef<LeaseReply> replyTo) {
}
