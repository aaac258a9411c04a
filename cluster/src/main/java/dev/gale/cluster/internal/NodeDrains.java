package dev.gale.cluster.internal;

import dev.gale.cluster.LeaseReply;
import dev.gale.cluster.NodeAgent;
import dev.gale.cluster.ResourceManager;
import org.apache.pekko.actor.typed.ActorRef;
import org.slf4j.Logger;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How a ResourceManager empties nodes: drains ({@link ResourceManager.DrainNode}) and
 * consolidation ({@link ResourceManager.Consolidate}), with who waits for each drain to end and how
 * many leases were revoked at its deadline. Part of the ResourceManager actor (same thread, not
 * thread-safe); it tells agents, holders and drain waiters directly. The caller publishes the
 * change afterwards.
 *
 * <p>Promises:
 * <ul>
 *   <li>A draining node gets no new lease (the engine's rule) and its agent is told
 *       ({@link NodeAgent.SetDraining}); past its deadline its leases are revoked, each holder gets
 *       {@link LeaseReply.Revoked} and the agent {@link NodeAgent.LeaseEnded}.</li>
 *   <li>Every waiter of a drain gets exactly one {@link ResourceManager.DrainReply}: Drained once
 *       the node holds no lease or is gone (counting the leases revoked at the deadline), or
 *       UnknownNode at once.</li>
 *   <li>Consolidation drains only the nodes {@link Consolidator} chooses (none while the engine is
 *       paused) and asks the holder of every lease to move ({@link LeaseReply.MoveRequested}).</li>
 * </ul>
 */
public final class NodeDrains {
    private final PlacementEngine<HolderRef> engine;
    private final Clock clock;
    private final Map<String, ActorRef<NodeAgent.Command>> agents;
    private final Rebuild rebuild;
    private final Logger log;
    private final int consolidationTried;
    private final Map<String, List<ActorRef<ResourceManager.DrainReply>>> drainWaiters = new LinkedHashMap<>();
    private final Map<String, Integer> revokedByDrain = new HashMap<>();

    /**
     * @param agents             the registered nodes' agents (the ResourceManager's map, read here)
     * @param log                where drains are logged (the ResourceManager's logger)
     * @param consolidationTried candidates a consolidation checks at most
     */
    public NodeDrains(PlacementEngine<HolderRef> engine, Clock clock, Map<String, ActorRef<NodeAgent.Command>> agents,
                      Rebuild rebuild, Logger log, int consolidationTried) {
        this.engine = engine;
        this.clock = clock;
        this.agents = agents;
        this.rebuild = rebuild;
        this.log = log;
        this.consolidationTried = consolidationTried;
    }

    /**
     * Drains a node, or answers {@link ResourceManager.DrainReply.UnknownNode}; true when it drains
     * (the caller then publishes the change).
     */
    public boolean drain(ResourceManager.DrainNode m) {
        if (engine.node(m.nodeId()) == null) {
            m.replyTo().tell(new ResourceManager.DrainReply.UnknownNode(m.nodeId(), new ArrayList<>(agents.keySet())));
            return false;
        }
        long deadline = clock.millis() + m.deadline().toMillis();
        engine.setDraining(m.nodeId(), deadline);
        agents.get(m.nodeId()).tell(new NodeAgent.SetDraining(deadline));
        drainWaiters.computeIfAbsent(m.nodeId(), k -> new ArrayList<>()).add(m.replyTo());
        log.info("draining node {}: {} leases may run until {}", m.nodeId(), engine.node(m.nodeId()).leases(),
                Instant.ofEpochMilli(deadline));
        check();
        return true;
    }

    /**
     * Empties under-used nodes by moving their work and answers {@link ResourceManager.Consolidating};
     * true when it drains some (the caller then publishes the change).
     */
    public boolean consolidate(ResourceManager.Consolidate m) {
        List<String> nodes = engine.paused() ? List.of() : Consolidator.choose(engine,
                id -> m.only().isEmpty() || m.only().contains(id), m.maxNodes(), consolidationTried);
        if (nodes.isEmpty()) {
            m.replyTo().tell(new ResourceManager.Consolidating(List.of()));
            return false;
        }
        long deadline = clock.millis() + m.deadline().toMillis();
        Instant at = Instant.ofEpochMilli(deadline);
        for (String id : nodes) {
            engine.setDraining(id, deadline);
            ActorRef<NodeAgent.Command> agent = agents.get(id);
            if (agent != null) agent.tell(new NodeAgent.SetDraining(deadline));
        }
        int asked = 0;
        for (EngineLease<HolderRef> h : Consolidator.leasesToMove(engine, nodes)) {
            if (h.holder() == null) continue;
            h.holder().replyTo().tell(new LeaseReply.MoveRequested(h.demandKey(), h.leaseId(), at));
            asked++;
        }
        log.info("consolidating nodes {}: {} leases asked to move by {}", nodes, asked, at);
        m.replyTo().tell(new ResourceManager.Consolidating(nodes));
        return true;
    }

    /** Revokes the leases of drained nodes past their deadline; answers drains that are done. True when it revoked some. */
    public boolean check() {
        long now = clock.millis();
        boolean any = false;
        for (var n : engine.nodes()) {
            if (!n.draining() || n.leases() == 0 || now < n.drainDeadlineMs()) continue;
            List<EngineLease<HolderRef>> revoked = engine.revokeNode(n.id());
            any = true;
            revokedByDrain.merge(n.id(), revoked.size(), Integer::sum);
            log.warn("node {} drained past its deadline: revoking its {} leases", n.id(), revoked.size());
            ActorRef<NodeAgent.Command> agent = agents.get(n.id());
            for (EngineLease<HolderRef> h : revoked) {
                rebuild.forget(h.leaseId());
                if (agent != null) agent.tell(new NodeAgent.LeaseEnded(h.leaseId()));
                if (h.holder() != null) {
                    h.holder().replyTo().tell(new LeaseReply.Revoked(h.demandKey(), h.leaseId(),
                            "node " + n.id() + " was drained and its deadline passed"));
                }
            }
        }
        if (drainWaiters.isEmpty()) return any;
        for (String id : new ArrayList<>(drainWaiters.keySet())) {
            var n = engine.node(id);
            if (n == null || n.leases() == 0) answer(id);
        }
        return any;
    }

    /** Answers the drains of {@code nodeId} (it is empty, or gone) with the leases revoked at their deadline. */
    public void answer(String nodeId) {
        List<ActorRef<ResourceManager.DrainReply>> waiters = drainWaiters.remove(nodeId);
        Integer counted = revokedByDrain.remove(nodeId);
        if (waiters == null) return;
        int revoked = counted == null ? 0 : counted;
        for (ActorRef<ResourceManager.DrainReply> r : waiters) r.tell(new ResourceManager.DrainReply.Drained(nodeId, revoked));
    }
}
