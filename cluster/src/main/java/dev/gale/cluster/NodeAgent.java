package dev.gale.cluster;

import dev.gale.cluster.internal.RunningWork;
import dev.gale.gpu.Allocation;
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
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One per node: advertises the node's inventory to the {@link ResourceManager} (and again every
 * few seconds, so a singleton that moved learns of it), and runs {@link Work} by class name on the
 * leases granted on this node, each on a platform thread of its own.
 *
 * <p>Promises: every StartWork ends with exactly one {@link WorkEvent} to its {@code events} ref,
 * whether the class could not be loaded, {@code run} threw, or it returned.
 */
public final class NodeAgent extends AbstractBehavior<NodeAgent.Command> {
    private static final Logger log = LoggerFactory.getLogger(NodeAgent.class);

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
     * @param payload    handed to the work as is
     * @param owner      the work's owner (receives the work's own messages)
     * @param events     receives the {@link WorkEvent} that ends the work
     */
    public record StartWork(String workId, String leaseId, Allocation allocation, String workClass, String payload,
                            ActorRef<?> owner, ActorRef<WorkEvent> events) implements Command {
    }

    /** Asks the works of a lease to stop: their contexts report cancelled and their threads are interrupted. */
    public record StopWork(String leaseId) implements Command {
    }

    private record WorkEnded(String workId) implements Command {
    }

    private enum Advertise implements Command { INSTANCE }

    private final String nodeId;
    private final NodeInventory inventory;
    private final ActorRef<ResourceManager.Command> resourceManager;
    private final ExecutorService executor;
    private final Map<String, RunningWork> running = new HashMap<>();
    private final AtomicInteger inboxCounter = new AtomicInteger();
    private final Map<String, java.lang.reflect.Constructor<? extends Work>> constructors = new HashMap<>();

    /** Creates the agent of node {@code nodeId}. */
    public static Behavior<Command> create(String nodeId, NodeInventory inventory,
                                           ActorRef<ResourceManager.Command> resourceManager) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers ->
                new NodeAgent(ctx, timers, nodeId, inventory, resourceManager)));
    }

    private NodeAgent(ActorContext<Command> ctx, TimerScheduler<Command> timers, String nodeId,
                      NodeInventory inventory, ActorRef<ResourceManager.Command> resourceManager) {
        super(ctx);
        this.nodeId = nodeId;
        this.inventory = inventory;
        this.resourceManager = resourceManager;
        AtomicInteger threads = new AtomicInteger();
        this.executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "gale-work-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        advertise();
        timers.startTimerWithFixedDelay(Advertise.INSTANCE, Duration.ofSeconds(2));
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(StartWork.class, this::onStart)
                .onMessage(StopWork.class, this::onStop)
                .onMessage(WorkEnded.class, this::onEnded)
                .onMessageEquals(Advertise.INSTANCE, () -> {
                    advertise();
                    return this;
                })
                .onSignal(org.apache.pekko.actor.typed.PostStop.class, s -> {
                    running.values().forEach(RunningWork::cancel);
                    executor.shutdownNow();
                    return this;
                })
                .build();
    }

    private void advertise() {
        resourceManager.tell(new ResourceManager.RegisterNode(nodeId, inventory, getContext().getSelf()));
    }

    private Behavior<Command> onStart(StartWork m) {
        if (running.containsKey(m.workId())) {
            log.warn("work {} already runs; duplicate StartWork ignored", m.workId());
            return this;
        }
        Work work;
        try {
            java.lang.reflect.Constructor<? extends Work> ctor = constructors.get(m.workClass());
            if (ctor == null) {
                Class<?> cls = Class.forName(m.workClass(), true, Thread.currentThread().getContextClassLoader() != null
                        ? Thread.currentThread().getContextClassLoader() : NodeAgent.class.getClassLoader());
                if (!Work.class.isAssignableFrom(cls)) {
                    throw new IllegalArgumentException(m.workClass() + " does not implement " + Work.class.getName());
                }
                ctor = cls.asSubclass(Work.class).getDeclaredConstructor();
                constructors.put(m.workClass(), ctor);
            }
            work = ctor.newInstance();
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            m.events().tell(new WorkEvent.Failed(m.workId(), m.leaseId(), "cannot start " + m.workClass() + " on " + nodeId + ": " + e,
                    RunningWork.stackTrace(e)));
            return this;
        }
        RunningWork rw = new RunningWork(m, getContext().getSystem());
        rw.setInbox(getContext().spawn(rw.inboxBehavior(), "work-" + inboxCounter.incrementAndGet()));
        running.put(m.workId(), rw);
        ActorRef<Command> self = getContext().getSelf();
        executor.execute(() -> {
            rw.runOn(work);
            self.tell(new WorkEnded(m.workId()));
        });
        return this;
    }

    private Behavior<Command> onStop(StopWork m) {
        for (RunningWork rw : running.values()) {
            if (rw.leaseId().equals(m.leaseId())) rw.cancel();
        }
        return this;
    }

    private Behavior<Command> onEnded(WorkEnded m) {
        RunningWork rw = running.remove(m.workId());
        if (rw != null) getContext().stop(rw.inbox());
        return this;
    }
}
