package dev.gale.cluster;

import dev.gale.cluster.internal.DemandEntry;
import dev.gale.cluster.internal.DemandPublisher;
import dev.gale.cluster.internal.EngineLease;
import dev.gale.cluster.internal.HolderRef;
import dev.gale.cluster.internal.NodeDrains;
import dev.gale.cluster.internal.PlacementEngine;
import dev.gale.cluster.internal.Rebuild;
import dev.gale.cluster.internal.StatusViews;
import dev.gale.cluster.internal.Throttle;
import dev.gale.gpu.NodeInventory;
import dev.gale.gpu.ResourceSpec;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.ClusterEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The cluster-wide resource manager (a cluster singleton): a router around a pure
 * {@link PlacementEngine} that keeps only messaging, membership and timers. It knows every node's
 * inventory and labels, grants {@link Bundle}s by packing them onto nodes, queues what does not
 * fit now, publishes the demand, drains nodes, and revokes the leases of nodes that leave. The
 * drains and consolidation are kept by {@link NodeDrains}, contention and demand snapshots by
 * {@link DemandPublisher}: plain objects owned by this actor, run on its thread.
 *
 * <p>Promises:
 * <ul>
 *   <li>It never grants more than a node offers, and a bundle is granted whole or not at all,
 *       with the strategy it asks for (see {@link Placement}).</li>
 *   <li>Queueing: a request that cannot fit yet never blocks a later one that can; when resources
 *       free up, the group holding the fewest leases is served first (max-min fairness), in
 *       arrival order within a group. Holders are told with {@link LeaseReply.Contention} while
 *       other groups wait, so that they give back leases rather than reuse them.</li>
 *   <li>Demand ({@link Demand}) is kept as one entry per (holder, key) with a count; a holder
 *       reports the grants it has received with each update, so updates and grants never
 *       over-grant. A bundle that fits no node shape is refused at once
 *       ({@link LeaseReply.Refused}); one that waits past its pending timeout while its group
 *       holds no lease gets {@link LeaseReply.TimedOut}. Single {@link RequestLease}s keep
 *       waiting as unmet demand, as before.</li>
 *   <li>Every granted lease is either released by its holder or revoked with a
 *       {@link LeaseReply.Revoked} (node lost, drained past its deadline, or not re-adoptable);
 *       the node's agent is told of every release and revocation ({@link NodeAgent.LeaseEnded}).</li>
 *   <li>Demand is published: subscribers get a {@link DemandSnapshot} on change, at most every
 *       {@value #PUBLISH_INTERVAL_MS} ms; dead subscribers are dropped.</li>
 *   <li>Failover: a new singleton grants nothing until it has rebuilt what is held — every node
 *       member re-advertised the leases running there and holders re-attached theirs
 *       ({@link SyncHolder}) — or {@link Rebuild#MAX_REBUILD} passed. A lease it cannot re-adopt
 *       (its node is gone, or its resources are taken) is revoked, never granted twice.</li>
 *   <li>{@link ClusterStatus#unmetDemand()} lists the waiting specs that no registered node could
 *       hold even when empty: what an autoscaler must add nodes for.</li>
 * </ul>
 */
public final class ResourceManager extends AbstractBehavior<ResourceManager.Command> {
    private static final Logger log = LoggerFactory.getLogger(ResourceManager.class);

    /** The least time between two published demand snapshots. */
    public static final long PUBLISH_INTERVAL_MS = 500;
    private static final Duration TICK = Duration.ofMillis(200);
    /** Candidates a {@link Consolidate} checks at most (each check places on every other node). */
    static final int CONSOLIDATION_TRIED = 32;

    /** Messages of the ResourceManager. */
    public sealed interface Command extends ClusterMessage {
    }

    /**
     * A node advertises itself (idempotent; sent again periodically).
     *
     * @param nodeId            its address
     * @param inventory         what it offers
     * @param agent             its agent
     * @param labels            its labels (null: none)
     * @param leases            the leases with work running there (re-adopted by a new ResourceManager)
     * @param drainDeadlineMs   when it was told to drain, the drain's deadline (epoch ms), else -1
     */
    public record RegisterNode(String nodeId, NodeInventory inventory, ActorRef<NodeAgent.Command> agent,
                               Map<String, String> labels, List<NodeAgent.RunningLease> leases, long drainDeadlineMs)
            implements Command {
        public RegisterNode {
            labels = Bundle.checkLabels("labels", labels);
            leases = leases == null ? List.of() : List.copyOf(leases);
        }

        /** A node without labels, running nothing. */
        public RegisterNode(String nodeId, NodeInventory inventory, ActorRef<NodeAgent.Command> agent) {
            this(nodeId, inventory, agent, Map.of(), List.of(), -1);
        }
    }

    /**
     * Asks for a lease of {@code spec}; answered with {@link LeaseReply.Granted} when it fits. A
     * demand of count 1 that is forgotten once granted; it waits (as unmet demand) even when no
     * node could hold it.
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

    /**
     * One line of a holder's demand: it could use {@code count} more grants of {@code bundle}
     * (beyond those it holds), having received {@code received} grants of this key so far.
     *
     * @param demandKey        the holder's key for this demand
     * @param bundle           what one grant is
     * @param count            how many more grants it could use now (0 withdraws)
     * @param received         grants of this key received so far (the engine subtracts those still on their way)
     * @param pendingTimeout   time out while its group holds no lease for this long (null: never)
     * @param refuseInfeasible refuse at once when it fits no node shape (false: wait as unmet demand)
     */
    public record Want(String demandKey, Bundle bundle, int count, long received, Duration pendingTimeout,
                       boolean refuseInfeasible) implements ClusterMessage {
        public Want {
            if (demandKey == null) throw new IllegalArgumentException("demandKey is null: name the demand (e.g. the spec's name)");
            if (bundle == null) throw new IllegalArgumentException("bundle is null: say what one grant is");
            if (count < 0) throw new IllegalArgumentException("count = " + count + ": must be >= 0 (0 withdraws)");
            if (received < 0) throw new IllegalArgumentException("received = " + received + ": must be >= 0");
            if (pendingTimeout != null && (pendingTimeout.isNegative() || pendingTimeout.isZero())) {
                throw new IllegalArgumentException("pendingTimeout = " + pendingTimeout + ": must be positive, or null for none");
            }
        }
    }

    /** A holder's demand for one key (see {@link LeasePool#want}); answered with {@link LeaseReply.BundleGranted} per grant. */
    public record Demand(String holderId, String group, ActorRef<LeaseReply> replyTo, Want want) implements Command {
        public Demand {
            if (holderId == null || holderId.isEmpty()) throw new IllegalArgumentException("holderId is empty: give the holder an id");
            if (group == null) group = "";
            if (replyTo == null) throw new IllegalArgumentException("replyTo is null");
            if (want == null) throw new IllegalArgumentException("want is null");
        }
    }

    /**
     * A holder's full state, sent every ~2 s ({@link LeasePool#sync()}): the leases it holds and
     * all its demand. Keys it no longer lists are withdrawn; a new ResourceManager re-adopts the
     * leases (or revokes those it cannot).
     */
    public record SyncHolder(String holderId, String group, ActorRef<LeaseReply> replyTo, List<Lease> held, List<Want> wants)
            implements Command {
        public SyncHolder {
            if (holderId == null || holderId.isEmpty()) throw new IllegalArgumentException("holderId is empty: give the holder an id");
            if (group == null) group = "";
            held = held == null ? List.of() : List.copyOf(held);
            wants = wants == null ? List.of() : List.copyOf(wants);
        }
    }

    /**
     * A holder is done: all its demand is withdrawn, and every lease still granted to it is
     * released (the holder releases those it received; this also frees a grant still on its way).
     */
    public record WithdrawHolder(String holderId) implements Command {
    }

    /** Subscribes to {@link DemandSnapshot}s: one now, then on change (at most every 500 ms) until unsubscribed or dead. */
    public record SubscribeDemand(ActorRef<DemandSnapshot> subscriber) implements Command {
    }

    /** Ends a {@link SubscribeDemand}. */
    public record UnsubscribeDemand(ActorRef<DemandSnapshot> subscriber) implements Command {
    }

    /**
     * Drains a node: no new leases there; running work ends normally; past {@code deadline} its
     * leases are revoked. Answered with {@link DrainReply.Drained} once it holds no lease (at once
     * if it holds none), or {@link DrainReply.UnknownNode}.
     *
     * @param nodeId   the node's address ({@code pekko://gale@host:port})
     * @param deadline how long its leases may still run
     */
    public record DrainNode(String nodeId, Duration deadline, ActorRef<DrainReply> replyTo) implements Command {
        public DrainNode {
            if (nodeId == null) throw new IllegalArgumentException("nodeId is null: name the node (pekko://gale@host:port)");
            if (deadline == null || deadline.isNegative()) {
                throw new IllegalArgumentException("deadline = " + deadline + ": give how long running work may go on (>= 0)");
            }
        }
    }

    /** The answers to {@link DrainNode}. */
    public sealed interface DrainReply extends ClusterMessage {
        /** The node asked for. */
        String nodeId();

        /**
         * The node holds no lease and gets no new one.
         *
         * @param revoked leases revoked at the deadline (0: all work ended by itself)
         */
        record Drained(String nodeId, int revoked) implements DrainReply {
        }

        /** No such node is registered. */
        record UnknownNode(String nodeId, List<String> known) implements DrainReply {
        }
    }

    /**
     * A holder says whether the work on one of its leases is <em>movable</em>: it can stop that
     * work and resume it on another lease without losing more than it accepts to lose (a trial
     * that saved a checkpoint). Only nodes whose every lease is movable are emptied by
     * {@link Consolidate}. Leases start not movable; unknown ids are ignored.
     */
    public record SetMovable(String leaseId, boolean movable) implements Command {
        public SetMovable {
            if (leaseId == null) throw new IllegalArgumentException("leaseId is null: name the lease");
        }
    }

    /**
     * Empties under-used nodes by moving their work (an autoscaler's consolidation): chooses up to
     * {@code maxNodes} nodes whose every lease is movable ({@link SetMovable}) and whose work — with
     * the other leases of the same grants, a gang moving whole — fits at once on the nodes that stay
     * (the ResourceManager's own placement rules, least-used nodes first), drains them with
     * {@code deadline} as {@link DrainNode} does, and asks the holder of every lease to move with
     * {@link LeaseReply.MoveRequested}. Answered with {@link Consolidating} naming the nodes (none
     * when nothing can be emptied); follow with {@link DrainNode} on each to learn when it is empty.
     *
     * @param maxNodes at most this many nodes (>= 1)
     * @param deadline how long the work may take to stop before its leases are revoked
     * @param only     the nodes that may be emptied (e.g. those an autoscaler launched); empty: any node
     */
    public record Consolidate(int maxNodes, Duration deadline, Set<String> only, ActorRef<Consolidating> replyTo) implements Command {
        public Consolidate {
            only = only == null ? Set.of() : Set.copyOf(only);
            if (maxNodes < 1) throw new IllegalArgumentException("maxNodes = " + maxNodes + ": give 1 or more");
            if (deadline == null || deadline.isNegative()) {
                throw new IllegalArgumentException("deadline = " + deadline + ": give how long moving work may take to stop (>= 0)");
            }
            if (replyTo == null) throw new IllegalArgumentException("replyTo is null");
        }
    }

    /** The answer to {@link Consolidate}: the nodes now draining while their work moves (empty: none). */
    public record Consolidating(List<String> nodeIds) implements ClusterMessage {
        public Consolidating {
            nodeIds = nodeIds == null ? List.of() : List.copyOf(nodeIds);
        }
    }

    /**
     * A node type an autoscaler may launch: its name, the shape of one node of it, and how many
     * more nodes of it may be added.
     */
    public record Launchable(String name, NodeShape shape, int maxNodes) implements ClusterMessage {
        public Launchable {
            if (name == null || name.isBlank()) throw new IllegalArgumentException("name is blank: name the node type");
            if (shape == null) throw new IllegalArgumentException("shape is null: give the shape of one node of type " + name);
            if (maxNodes < 0) throw new IllegalArgumentException("maxNodes = " + maxNodes + ": must be >= 0");
        }
    }

    /**
     * Sets the node types an autoscaler may launch (replacing those set before; an empty list
     * withdraws them). Demand that fits no current node but fits nodes of these types (with the
     * current ones) is then not refused ({@link LeaseReply.Refused}) but waits as unmet demand
     * until the autoscaler adds the nodes; demand that fits neither is refused as before, and its
     * reason names these types too. Demand waiting on types that are withdrawn or shrunk, and
     * that fits nothing any more, is refused then.
     */
    public record SetLaunchable(List<Launchable> types) implements Command {
        public SetLaunchable {
            types = types == null ? List.of() : List.copyOf(types);
        }
    }

    /** An agent stopped (its node left or crashed): every node it served goes. */
    private record AgentGone(ActorRef<NodeAgent.Command> agent) implements Command {
    }

    /** A cluster member was removed: the leases and requests of holders that lived there go. */
    private record MemberGone(Address address) implements Command {
    }

    private record SubscriberGone(ActorRef<DemandSnapshot> subscriber) implements Command {
    }

    private enum Tick implements Command { INSTANCE }

    private enum Publish implements Command { INSTANCE }

    private final Clock clock;
    private final PlacementEngine<HolderRef> engine;
    private final Rebuild rebuild;
    private final Map<String, ActorRef<NodeAgent.Command>> agents = new HashMap<>();
    private final DemandPublisher publisher;
    private final NodeDrains drains;

    /** The behavior of the singleton, on the system clock. */
    public static Behavior<Command> create() {
        return create(Clock.systemUTC());
    }

    /** The behavior of the singleton; {@code clock} dates demand, idle times, timeouts and drain deadlines. */
    public static Behavior<Command> create(Clock clock) {
        return create(clock, false);
    }

    /**
     * As {@link #create(Clock)}; with {@code takeover} it rebuilds as after a failover (waits
     * {@link Rebuild#HOLDER_GRACE} for holders to re-attach) even when the membership does not
     * show other nodes, e.g. in a test system that is not part of a cluster.
     */
    public static Behavior<Command> create(Clock clock, boolean takeover) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> new ResourceManager(ctx, timers, clock, takeover)));
    }

    private ResourceManager(ActorContext<Command> ctx, TimerScheduler<Command> timers, Clock clock, boolean takeover) {
        super(ctx);
        this.clock = clock;
        String prefix = Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffffL) + "-";
        this.engine = new PlacementEngine<>(clock, prefix, new Replies());
        this.rebuild = new Rebuild(engine, org.apache.pekko.cluster.typed.Cluster.get(ctx.getSystem()), ctx.getLog(), takeover);
        this.publisher = new DemandPublisher(engine, clock, new Throttle(Duration.ofMillis(PUBLISH_INTERVAL_MS), System::nanoTime),
                wait -> timers.startSingleTimer(Publish.INSTANCE, Duration.ofMillis(wait)));
        this.drains = new NodeDrains(engine, clock, agents, rebuild, log, CONSOLIDATION_TRIED);
        engine.pause();
        ActorRef<ClusterEvent.MemberRemoved> removed = ctx.messageAdapter(ClusterEvent.MemberRemoved.class,
                e -> new MemberGone(e.member().address()));
        org.apache.pekko.cluster.typed.Cluster.get(ctx.getSystem()).subscriptions().tell(
                org.apache.pekko.cluster.typed.Subscribe.create(removed, ClusterEvent.MemberRemoved.class));
        timers.startTimerWithFixedDelay(Tick.INSTANCE, TICK);
        finishRebuildIfDone();
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(RegisterNode.class, this::onRegister)
                .onMessage(RequestLease.class, this::onRequest)
                .onMessage(Demand.class, this::onDemand)
                .onMessage(SyncHolder.class, this::onSync)
                .onMessage(WithdrawHolder.class, this::onWithdraw)
                .onMessage(ReleaseLease.class, this::onRelease)
                .onMessage(CancelRequest.class, this::onCancel)
                .onMessage(GetStatus.class, this::onStatus)
                .onMessage(SubscribeDemand.class, this::onSubscribe)
                .onMessage(UnsubscribeDemand.class, this::onUnsubscribe)
                .onMessage(SubscriberGone.class, this::onSubscriberGone)
                .onMessage(DrainNode.class, this::onDrain)
                .onMessage(SetMovable.class, this::onSetMovable)
                .onMessage(Consolidate.class, this::onConsolidate)
                .onMessage(SetLaunchable.class, this::onSetLaunchable)
                .onMessage(AgentGone.class, this::onAgentGone)
                .onMessage(MemberGone.class, this::onMemberGone)
                .onMessageEquals(Tick.INSTANCE, this::onTick)
                .onMessageEquals(Publish.INSTANCE, this::onPublish)
                .build();
    }

    /** Sends what the engine decided. */
    private final class Replies implements PlacementEngine.Listener<HolderRef> {
        @Override
        public void granted(DemandEntry<HolderRef> e, List<EngineLease<HolderRef>> leases) {
            HolderRef h = e.holder();
            if (e.single()) {
                h.replyTo().tell(new LeaseReply.Granted(lease(leases.getFirst())));
            } else {
                List<Lease> out = new ArrayList<>(leases.size());
                for (EngineLease<HolderRef> l : leases) out.add(lease(l));
                h.replyTo().tell(new LeaseReply.BundleGranted(e.holderId(), e.demandKey(), out));
            }
            if (publisher.contended(e.group())) h.replyTo().tell(new LeaseReply.Contention(e.group(), true));
        }

        @Override
        public void refused(DemandEntry<HolderRef> e, String reason) {
            log.info("refused: {}", reason);
            e.holder().replyTo().tell(new LeaseReply.Refused(e.demandKey(), reason));
        }

        @Override
        public void timedOut(DemandEntry<HolderRef> e, String reason) {
            log.info("timed out: {}", reason);
            e.holder().replyTo().tell(new LeaseReply.TimedOut(e.demandKey(), reason));
        }
    }

    private Lease lease(EngineLease<HolderRef> h) {
        return new Lease(h.leaseId(), h.demandKey(), h.node().id(), agents.get(h.node().id()), h.allocation());
    }

    // ------------------------------------------------------------------ nodes

    private Behavior<Command> onRegister(RegisterNode m) {
        ActorRef<NodeAgent.Command> known = agents.get(m.nodeId());
        if (known != null && known.equals(m.agent())) {
            rebuild.reconcile(m, known);
            return this;
        }
        if (known != null) nodeGone(m.nodeId(), "re-registered with a new agent (the node restarted)");
        engine.addNode(m.nodeId(), m.inventory(), m.labels());
        agents.put(m.nodeId(), m.agent());
        getContext().watchWith(m.agent(), new AgentGone(m.agent())); // the same message for the same agent: watching twice is fine
        if (m.drainDeadlineMs() >= 0) engine.setDraining(m.nodeId(), m.drainDeadlineMs());
        rebuild.adoptReported(m, m.agent());
        log.info("node {} registered: {} cpus, {} GPUs, labels {}{}", m.nodeId(), m.inventory().cpus(), m.inventory().gpus().size(),
                m.labels(), m.leases().isEmpty() ? "" : ", " + m.leases().size() + " leases running there");
        if (!finishRebuildIfDone()) changed(true);
        return this;
    }

    private Behavior<Command> onAgentGone(AgentGone m) {
        List<String> gone = new ArrayList<>();
        agents.forEach((id, a) -> {
            if (a.equals(m.agent())) gone.add(id); // an older incarnation's agent matches nothing any more
        });
        if (gone.isEmpty()) return this;
        for (String id : gone) nodeGone(id, "left the cluster");
        changed(true);
        return this;
    }

    private void nodeGone(String nodeId, String why) {
        agents.remove(nodeId);
        List<EngineLease<HolderRef>> lost = engine.removeNode(nodeId);
        log.warn("node {} {}; revoking its {} leases", nodeId, why, lost.size());
        for (EngineLease<HolderRef> h : lost) {
            rebuild.forget(h.leaseId());
            if (h.holder() != null) {
                h.holder().replyTo().tell(new LeaseReply.Revoked(h.demandKey(), h.leaseId(), "node " + nodeId + " " + why));
            }
        }
        drains.answer(nodeId);
    }

    /**
     * A holder's JVM left the cluster (a driver killed with {@code kill -9} is downed by the
     * split-brain resolver and removed): its leases are released, the work running on them is
     * stopped, and its demand is dropped, so that a dead driver holds nothing.
     */
    private Behavior<Command> onMemberGone(MemberGone m) {
        int freed = 0;
        for (EngineLease<HolderRef> h : engine.leasesWhere(h -> h.holder() != null
                && m.address().equals(h.holder().replyTo().path().address()))) {
            endLease(h.leaseId());
            freed++;
        }
        freed += rebuild.endOrphansOf(m.address().toString(), this::endLease);
        int dropped = engine.removeWhere(e -> m.address().equals(e.holder().replyTo().path().address()));
        if (freed > 0 || dropped > 0) {
            log.warn("member {} left: released its {} leases (their work is stopped) and dropped {} waiting demands",
                    m.address(), freed, dropped);
            changed(true);
        }
        return this;
    }

    /** Releases a lease here and tells its node (whose agent stops the work still on it). */
    private void endLease(String leaseId) {
        EngineLease<HolderRef> h = engine.release(leaseId);
        if (h == null) return;
        rebuild.forget(leaseId);
        ActorRef<NodeAgent.Command> agent = agents.get(h.node().id());
        if (agent != null) agent.tell(new NodeAgent.LeaseEnded(leaseId));
    }

    // ------------------------------------------------------------------ demand

    private Behavior<Command> onRequest(RequestLease m) {
        engine.want("", m.requestId(), new HolderRef("", m.group(), m.replyTo()), m.group(), Bundle.of(m.spec(), m.placement()),
                1, 0, -1, false, true);
        changed(false);
        return this;
    }

    private Behavior<Command> onDemand(Demand m) {
        want(m.holderId(), m.group(), m.replyTo(), m.want());
        changed(false);
        return this;
    }

    private void want(String holderId, String group, ActorRef<LeaseReply> replyTo, Want w) {
        long timeout = w.pendingTimeout() == null ? -1 : w.pendingTimeout().toMillis();
        engine.want(holderId, w.demandKey(), new HolderRef(holderId, group, replyTo), group, w.bundle(), w.count(), w.received(),
                timeout, w.refuseInfeasible(), false);
    }

    private Behavior<Command> onSync(SyncHolder m) {
        HolderRef h = new HolderRef(m.holderId(), m.group(), m.replyTo());
        rebuild.claim(h, m.held());
        Set<String> keys = new HashSet<>();
        for (Want w : m.wants()) {
            keys.add(w.demandKey());
            want(m.holderId(), m.group(), m.replyTo(), w);
        }
        for (DemandEntry<HolderRef> e : engine.entriesOf(m.holderId())) {
            if (!keys.contains(e.demandKey()) && e.outstanding() > 0) {
                engine.want(m.holderId(), e.demandKey(), h, e.group(), e.bundle(), 0, e.issued(), -1, false, false);
            }
        }
        changed(true);
        return this;
    }

    /**
     * A holder closed: its demand is dropped, and a lease still granted to it is released (a grant
     * that crossed the holder's close reaches a stopped actor, which can never give it back).
     */
    private Behavior<Command> onWithdraw(WithdrawHolder m) {
        boolean dropped = engine.removeWhere(e -> e.holderId().equals(m.holderId())) > 0;
        List<EngineLease<HolderRef>> left = engine.leasesWhere(h -> h.holder() != null && h.holder().holderId().equals(m.holderId()));
        for (EngineLease<HolderRef> h : left) endLease(h.leaseId());
        if (!left.isEmpty()) changed(true);
        else if (dropped) changed(false);
        return this;
    }

    private Behavior<Command> onRelease(ReleaseLease m) {
        EngineLease<HolderRef> h = engine.release(m.leaseId());
        if (h == null) {
            rebuild.releasedUnknown(m.leaseId());
            return this;
        }
        rebuild.forget(m.leaseId());
        ActorRef<NodeAgent.Command> agent = agents.get(h.node().id());
        if (agent != null) agent.tell(new NodeAgent.LeaseEnded(m.leaseId()));
        changed(true);
        return this;
    }

    private Behavior<Command> onCancel(CancelRequest m) {
        DemandEntry<HolderRef> e = engine.entry("", m.requestId());
        if (e != null) {
            engine.remove(e);
            changed(false);
        }
        return this;
    }

    private Behavior<Command> onSetLaunchable(SetLaunchable m) {
        engine.setLaunchable(m.types());
        log.info("launchable node types: {}", m.types());
        changed(false);
        return this;
    }

    // ------------------------------------------------------------------ drain

    private Behavior<Command> onDrain(DrainNode m) {
        if (drains.drain(m)) changed(false);
        return this;
    }

    private Behavior<Command> onSetMovable(SetMovable m) {
        engine.setMovable(m.leaseId(), m.movable());
        return this;
    }

    private Behavior<Command> onConsolidate(Consolidate m) {
        if (drains.consolidate(m)) changed(false);
        return this;
    }

    // ------------------------------------------------------------------ timers, rebuild, status

    private Behavior<Command> onTick() {
        if (finishRebuildIfDone() || rebuild.active()) return this;
        boolean expired = engine.expire();
        int ended = rebuild.expireOrphans(this::endLease);
        boolean revoked = drains.check();
        if (expired || ended > 0 || revoked) changed(true);
        return this;
    }

    /** Ends the rebuild when every node re-advertised and holders had time to re-attach; true when it ended now. */
    private boolean finishRebuildIfDone() {
        if (!rebuild.active() || !rebuild.done(agents.keySet())) return false;
        rebuild.finish();
        engine.resume();
        changed(true);
        return true;
    }

    /**
     * After any change: frees what can be granted (when {@code freed}), tells holders whether
     * others wait, and schedules a demand snapshot.
     */
    private void changed(boolean freed) {
        if (freed) {
            engine.drain();
            if (drains.check()) engine.drain();
        }
        publisher.changed();
    }

    private Behavior<Command> onSubscribe(SubscribeDemand m) {
        if (publisher.subscribe(m.subscriber())) getContext().watchWith(m.subscriber(), new SubscriberGone(m.subscriber()));
        publisher.sendSnapshot(m.subscriber());
        return this;
    }

    private Behavior<Command> onUnsubscribe(UnsubscribeDemand m) {
        if (publisher.unsubscribe(m.subscriber())) getContext().unwatch(m.subscriber());
        return this;
    }

    private Behavior<Command> onSubscriberGone(SubscriberGone m) {
        publisher.unsubscribe(m.subscriber());
        return this;
    }

    private Behavior<Command> onPublish() {
        publisher.publishDue();
        return this;
    }

    private Behavior<Command> onStatus(GetStatus m) {
        m.replyTo().tell(StatusViews.status(engine, clock));
        return this;
    }
}
