package dev.gale.cluster;

import dev.gale.cluster.internal.RunningWork;
import dev.gale.gpu.Allocation;
import dev.gale.gpu.NodeAllocator;
import dev.gale.gpu.NodeInventory;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One per node: advertises the node's inventory, labels and the leases running there to the
 * {@link ResourceManager} (and again every two seconds, so that a singleton that moved learns of
 * them and re-adopts them), and runs {@link Work} by class name on the leases granted on this
 * node, each on a platform thread of its own.
 *
 * <p>Promises:
 * <ul>
 *   <li>Every StartWork ends with exactly one {@link WorkEvent} to its {@code events} ref, whether
 *       the class could not be loaded, {@code run} threw, it returned, or it was refused.</li>
 *   <li><b>Ground truth.</b> The agent accounts the allocations of the leases with running work
 *       in a {@link NodeAllocator} of its own: what runs here never exceeds the node, whatever the
 *       ResourceManager believes. A StartWork for a lease without running work takes its
 *       allocation there; when it does not fit, the agent waits up to {@link #CONFLICT_WAIT} for
 *       works to end (a release note and a new holder's StartWork come from different senders),
 *       then refuses it with {@link WorkEvent.Failed} naming the conflict. A lease's allocation is
 *       given back when its last work ends.</li>
 *   <li>A lease the ResourceManager released or revoked ({@link LeaseEnded}) has its works
 *       cancelled, and later StartWorks on it are refused.</li>
 * </ul>
 */
public final class NodeAgent extends AbstractBehavior<NodeAgent.Command> {
    private static final Logger log = LoggerFactory.getLogger(NodeAgent.class);

    /** The Receptionist key every node's agent registers under (tools and tests find the agents by it). */
    public static final org.apache.pekko.actor.typed.receptionist.ServiceKey<Command> KEY =
            org.apache.pekko.actor.typed.receptionist.ServiceKey.create(Command.class, "gale-node-agent");

    /** How long a StartWork whose allocation does not fit waits for running work to end. */
    public static final Duration CONFLICT_WAIT = Duration.ofSeconds(10);
    private static final int ENDED_REMEMBERED = 4096;

    /** Messages of the NodeAgent. */
    public sealed interface Command extends ClusterMessage {
    }

    /**
     * Runs {@code workClass} (a {@link Work} with a public no-arg constructor) under a lease.
     * One lease may run several works one after the other (its holder reuses it), so works are
     * told apart by {@code workId}; a StartWork whose workId is already running is ignored.
     *
     * @param workId     the owner's id of this run (unique per owner)
     * @param leaseId    the lease
     * @param allocation its resources
     * @param workClass  fully qualified class name
     * @param payload    handed to the work as is (text: it may cross JVMs); null when {@code payloadObject} is given
     * @param owner      the work's owner (receives the work's own messages)
     * @param events     receives the {@link WorkEvent} that ends the work
     * @param payloadObject the payload as an object, for an agent in the sender's JVM only: never
     *                   serialized (a StartWork that crossed JVMs has none), handed to the work as
     *                   {@link WorkContext#payloadObject()}; the sender must not change it afterwards
     */
    public record StartWork(String workId, String leaseId, Allocation allocation, String workClass, String payload,
                            ActorRef<?> owner, ActorRef<WorkEvent> events,
                            @com.fasterxml.jackson.annotation.JsonIgnore Object payloadObject) implements Command {
        public StartWork {
            if (payload == null && payloadObject == null) {
                throw new IllegalArgumentException("StartWork " + workId + " has no payload: give the payload text"
                        + " (or, to an agent in this JVM, a payloadObject)");
            }
        }

        /** A start with a text payload (the only kind that crosses JVMs). */
        public StartWork(String workId, String leaseId, Allocation allocation, String workClass, String payload,
                         ActorRef<?> owner, ActorRef<WorkEvent> events) {
            this(workId, leaseId, allocation, workClass, payload, owner, events, null);
        }
    }

    /** Asks the works of a lease to stop: their contexts report cancelled and their threads are interrupted. */
    public record StopWork(String leaseId) implements Command {
    }

    /**
     * From the ResourceManager: the lease was released or revoked. Its works are cancelled; once
     * they have ended its allocation is free here; later StartWorks on it are refused.
     */
    public record LeaseEnded(String leaseId) implements Command {
    }

    /** From the ResourceManager: this node drains until {@code deadlineMs} (epoch ms), -1: not draining. Re-advertised. */
    public record SetDraining(long deadlineMs) implements Command {
    }

    /** Asks for the leases running here and their allocations (the agent's ground truth). */
    public record GetAllocations(ActorRef<Allocations> replyTo) implements Command {
    }

    /**
     * A lease with running work on a node.
     *
     * @param leaseId    the lease
     * @param allocation what it holds there
     * @param workIds    the works running on it
     * @param owner      the address of its works' owner (e.g. {@code pekko://gale@127.0.0.1:25521})
     */
    public record RunningLease(String leaseId, Allocation allocation, List<String> workIds, String owner)
            implements ClusterMessage {
        public RunningLease {
            workIds = List.copyOf(workIds);
        }
    }

    /**
     * The answer to {@link GetAllocations}.
     *
     * @param nodeId    the node
     * @param inventory what it offers
     * @param leases    the leases running there, by lease id
     */
    public record Allocations(String nodeId, NodeInventory inventory, List<RunningLease> leases) implements ClusterMessage {
        public Allocations {
            leases = List.copyOf(leases);
        }
    }

    /** A work's thread ended: the agent frees its share first, then tells the work's owner how it ended. */
    private record WorkEnded(String workId, WorkEvent end, ActorRef<WorkEvent> events) implements Command {
    }

    private enum Advertise implements Command { INSTANCE }

    private enum CheckPending implements Command { INSTANCE }

    /** A lease with running work here. */
    private static final class HeldLease {
        final Allocation allocation;
        final LinkedHashSet<String> works = new LinkedHashSet<>();
        final String owner;

        HeldLease(Allocation allocation, String owner) {
            this.allocation = allocation;
            this.owner = owner;
        }
    }

    private record Pending(StartWork start, long deadlineNanos) {
    }

    private final String nodeId;
    private final NodeInventory inventory;
    private final java.util.Map<String, String> labels;
    private final ActorRef<ResourceManager.Command> resourceManager;
    private final TimerScheduler<Command> timers;
    private final ExecutorService executor;
    private final NodeAllocator ground;
    private final Map<String, HeldLease> leases = new HashMap<>();
    private final Map<String, RunningWork> running = new HashMap<>();
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    private final LinkedHashSet<String> ended = new LinkedHashSet<>();
    private final Map<String, java.lang.reflect.Constructor<? extends Work>> constructors = new HashMap<>();
    private final Duration conflictWait;
    private long drainDeadlineMs = -1;

    /** Creates the agent of node {@code nodeId} without labels. */
    public static Behavior<Command> create(String nodeId, NodeInventory inventory,
                                           ActorRef<ResourceManager.Command> resourceManager) {
        return create(nodeId, inventory, java.util.Map.of(), resourceManager);
    }

    /** Creates the agent of node {@code nodeId} with node labels. */
    public static Behavior<Command> create(String nodeId, NodeInventory inventory, java.util.Map<String, String> labels,
                                           ActorRef<ResourceManager.Command> resourceManager) {
        return create(nodeId, inventory, labels, resourceManager, CONFLICT_WAIT);
    }

    /** As {@link #create(String, NodeInventory, java.util.Map, ActorRef)}, waiting {@code conflictWait} before refusing a conflicting StartWork. */
    public static Behavior<Command> create(String nodeId, NodeInventory inventory, java.util.Map<String, String> labels,
                                           ActorRef<ResourceManager.Command> resourceManager, Duration conflictWait) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers ->
                new NodeAgent(ctx, timers, nodeId, inventory, labels, resourceManager, conflictWait)));
    }

    private NodeAgent(ActorContext<Command> ctx, TimerScheduler<Command> timers, String nodeId,
                      NodeInventory inventory, java.util.Map<String, String> labels,
                      ActorRef<ResourceManager.Command> resourceManager, Duration conflictWait) {
        super(ctx);
        this.conflictWait = conflictWait;
        this.nodeId = nodeId;
        this.inventory = inventory;
        this.labels = Bundle.checkLabels("labels", labels);
        this.resourceManager = resourceManager;
        this.timers = timers;
        this.ground = new NodeAllocator(inventory);
        AtomicInteger threads = new AtomicInteger();
        this.executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "gale-work-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        ctx.getSystem().receptionist().tell(org.apache.pekko.actor.typed.receptionist.Receptionist.register(KEY, ctx.getSelf()));
        advertise();
        timers.startTimerWithFixedDelay(Advertise.INSTANCE, Duration.ofSeconds(2));
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(StartWork.class, this::onStart)
                .onMessage(StopWork.class, this::onStop)
                .onMessage(LeaseEnded.class, this::onLeaseEnded)
                .onMessage(SetDraining.class, this::onSetDraining)
                .onMessage(GetAllocations.class, this::onGetAllocations)
                .onMessage(WorkEnded.class, this::onEnded)
                .onMessageEquals(Advertise.INSTANCE, this::onAdvertise)
                .onMessageEquals(CheckPending.INSTANCE, this::onCheckPending)
                .onSignal(org.apache.pekko.actor.typed.PostStop.class, s -> {
                    running.values().forEach(RunningWork::cancel);
                    executor.shutdownNow();
                    return this;
                })
                .build();
    }

    private Behavior<Command> onAdvertise() {
        advertise();
        return this;
    }

    private void advertise() {
        resourceManager.tell(new ResourceManager.RegisterNode(nodeId, inventory, getContext().getSelf(), labels,
                runningLeases(), drainDeadlineMs));
    }

    private List<RunningLease> runningLeases() {
        List<RunningLease> out = new ArrayList<>(leases.size());
        leases.forEach((id, l) -> out.add(new RunningLease(id, l.allocation, new ArrayList<>(l.works), l.owner)));
        out.sort(Comparator.comparing(RunningLease::leaseId));
        return out;
    }

    private Behavior<Command> onStart(StartWork m) {
        if (running.containsKey(m.workId())) {
            log.warn("work {} already runs; duplicate StartWork ignored", m.workId());
            return this;
        }
        if (ended.contains(m.leaseId())) {
            m.events().tell(new WorkEvent.Failed(m.workId(), m.leaseId(), "cannot start " + m.workClass() + " on " + nodeId
                    + ": lease " + m.leaseId() + " was released or revoked by the ResourceManager", "", true));
            return this;
        }
        Work work;
        try {
            work = instantiate(m.workClass());
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            m.events().tell(new WorkEvent.Failed(m.workId(), m.leaseId(), "cannot start " + m.workClass() + " on " + nodeId + ": " + e,
                    RunningWork.stackTrace(e)));
            return this;
        }
        HeldLease lease = leases.get(m.leaseId());
        if (lease == null) {
            if (!ground.tryAdopt(m.allocation())) {
                pending.addLast(new Pending(m, System.nanoTime() + conflictWait.toNanos()));
                if (!timers.isTimerActive(CheckPending.INSTANCE)) {
                    timers.startTimerWithFixedDelay(CheckPending.INSTANCE, Duration.ofMillis(100));
                }
                return this;
            }
            org.apache.pekko.actor.Address owner = m.owner().path().address();
            // an owner in this JVM has a local address (no host): name it by this node's address
            lease = new HeldLease(m.allocation(), owner.hasGlobalScope() ? owner.toString() : nodeId);
            leases.put(m.leaseId(), lease);
        }
        lease.works.add(m.workId());
        RunningWork rw = new RunningWork(m, getContext().getSystem());
        running.put(m.workId(), rw);
        ActorRef<Command> self = getContext().getSelf();
        executor.execute(() -> {
            WorkEvent end = rw.runOn(work);
            self.tell(new WorkEnded(m.workId(), end, m.events()));
        });
        return this;
    }

    private Work instantiate(String workClass) throws ReflectiveOperationException {
        java.lang.reflect.Constructor<? extends Work> ctor = constructors.get(workClass);
        if (ctor == null) {
            Class<?> cls = Class.forName(workClass, true, Thread.currentThread().getContextClassLoader() != null
                    ? Thread.currentThread().getContextClassLoader() : NodeAgent.class.getClassLoader());
            if (!Work.class.isAssignableFrom(cls)) {
                throw new IllegalArgumentException(workClass + " does not implement " + Work.class.getName());
            }
            ctor = cls.asSubclass(Work.class).getDeclaredConstructor();
            constructors.put(workClass, ctor);
        }
        return ctor.newInstance();
    }

    private Behavior<Command> onStop(StopWork m) {
        for (RunningWork rw : running.values()) {
            if (rw.leaseId().equals(m.leaseId())) rw.cancel();
        }
        return this;
    }

    private Behavior<Command> onLeaseEnded(LeaseEnded m) {
        ended.add(m.leaseId());
        if (ended.size() > ENDED_REMEMBERED) {
            Iterator<String> it = ended.iterator();
            it.next();
            it.remove();
        }
        HeldLease l = leases.get(m.leaseId());
        if (l != null) {
            for (String w : l.works) {
                RunningWork rw = running.get(w);
                if (rw != null) rw.cancelLeaseEnded();
            }
        }
        for (Iterator<Pending> it = pending.iterator(); it.hasNext(); ) {
            Pending p = it.next();
            if (p.start().leaseId().equals(m.leaseId())) {
                it.remove();
                p.start().events().tell(new WorkEvent.Failed(p.start().workId(), m.leaseId(), "cannot start " + p.start().workClass()
                        + " on " + nodeId + ": lease " + m.leaseId() + " was released or revoked by the ResourceManager", "", true));
            }
        }
        return this;
    }

    private Behavior<Command> onSetDraining(SetDraining m) {
        drainDeadlineMs = m.deadlineMs();
        return this;
    }

    private Behavior<Command> onGetAllocations(GetAllocations m) {
        m.replyTo().tell(new Allocations(nodeId, inventory, runningLeases()));
        return this;
    }

    private Behavior<Command> onEnded(WorkEnded m) {
        RunningWork rw = running.remove(m.workId());
        if (rw != null) {
            rw.closeInbox();
            HeldLease l = leases.get(rw.leaseId());
            if (l != null) {
                l.works.remove(m.workId());
                if (l.works.isEmpty()) {
                    leases.remove(rw.leaseId());
                    ground.release(l.allocation);
                    retryPending();
                }
            }
        }
        // after the books: an owner that heard of the end sees the share free in GetAllocations and in the next StartWork
        WorkEvent end = m.end();
        if (end instanceof WorkEvent.Failed f && ended.contains(f.leaseId())) end = f.afterLeaseEnded();
        m.events().tell(end);
        return this;
    }

    private Behavior<Command> onCheckPending() {
        retryPending();
        return this;
    }

    /** Starts the waiting StartWorks that fit now (in arrival order); refuses those past their wait. */
    private void retryPending() {
        if (pending.isEmpty()) {
            timers.cancel(CheckPending.INSTANCE);
            return;
        }
        int n = pending.size();
        long now = System.nanoTime();
        for (int i = 0; i < n; i++) {
            Pending p = pending.pollFirst();
            StartWork m = p.start();
            if (leases.containsKey(m.leaseId()) || ground.canAdopt(m.allocation())) {
                onStart(m); // fits now (or its lease runs again): starts, and is not queued again
            } else if (now > p.deadlineNanos()) {
                String msg = "cannot start " + m.workClass() + " (work " + m.workId() + ") on " + nodeId + ": lease " + m.leaseId()
                        + " asks for " + m.allocation().spec() + (m.allocation().gpus().isEmpty() ? "" : " on GPUs ["
                        + m.allocation().cudaVisibleDevices() + "]") + ", which conflicts for " + conflictWait.toMillis() / 1000.0
                        + " s with the leases running here: " + describeLeases() + " (free: " + ground.describeFree() + ")";
                log.warn(msg);
                m.events().tell(new WorkEvent.Failed(m.workId(), m.leaseId(), msg, ""));
            } else {
                pending.addLast(p);
            }
        }
        if (pending.isEmpty()) timers.cancel(CheckPending.INSTANCE);
    }

    private String describeLeases() {
        Map<String, String> d = new LinkedHashMap<>();
        leases.forEach((id, l) -> d.put(id, l.allocation.spec() + " for " + l.owner));
        return d.toString();
    }
}
