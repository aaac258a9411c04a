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
 * <p>Promises:
 * <ul>
 *   <li>It never grants more than a node offers (each node's resources are accounted by a
 *       {@link NodeAllocator}: CPUs, memory, whole GPUs, GPU fractions and GPU-memory budgets,
 *       accelerator types).</li>
 *   <li>Placement: work that needs no GPU goes to nodes without GPUs while one has room; among
 *       the nodes that fit, {@link Placement#PACK} takes the fullest and {@link Placement#SPREAD}
 *       the emptiest (see {@link Placement}).</li>
 *   <li>Queueing: a request that cannot fit yet never blocks a later one that can. Requests carry
 *       a group (an experiment); when resources free up, the group holding the fewest leases is
 *       served first (max-min fairness), in arrival order within a group. Holders are told with
 *       {@link LeaseReply.Contention} while other groups wait, so that they give back leases
 *       rather than reuse them.</li>
 *   <li>Every granted lease is either released by its holder or revoked with a
 *       {@link LeaseReply.Revoked} when its node is lost.</li>
 *   <li>{@link ClusterStatus#unmetDemand()} lists the queued specs that no registered node could
 *       hold even when empty: what an autoscaler must add nodes for.</li>
 * </ul>
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
     * @param group     the fairness group (an experiment's name); blank for none
     * @param placement how to choose among the nodes that fit (null: {@link Placement#PACK})
     */
    public record RequestLease(String requestId, ResourceSpec spec, ActorRef<LeaseReply> replyTo, String group,
                               Placement placement) implements Command {
        public RequestLease {
            if (requestId == null) throw new IllegalArgumentException("requestId is null");
            if (spec == null) throw new IllegalArgumentException("spec is null");
            if (group == null) group = "";
            if (placement == null) placement = Placement.PACK;
        }

        /** A request without a group, packed. */
        public RequestLease(String requestId, ResourceSpec spec, ActorRef<LeaseReply> replyTo) {
            this(requestId, spec, replyTo, "", Placement.PACK);
        }
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

    /** A cluster member was removed: the leases and requests of holders that lived there go. */
    private record MemberGone(org.apache.pekko.actor.Address address) implements Command {
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

        /** Free GPU capacity: whole-GPU fractions plus memory in units of the device's memory. */
        double freeGpu() {
            double f = 0;
            for (var g : allocator.inventory().gpus()) {
                f += allocator.freeGpuFraction(g.index());
                if (g.memoryTotalBytes() > 0) f += (double) allocator.freeGpuMemoryBytes(g.index()) / g.memoryTotalBytes();
            }
            return f;
        }
    }

    private record Held(Lease lease, NodeState node, ActorRef<LeaseReply> replyTo, String group) {
    }

    /** A queued request and when it arrived (for ordering across groups). */
    private record Waiting(RequestLease request, long seq) {
    }

    private final Map<String, NodeState> nodes = new LinkedHashMap<>();
    private final Map<String, Held> leases = new HashMap<>();
    /** Queued requests per group, in arrival order; groups in order of first arrival. */
    private final Map<String, ArrayDeque<Waiting>> queues = new LinkedHashMap<>();
    private final Map<String, Integer> heldByGroup = new HashMap<>();
    /** Per group: the contention last told to its holders. */
    private final Map<String, Boolean> contention = new HashMap<>();
    private final String leasePrefix = Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffffL) + "-";
    private long leaseCounter;
    private long seq;
    private int queued;

    /** The behavior of the singleton. */
    public static Behavior<Command> create() {
        return Behaviors.setup(ResourceManager::new);
    }

    private ResourceManager(ActorContext<Command> ctx) {
        super(ctx);
        ActorRef<org.apache.pekko.cluster.ClusterEvent.MemberRemoved> removed = ctx.messageAdapter(
                org.apache.pekko.cluster.ClusterEvent.MemberRemoved.class, e -> new MemberGone(e.member().address()));
        org.apache.pekko.cluster.typed.Cluster.get(ctx.getSystem()).subscriptions().tell(
                org.apache.pekko.cluster.typed.Subscribe.create(removed, org.apache.pekko.cluster.ClusterEvent.MemberRemoved.class));
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
                .onMessage(MemberGone.class, this::onMemberGone)
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
        updateContention();
        return this;
    }

    private Behavior<Command> onRequest(RequestLease m) {
        // Nothing queued fits now (each release and registration drains the queue), so a request
        // that fits may be granted at once without overtaking a queued one that could run.
        if (tryGrant(m)) return this;
        queues.computeIfAbsent(m.group(), g -> new ArrayDeque<>()).addLast(new Waiting(m, ++seq));
        queued++;
        if (queued == 1 || queued % 1000 == 0) {
            log.debug("queued lease request {} ({}), {} waiting", m.requestId(), m.spec(), queued);
        }
        updateContention();
        return this;
    }

    private boolean tryGrant(RequestLease m) {
        if (nodes.size() == 1) {
            NodeState only = nodes.values().iterator().next();
            Allocation a = only.allocator.tryAllocate(m.spec()).orElse(null);
            if (a == null) return false;
            grant(m, only, a);
            return true;
        }
        NodeState best = null;
        double bestScore = 0;
        boolean wantsGpu = m.spec().gpus() > 0;
        boolean spread = m.placement() == Placement.SPREAD;
        for (NodeState n : nodes.values()) {
            if (!n.allocator.fits(m.spec())) continue;
            // lexicographic: GPU-free work avoids GPU nodes; then how full the node is
            double score = (!wantsGpu && n.hasGpus) ? 1e12 : 0;
            double free = wantsGpu ? n.freeGpu() * 1e3 + n.allocator.freeCpus() : n.allocator.freeCpus();
            score += spread ? -free * 1e3 + n.leases : free * 1e3 + n.leases;
            if (best == null || score < bestScore) {
                // only candidates that fit now count; checked lazily below to keep this loop cheap
                if (!canAllocateNow(n, m.spec())) continue;
                best = n;
                bestScore = score;
            }
        }
        if (best == null) return false;
        Allocation a = best.allocator.tryAllocate(m.spec()).orElseThrow();
        grant(m, best, a);
        return true;
    }

    /** Whether {@code spec} fits what is free on {@code n} now (allocates and gives back). */
    private static boolean canAllocateNow(NodeState n, ResourceSpec spec) {
        Allocation a = n.allocator.tryAllocate(spec).orElse(null);
        if (a == null) return false;
        n.allocator.release(a);
        return true;
    }

    private void grant(RequestLease m, NodeState node, Allocation a) {
        Lease lease = new Lease(leasePrefix + (++leaseCounter), m.requestId(), node.nodeId, node.agent, a);
        leases.put(lease.leaseId(), new Held(lease, node, m.replyTo(), m.group()));
        heldByGroup.merge(m.group(), 1, Integer::sum);
        node.leases++;
        m.replyTo().tell(new LeaseReply.Granted(lease));
        if (Boolean.TRUE.equals(contention.get(m.group()))) {
            m.replyTo().tell(new LeaseReply.Contention(m.group(), true));
        }
    }

    private Behavior<Command> onRelease(ReleaseLease m) {
        Held h = leases.remove(m.leaseId());
        if (h == null) return this;
        freeHeld(h);
        drainQueue();
        updateContention();
        return this;
    }

    private void freeHeld(Held h) {
        h.node.allocator.release(h.lease.allocation());
        h.node.leases--;
        heldByGroup.computeIfPresent(h.group, (g, c) -> c > 1 ? c - 1 : null);
    }

    private Behavior<Command> onCancel(CancelRequest m) {
        for (Iterator<ArrayDeque<Waiting>> qi = queues.values().iterator(); qi.hasNext(); ) {
            ArrayDeque<Waiting> q = qi.next();
            if (q.removeIf(w -> w.request().requestId().equals(m.requestId()))) {
                queued = countQueued();
                if (q.isEmpty()) qi.remove();
                updateContention();
                break;
            }
        }
        return this;
    }

    private int countQueued() {
        int n = 0;
        for (ArrayDeque<Waiting> q : queues.values()) n += q.size();
        return n;
    }

    /**
     * Grants queued requests while any fits: each round serves the group holding the fewest
     * leases (ties: the group whose oldest request is oldest), its first request that fits now.
     */
    private void drainQueue() {
        if (queued == 0) return;
        if (queues.size() == 1) { // one group: arrival order, skipping what does not fit
            ArrayDeque<Waiting> q = queues.values().iterator().next();
            Iterator<Waiting> it = q.iterator();
            while (it.hasNext()) {
                if (tryGrant(it.next().request())) {
                    it.remove();
                    queued--;
                }
            }
            if (q.isEmpty()) queues.clear();
            return;
        }
        List<String> order = new ArrayList<>(queues.keySet());
        boolean progress = true;
        while (progress && queued > 0) {
            progress = false;
            order.removeIf(g -> !queues.containsKey(g));
            order.sort((x, y) -> {
                int c = Integer.compare(heldByGroup.getOrDefault(x, 0), heldByGroup.getOrDefault(y, 0));
                return c != 0 ? c : Long.compare(queues.get(x).peekFirst().seq(), queues.get(y).peekFirst().seq());
            });
            for (String g : order) {
                ArrayDeque<Waiting> q = queues.get(g);
                Iterator<Waiting> it = q.iterator();
                while (it.hasNext()) {
                    if (tryGrant(it.next().request())) {
                        it.remove();
                        queued--;
                        progress = true;
                        break;
                    }
                }
                if (q.isEmpty()) queues.remove(g);
                if (progress) break;
            }
        }
    }

    /**
     * Tells each group's holders whether other groups' requests wait (only requests some node
     * could hold count: unmet demand is the autoscaler's business, not a reason to give back).
     */
    private void updateContention() {
        if (leases.isEmpty()) {
            contention.clear();
            return;
        }
        Map<String, Boolean> waitingFeasible = new HashMap<>();
        for (Map.Entry<String, ArrayDeque<Waiting>> e : queues.entrySet()) {
            for (Waiting w : e.getValue()) {
                if (feasibleAnywhere(w.request().spec())) {
                    waitingFeasible.put(e.getKey(), true);
                    break;
                }
            }
        }
        Map<String, List<ActorRef<LeaseReply>>> holders = new HashMap<>();
        for (Held h : leases.values()) {
            List<ActorRef<LeaseReply>> l = holders.computeIfAbsent(h.group, g -> new ArrayList<>());
            if (!l.contains(h.replyTo)) l.add(h.replyTo);
        }
        for (Map.Entry<String, List<ActorRef<LeaseReply>>> e : holders.entrySet()) {
            String g = e.getKey();
            boolean others = false;
            for (String w : waitingFeasible.keySet()) {
                if (!w.equals(g)) {
                    others = true;
                    break;
                }
            }
            Boolean before = contention.put(g, others);
            if (before == null ? others : before != others) {
                for (ActorRef<LeaseReply> r : e.getValue()) r.tell(new LeaseReply.Contention(g, others));
            }
        }
        contention.keySet().retainAll(holders.keySet());
    }

    private boolean feasibleAnywhere(ResourceSpec spec) {
        for (NodeState n : nodes.values()) {
            if (n.allocator.fits(spec)) return true;
        }
        return false;
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
                heldByGroup.computeIfPresent(h.group, (g, c) -> c > 1 ? c - 1 : null);
                h.replyTo.tell(new LeaseReply.Revoked(h.lease.requestId(), h.lease.leaseId(),
                        "node " + m.nodeId() + " left the cluster"));
            }
        }
        drainQueue();
        updateContention();
        return this;
    }

    /**
     * A holder's JVM left the cluster (a driver killed with {@code kill -9} is downed by the
     * split-brain resolver and removed): its leases are released, the work running on them is
     * stopped, and its queued requests are dropped, so that a dead driver holds nothing.
     */
    private Behavior<Command> onMemberGone(MemberGone m) {
        int freed = 0;
        Iterator<Held> it = leases.values().iterator();
        while (it.hasNext()) {
            Held h = it.next();
            if (m.address().equals(h.replyTo.path().address())) {
                it.remove();
                freeHeld(h);
                h.node.agent.tell(new NodeAgent.StopWork(h.lease.leaseId()));
                freed++;
            }
        }
        int dropped = 0;
        for (Iterator<ArrayDeque<Waiting>> qi = queues.values().iterator(); qi.hasNext(); ) {
            ArrayDeque<Waiting> q = qi.next();
            int before = q.size();
            q.removeIf(w -> m.address().equals(w.request().replyTo().path().address()));
            dropped += before - q.size();
            if (q.isEmpty()) qi.remove();
        }
        queued = countQueued();
        if (freed > 0 || dropped > 0) {
            log.warn("member {} left: released its {} leases (their work is stopped) and dropped {} queued requests",
                    m.address(), freed, dropped);
            drainQueue();
            updateContention();
        }
        return this;
    }

    private Behavior<Command> onStatus(GetStatus m) {
        Map<NodeState, List<String>> holders = new HashMap<>();
        for (Held h : leases.values()) {
            holders.computeIfAbsent(h.node, k -> new ArrayList<>())
                    .add(h.group.isEmpty() ? h.lease.requestId() : h.group + "/" + h.lease.requestId());
        }
        List<ClusterStatus.Node> list = new ArrayList<>(nodes.size());
        for (NodeState n : nodes.values()) {
            int g = n.allocator.inventory().gpus().size();
            List<Double> frac = new ArrayList<>(g);
            List<Long> mem = new ArrayList<>(g);
            for (var gpu : n.allocator.inventory().gpus()) {
                frac.add(n.allocator.freeGpuFraction(gpu.index()));
                mem.add(n.allocator.freeGpuMemoryBytes(gpu.index()));
            }
            List<String> running = holders.getOrDefault(n, new ArrayList<>());
            running.sort(null);
            list.add(new ClusterStatus.Node(n.nodeId, n.allocator.inventory(), n.allocator.freeCpus(),
                    n.allocator.freeMemoryBytes(), frac, mem, n.leases, running));
        }
        List<ResourceSpec> unmet = new ArrayList<>();
        List<Waiting> all = new ArrayList<>(queued);
        for (ArrayDeque<Waiting> q : queues.values()) all.addAll(q);
        all.sort((x, y) -> Long.compare(x.seq(), y.seq()));
        for (Waiting w : all) {
            if (!feasibleAnywhere(w.request().spec())) unmet.add(w.request().spec());
        }
        m.replyTo().tell(new ClusterStatus(list, queued, unmet));
        return this;
    }
}
