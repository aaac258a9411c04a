package dev.gale.autoscaler.internal;

import dev.gale.autoscaler.AutoscalerStatus;
import dev.gale.autoscaler.LaunchException;
import dev.gale.autoscaler.NodeProvider;
import dev.gale.autoscaler.ProviderInstance;
import dev.gale.cluster.Bundle;
import dev.gale.cluster.DemandSnapshot;
import dev.gale.cluster.ResourceManager;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The reconcile loop on the head: subscribes to the ResourceManager's demand snapshots, registers
 * the node types as launchable, and every tick (and soon after new demand appears) lists the
 * provider's nodes and runs {@link AutoscalerCore#reconcile()}; it carries out the core's actions
 * (provider calls on threads of its own, never on the actor's; drains through the
 * ResourceManager) and feeds the answers back to the core.
 *
 * <p>Promises: the actor never blocks on the provider; at most one provider listing is in flight;
 * on stop the node types are withdrawn from the ResourceManager and the provider threads end
 * (nodes keep running).
 */
public final class AutoscalerActor extends AbstractBehavior<AutoscalerActor.Command> {
    private static final Logger log = LoggerFactory.getLogger("dev.gale.autoscaler");
    /** How long the ResourceManager has to answer a consolidation. */
    private static final Duration CONSOLIDATE_ANSWER = Duration.ofSeconds(10);
    /** Reconciles triggered by new demand are at least this far apart. */
    static final Duration DEMAND_DEBOUNCE = Duration.ofMillis(500);

    /** What the actor handles. */
    public sealed interface Command {
    }

    private enum Tick implements Command {
        INSTANCE
    }

    private record Demand(DemandSnapshot snapshot) implements Command {
    }

    private record Launched(String instanceId, ProviderInstance at) implements Command {
    }

    private record LaunchRefused(String instanceId, LaunchException error) implements Command {
    }

    private record Terminated(String instanceId) implements Command {
    }

    private record TerminateFailed(String instanceId, String message) implements Command {
    }

    private record Listed(List<ProviderInstance> instances) implements Command {
    }

    private record ListFailed(String message) implements Command {
    }

    /** The ResourceManager's answer to a consolidation (no nodes when it did not answer in time). */
    private record ConsolidationAnswer(List<String> nodeIds) implements Command {
    }

    private record DrainAnswer(ResourceManager.DrainReply reply) implements Command {
    }

    /** Asks for the status (also from another member: {@code gale cluster status}). */
    public record GetStatus(ActorRef<AutoscalerStatus> replyTo) implements Command, dev.gale.cluster.ClusterMessage {
    }

    /** Where members find a cluster's autoscaler ({@code gale cluster status}). */
    public static final org.apache.pekko.actor.typed.receptionist.ServiceKey<Command> KEY =
            org.apache.pekko.actor.typed.receptionist.ServiceKey.create(Command.class, "gale-autoscaler");

    /** Stops the loop (nodes keep running). */
    public enum Stop implements Command {
        INSTANCE
    }

    /** Capacity to keep ready ({@link AutoscalerCore#requestResources}). */
    public record RequestResources(List<Bundle> bundles) implements Command {
        public RequestResources {
            bundles = List.copyOf(bundles);
        }
    }

    private final AutoscalerCore core;
    private final NodeProvider provider;
    private final ActorRef<ResourceManager.Command> rm;
    private final Clock clock;
    private final ExecutorService calls;
    private final ActorRef<DemandSnapshot> demandAdapter;
    private final ActorRef<ResourceManager.DrainReply> drainAdapter;
    private boolean listing;
    private long lastReconcileNanos;
    private boolean reconcileScheduled;
    private final TimerScheduler<Command> timers;

    /** The loop for {@code core}, launching through {@code provider}, demand from {@code rm}, ticking every {@code tick}. */
    public static Behavior<Command> create(AutoscalerCore core, NodeProvider provider, ActorRef<ResourceManager.Command> rm,
                                           Clock clock, Duration tick) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
            timers.startTimerWithFixedDelay(Tick.INSTANCE, Duration.ZERO, tick);
            return new AutoscalerActor(ctx, timers, core, provider, rm, clock);
        }));
    }

    private AutoscalerActor(ActorContext<Command> ctx, TimerScheduler<Command> timers, AutoscalerCore core, NodeProvider provider,
                            ActorRef<ResourceManager.Command> rm, Clock clock) {
        super(ctx);
        this.timers = timers;
        this.core = core;
        this.provider = provider;
        this.rm = rm;
        this.clock = clock;
        AtomicInteger n = new AtomicInteger();
        this.calls = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "gale-autoscaler-provider-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.demandAdapter = ctx.messageAdapter(DemandSnapshot.class, Demand::new);
        this.drainAdapter = ctx.messageAdapter(ResourceManager.DrainReply.class, DrainAnswer::new);
        rm.tell(new ResourceManager.SetLaunchable(core.launchable()));
        rm.tell(new ResourceManager.SubscribeDemand(demandAdapter));
        ctx.getSystem().receptionist().tell(org.apache.pekko.actor.typed.receptionist.Receptionist.register(KEY, ctx.getSelf()));
        ctx.spawn(AutoscalerViewActor.create(ctx.getSelf(), Duration.ofSeconds(10)), "view"); // what the dashboard asks
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessageEquals(Tick.INSTANCE, this::onTick)
                .onMessage(Demand.class, this::onDemand)
                .onMessage(Launched.class, this::onLaunched)
                .onMessage(LaunchRefused.class, this::onLaunchRefused)
                .onMessage(Terminated.class, this::onTerminated)
                .onMessage(TerminateFailed.class, this::onTerminateFailed)
                .onMessage(Listed.class, this::onListed)
                .onMessage(ListFailed.class, this::onListFailed)
                .onMessage(DrainAnswer.class, this::onDrainAnswer)
                .onMessage(ConsolidationAnswer.class, this::onConsolidationAnswer)
                .onMessage(GetStatus.class, this::onGetStatus)
                .onMessage(RequestResources.class, this::onRequestResources)
                .onMessageEquals(Stop.INSTANCE, Behaviors::stopped)
                .onSignal(PostStop.class, this::onStop)
                .build();
    }

    private Behavior<Command> onTick() {
        reconcileScheduled = false;
        if (!listing) {
            listing = true;
            ActorRef<Command> self = getContext().getSelf();
            submit(() -> {
                try {
                    self.tell(new Listed(provider.list()));
                } catch (RuntimeException e) {
                    self.tell(new ListFailed(String.valueOf(e.getMessage())));
                }
            });
        }
        reconcile();
        return this;
    }

    private void reconcile() {
        lastReconcileNanos = System.nanoTime();
        run(core.reconcile());
    }

    private Behavior<Command> onDemand(Demand m) {
        boolean more = m.snapshot().waitingBundles() > core.lastSnapshot().waitingBundles();
        core.snapshot(m.snapshot());
        if (more && !reconcileScheduled) {
            long since = System.nanoTime() - lastReconcileNanos;
            long wait = DEMAND_DEBOUNCE.toNanos() - since;
            if (wait <= 0) {
                reconcile();
            } else {
                reconcileScheduled = true;
                timers.startSingleTimer("demand", Tick.INSTANCE, Duration.ofNanos(wait));
            }
        }
        return this;
    }

    private Behavior<Command> onLaunched(Launched m) {
        run(core.launched(m.instanceId(), m.at()));
        return this;
    }

    private Behavior<Command> onLaunchRefused(LaunchRefused m) {
        run(core.launchFailed(m.instanceId(), m.error()));
        return this;
    }

    private Behavior<Command> onTerminated(Terminated m) {
        core.terminated(m.instanceId());
        return this;
    }

    private Behavior<Command> onTerminateFailed(TerminateFailed m) {
        core.terminateFailed(m.instanceId(), m.message());
        return this;
    }

    private Behavior<Command> onListed(Listed m) {
        listing = false;
        run(core.providerInstances(m.instances()));
        return this;
    }

    private Behavior<Command> onListFailed(ListFailed m) {
        listing = false;
        log.warn("the {} provider could not list the cluster's nodes: {}; trying again next tick", provider.type(), m.message());
        return this;
    }

    private Behavior<Command> onDrainAnswer(DrainAnswer m) {
        switch (m.reply()) {
            case ResourceManager.DrainReply.Drained d -> run(core.drained(d.nodeId(), d.revoked()));
            case ResourceManager.DrainReply.UnknownNode u -> run(core.drainedUnknown(u.nodeId()));
        }
        return this;
    }

    private Behavior<Command> onConsolidationAnswer(ConsolidationAnswer m) {
        run(core.consolidating(m.nodeIds()));
        return this;
    }

    private Behavior<Command> onGetStatus(GetStatus m) {
        m.replyTo().tell(core.status());
        return this;
    }

    private Behavior<Command> onRequestResources(RequestResources m) {
        core.requestResources(m.bundles());
        reconcile();
        return this;
    }

    private Behavior<Command> onStop(PostStop s) {
        rm.tell(new ResourceManager.UnsubscribeDemand(demandAdapter));
        rm.tell(new ResourceManager.SetLaunchable(List.of()));
        calls.shutdown();
        return this;
    }

    private void run(List<AutoscalerCore.Action> actions) {
        ActorRef<Command> self = getContext().getSelf();
        for (AutoscalerCore.Action a : actions) {
            switch (a) {
                case AutoscalerCore.Action.Launch l -> submit(() -> {
                    try {
                        self.tell(new Launched(l.instanceId(), provider.launch(l.request())));
                    } catch (LaunchException e) {
                        self.tell(new LaunchRefused(l.instanceId(), e));
                    } catch (RuntimeException e) {
                        self.tell(new LaunchRefused(l.instanceId(), new LaunchException(LaunchException.Kind.TRANSIENT,
                                String.valueOf(e.getMessage()), e)));
                    }
                });
                case AutoscalerCore.Action.Drain d -> rm.tell(new ResourceManager.DrainNode(d.nodeId(), d.deadline(), drainAdapter));
                case AutoscalerCore.Action.Consolidate c -> getContext().ask(ResourceManager.Consolidating.class, rm, CONSOLIDATE_ANSWER,
                        r -> new ResourceManager.Consolidate(c.maxNodes(), c.deadline(), c.only(), r),
                        (reply, failure) -> {
                            if (failure != null) log.warn("the ResourceManager did not answer a consolidation within {}: {}",
                                    Durations.format(CONSOLIDATE_ANSWER), failure.toString());
                            return new ConsolidationAnswer(reply == null ? List.of() : reply.nodeIds());
                        });
                case AutoscalerCore.Action.Terminate t -> submit(() -> {
                    try {
                        provider.terminate(t.target());
                        self.tell(new Terminated(t.instanceId()));
                    } catch (RuntimeException e) {
                        self.tell(new TerminateFailed(t.instanceId(), String.valueOf(e.getMessage())));
                    }
                });
            }
        }
    }

    private void submit(Runnable r) {
        try {
            calls.execute(r);
        } catch (RejectedExecutionException e) {
            log.debug("autoscaler stopping: provider call dropped");
        }
    }
}
