package dev.gale.cluster;

import dev.gale.gpu.Allocation;
import dev.gale.gpu.NodeAllocator;
import dev.gale.gpu.NodeInventory;
import dev.gale.gpu.ResourceSpec;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The cluster-wide resource manager (a cluster singleton): knows every node's inventory, grants
 * leases for {@link ResourceSpec}s by packing them onto nodes, queues what does not fit now, and
 * revokes the leases of nodes that leave.
 *
 * <p>Promises: it never grants more than a node offers (each node's resources are accounted by a
 * {@link NodeAllocator}); queued requests are granted in arrival order as soon as they fit, a
 * request that cannot fit yet does not block later ones that can; every granted lease is either
 * released by its holder or revoked with a {@link LeaseReply.Revoked} when its node is lost.
 * Placement: GPU-free work prefers nodes without GPUs; among candidates the one with the fewest
 * free CPUs wins (packing, which keeps whole nodes free for big requests and for scale-down).
 */
public final class ResourceManager extends AbstractBehavior<ResourceManager.Command> {
    private static final Logger log = LoggerFactory.getLogger(ResourceManager.class);

    /** Messages of the ResourceManager. */
    public sealed interface Command extends ClusterMessage {
    }

    /** A node advertises itself (idempotent; sent again periodically). */
    public record RegisterNode(String nodeId, NodeInventory inventory, ActorRef<NodeAgent.Command> agent)
            implements Command {
    }

    /**
     * Asks for a lease of {@code spec}; answered with {@link LeaseReply.Granted} when it fits.
     *
     * @param requestId unique per request (the holder's own id)
     * @param spec      the resources
     * @param replyTo   receives the grant, and a revocation should the node be lost
     */
    public record RequestLease(String requestId, ResourceSpec spec, ActorRef<LeaseReply> replyTo) implements Command {
    }

    /** Gives a lease back. Unknown ids are ignored (a lease may already be revoked). */
    public record ReleaseLease(String leaseId) implements Command {
    }

    /** Withdraws a queued request (no effect once granted: release the lease instead). */
    public record CancelRequest(String requestId) implements Command {
    }

    /** Asks for a {@link ClusterStatus}. */
    public record GetStatus(ActorRef<ClusterStatus> replyTo) implements Command {
    }

    private record NodeGone(String nodeId) implements Command {
    }

    private static final class NodeState {
        final String nodeId;
        final NodeAllocator allocator;
        final ActorRef<NodeAgent.Command> agent;
        final boolean hasGpus;
        int leases;

        NodeState(String nodeId, NodeInventory inv, ActorRef<NodeAgent.Command> agent) {
            this.nodeId = nodeId;
            this.allocator = new NodeAllocator(inv);
            this.agent = agent;
            this.hasGpus = !inv.gpus().isEmpty();
        }
    }

    private record Held(Lease lease, NodeState node, ActorRef<LeaseReply> replyTo) {
    }

    private final Map<String, NodeState> nodes = new LinkedHashMap<>();
    private final Map<String, Held> leases = new HashMap<>();
    private final ArrayDeque<RequestLease> queue = new ArrayDeque<>();
    private final String leasePrefix = Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffffL) + "-";
    private long leaseCounter;

    /** The behavior of the singleton. */
    public static Behavior<Command> create() {
        return Behaviors.setup(ResourceManager::new);
    }

    private ResourceManager(ActorContext<Command> ctx) {
        super(ctx);
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(RegisterNode.class, this::onRegister)
                .onMessage(RequestLease.class, this::onRequest)
                .onMessage(ReleaseLease.class, this::onRelease)
                .onMessage(CancelRequest.class, this::onCancel)
                .onMessage(GetStatus.class, this::onStatus)
                .onMessage(NodeGone.class, this::onNodeGone)
                .build();
    }

    private Behavior<Command> onRegister(RegisterNode m) {
        NodeState known = nodes.get(m.nodeId());
        if (known != null && known.agent.equals(m.agent())) return this;
        if (known != null) {
            // same address, new incarnation: the old one's leases are gone
            onNodeGone(new NodeGone(m.nodeId()));
        }
        nodes.put(m.nodeId(), new NodeState(m.nodeId(), m.inventory(), m.agent()));
        getContext().watchWith(m.agent(), new NodeGone(m.nodeId()));
        log.info("node {} registered: {} cpus, {} GPUs", m.nodeId(), m.inventory().cpus(), m.inventory().gpus().size());
        drainQueue();
        return this;
    }

    private Behavior<Command> onRequest(RequestLease m) {
        // Nothing queued fits now (each release and registration drains the queue), so a request
        // that fits may be granted at once without overtaking a queued one that could run.
        if (tryGrant(m)) return this;
        queue.addLast(m);
        if (queue.size() == 1 || queue.size() % 1000 == 0) {
            log.debug("queued lease request {} ({}), {} waiting", m.requestId(), m.spec(), queue.size());
        }
        return this;
    }

    private boolean tryGrant(RequestLease m) {
        NodeState only = null;
        if (nodes.size() == 1) {
            only = nodes.values().iterator().next();
            Allocation a = only.allocator.tryAllocate(m.spec()).orElse(null);
            if (a == null) return false;
            grant(m, only, a);
            return true;
        }
        List<NodeState> order = new ArrayList<>(nodes.values());
        boolean wantsGpu = m.spec().gpus() > 0;
        order.sort((x, y) -> {
            if (!wantsGpu && x.hasGpus != y.hasGpus) return x.hasGpus ? 1 : -1;
            return Double.compare(x.allocator.freeCpus(), y.allocator.freeCpus());
        });
        for (NodeState n : order) {
            Allocation a = n.allocator.tryAllocate(m.spec()).orElse(null);
            if (a != null) {
                grant(m, n, a);
                return true;
            }
        }
        return false;
    }

    private void grant(RequestLease m, NodeState node, Allocation a) {
        Lease lease = new Lease(leasePrefix + (++leaseCounter), m.requestId(), node.nodeId, node.agent, a);
        leases.put(lease.leaseId(), new Held(lease, node, m.replyTo()));
        node.leases++;
        m.replyTo().tell(new LeaseReply.Granted(lease));
    }

    private Behavior<Command> onRelease(ReleaseLease m) {
        Held h = leases.remove(m.leaseId());
        if (h == null) return this;
        h.node.allocator.release(h.lease.allocation());
        h.node.leases--;
        drainQueue();
        return this;
    }

    private Behavior<Command> onCancel(CancelRequest m) {
        queue.removeIf(r -> r.requestId().equals(m.requestId()));
        return this;
    }

    private void drainQueue() {
        if (queue.isEmpty()) return;
        Iterator<RequestLease> it = queue.iterator();
        while (it.hasNext()) {
            RequestLease r = it.next();
            if (tryGrant(r)) it.remove();
        }
    }

    private Behavior<Command> onNodeGone(NodeGone m) {
        NodeState n = nodes.remove(m.nodeId());
        if (n == null) return this;
        log.warn("node {} left the cluster; revoking its {} leases", m.nodeId(), n.leases);
        Iterator<Held> it = leases.values().iterator();
        while (it.hasNext()) {
            Held h = it.next();
            if (h.node == n) {
                it.remove();
                h.replyTo.tell(new LeaseReply.Revoked(h.lease.requestId(), h.lease.leaseId(),
                        "node " + m.nodeId() + " left the cluster"));
            }
        }
        return this;
    }

    private Behavior<Command> onStatus(GetStatus m) {
        List<ClusterStatus.Node> list = new ArrayList<>(nodes.size());
        for (NodeState n : nodes.values()) {
            int g = n.allocator.inventory().gpus().size();
            List<Double> frac = new ArrayList<>(g);
            List<Long> mem = new ArrayList<>(g);
            for (var gpu : n.allocator.inventory().gpus()) {
                frac.add(n.allocator.freeGpuFraction(gpu.index()));
                mem.add(n.allocator.freeGpuMemoryBytes(gpu.index()));
            }
            list.add(new ClusterStatus.Node(n.nodeId, n.allocator.inventory(), n.allocator.freeCpus(),
                    n.allocator.freeMemoryBytes(), frac, mem, n.leases));
        }
        List<ResourceSpec> unmet = new ArrayList<>();
        for (RequestLease r : queue) {
            boolean fits = false;
            for (NodeState n : nodes.values()) {
                if (n.allocator.fits(r.spec())) {
                    fits = true;
                    break;
                }
            }
            if (!fits) unmet.add(r.spec());
        }
        m.replyTo().tell(new ClusterStatus(list, queue.size(), unmet));
        return this;
    }
}
