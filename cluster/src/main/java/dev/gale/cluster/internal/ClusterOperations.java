package dev.gale.cluster.internal;

import dev.gale.cluster.NodeConfig;
import dev.gale.cluster.ResourceManager;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.AddressFromURIString;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Leave;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The cluster-wide operations a member runs for {@code GaleNode} (blocking its caller's thread):
 * draining a node through the ResourceManager, and stopping nodes through their
 * {@link NodeControl} actors (found with the Receptionist), or with a plain Leave where none
 * answers. Implementation detail of {@code GaleNode}; not a stable API.
 *
 * <p>Promises: a stop returns only once its nodes are no longer members, and otherwise throws an
 * {@link IllegalStateException} naming those still members; stopping every node stops the oldest
 * (the ResourceManager singleton's host) last, so the singleton is never handed over to a node
 * that is leaving too. This member itself is never stopped here: the caller closes it.
 */
public final class ClusterOperations {
    private final ActorSystem<Void> system;
    private final ActorRef<ResourceManager.Command> resourceManager;

    /** Operations run from the member of {@code system}, asking {@code resourceManager}. */
    public ClusterOperations(ActorSystem<Void> system, ActorRef<ResourceManager.Command> resourceManager) {
        this.system = system;
        this.resourceManager = resourceManager;
    }

    /**
     * Asks every other node member to leave and stop, the oldest last, and waits until they are
     * all removed; returns how many were stopped.
     *
     * @throws IllegalStateException naming the nodes still members after {@code timeout}
     */
    public int stopOtherNodes(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Cluster cluster = Cluster.get(system);
        Address self = cluster.selfMember().address();
        Set<Address> targets = nodeMembers(cluster, self);
        // The oldest node hosts the ResourceManager singleton: stop it last, when no node is left to
        // hand the singleton over to (a handover to a node that is leaving too stalls its exit).
        Member oldest = null;
        for (Member m : cluster.state().getMembers()) {
            if (targets.contains(m.address()) && (oldest == null || m.isOlderThan(oldest))) oldest = m;
        }
        Set<Address> first = new LinkedHashSet<>(targets);
        if (oldest != null) first.remove(oldest.address());
        stopNodes(cluster, self, first, deadline, timeout);
        if (oldest != null) stopNodes(cluster, self, Set.of(oldest.address()), deadline, timeout);
        return targets.size();
    }

    /**
     * Drains a node (see {@code GaleNode.drain}) and returns once it holds no lease.
     *
     * @return how many leases were revoked at the deadline (0: all work ended in time)
     * @throws IllegalArgumentException naming the registered nodes when {@code node} is not one of them
     * @throws IllegalStateException    when the ResourceManager does not answer in time
     */
    public int drain(String node, Duration deadline, Duration timeout) {
        String id = nodeIdOf(node);
        Duration wait = deadline.plus(timeout);
        ResourceManager.DrainReply reply;
        try {
            reply = AskPattern.<ResourceManager.Command, ResourceManager.DrainReply>ask(resourceManager,
                    r -> new ResourceManager.DrainNode(id, deadline, r), wait, system.scheduler()).toCompletableFuture()
                    .get(wait.toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("node " + node + " was not drained within " + wait.toSeconds() + " s: " + e, e);
        }
        return switch (reply) {
            case ResourceManager.DrainReply.Drained d -> d.revoked();
            case ResourceManager.DrainReply.UnknownNode u -> throw new IllegalArgumentException("no node " + node
                    + " is registered; the nodes are: " + u.known());
        };
    }

    /**
     * Drains a node ({@link #drain}) and then asks it to leave the cluster and stop; returns once it
     * is no longer a member. When the node is this member, {@code closeSelf} runs instead of the stop.
     *
     * @return how many leases were revoked at the drain's deadline
     */
    public int stopNode(String node, Duration deadline, Duration timeout, Runnable closeSelf) {
        int revoked = drain(node, deadline, timeout);
        Address target = AddressFromURIString.parse(nodeIdOf(node));
        Cluster cluster = Cluster.get(system);
        Address self = cluster.selfMember().address();
        if (target.equals(self)) {
            closeSelf.run();
            return revoked;
        }
        stopNodes(cluster, self, Set.of(target), System.nanoTime() + timeout.toNanos(), timeout);
        return revoked;
    }

    /** The node id ({@code pekko://gale@host:port}) of {@code host:port} or of a node id. */
    private static String nodeIdOf(String node) {
        if (node == null) throw new IllegalArgumentException("node is null: give host:port");
        if (node.contains("://")) return node;
        NodeConfig.checkHostPort("node", node);
        return "pekko://" + NodeConfig.SYSTEM_NAME + "@" + node;
    }

    private void stopNodes(Cluster cluster, Address self, Set<Address> targets, long deadline, Duration timeout) {
        if (targets.isEmpty()) return;
        long leftMs = Math.max(0, (deadline - System.nanoTime()) / 1_000_000);
        Map<Address, ActorRef<NodeControl.Command>> controls = findControls(targets,
                Duration.ofMillis(Math.min(5000, Math.max(500, leftMs / 4))));
        List<CompletableFuture<?>> asks = new ArrayList<>();
        for (Address a : targets) {
            ActorRef<NodeControl.Command> c = controls.get(a);
            if (c == null) {
                // no control actor known (yet): a plain Leave stops a NodeMain just as well
                cluster.manager().tell(Leave.create(a));
                continue;
            }
            asks.add(AskPattern.<NodeControl.Command, NodeControl.Stopping>ask(c, NodeControl.Shutdown::new,
                            Duration.ofSeconds(5), system.scheduler()).toCompletableFuture()
                    .exceptionally(e -> {
                        cluster.manager().tell(Leave.create(a));
                        return null;
                    }));
        }
        CompletableFuture.allOf(asks.toArray(CompletableFuture[]::new)).join();
        Set<Address> left = targets;
        while (System.nanoTime() < deadline) {
            left = nodeMembers(cluster, self);
            left.retainAll(targets);
            if (left.isEmpty()) return;
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while stopping the cluster", e);
            }
        }
        throw new IllegalStateException("nodes still members after " + timeout.toSeconds() + " s: " + left
                + " (an unreachable node leaves only once the split-brain resolver downs it)");
    }

    private static Set<Address> nodeMembers(Cluster cluster, Address self) {
        Set<Address> out = new LinkedHashSet<>();
        Set<Member> unreachable = cluster.state().getUnreachable();
        for (Member m : cluster.state().getMembers()) {
            if (unreachable.contains(m)) continue; // crashed or cut off: the split-brain resolver removes it
            // a downed member (crashed, removed by the split-brain resolver) is not there to stop
            if (m.hasRole(NodeConfig.ROLE_NODE) && !m.address().equals(self) && m.status() != MemberStatus.removed()
                    && m.status() != MemberStatus.down()) {
                out.add(m.address());
            }
        }
        return out;
    }

    private Map<Address, ActorRef<NodeControl.Command>> findControls(Set<Address> targets, Duration wait) {
        Map<Address, ActorRef<NodeControl.Command>> found = new LinkedHashMap<>();
        long deadline = System.nanoTime() + wait.toNanos();
        do {
            try {
                Receptionist.Listing listing = AskPattern.<Receptionist.Command, Receptionist.Listing>ask(system.receptionist(),
                                replyTo -> Receptionist.find(NodeControl.KEY, replyTo), Duration.ofSeconds(2), system.scheduler())
                        .toCompletableFuture().get(3, TimeUnit.SECONDS);
                for (ActorRef<NodeControl.Command> ref : listing.getServiceInstances(NodeControl.KEY)) {
                    Address a = ref.path().address();
                    if (targets.contains(a)) found.put(a, ref);
                }
            } catch (Exception e) {
                // the receptionist did not answer in time: try again until the deadline
            }
            if (found.keySet().containsAll(targets)) break;
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        } while (System.nanoTime() < deadline);
        return found;
    }
}
