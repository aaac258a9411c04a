package dev.gale.autoscaler;

import dev.gale.autoscaler.internal.AutoscalerActor;
import dev.gale.autoscaler.internal.AutoscalerCore;
import dev.gale.cluster.Bundle;
import dev.gale.cluster.GaleNode;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;

/**
 * The autoscaler of a cluster, running on its head: grows the cluster with nodes of the
 * configured {@link NodeType}s when demand waits and retires nodes idle longer than the idle
 * timeout (see {@code docs/autoscaler.md}).
 *
 * <p>Promises: once started, demand that fits no current node but fits the node types waits in
 * the ResourceManager (it is not refused); nodes are launched through the {@link NodeProvider}
 * and tagged with the cluster's name so that {@link #down} finds them, also from another process;
 * {@link #close()} stops the loop and leaves the nodes running.
 */
public final class Autoscaler implements AutoCloseable {
    private final GaleNode head;
    private final ActorRef<AutoscalerActor.Command> actor;
    private final NodeProvider provider;

    private Autoscaler(GaleNode head, ActorRef<AutoscalerActor.Command> actor, NodeProvider provider) {
        this.head = head;
        this.actor = actor;
        this.provider = provider;
    }

    /** How long {@link #start} waits for the autoscaler and the ResourceManager to take the node types. */
    private static final Duration START_DEADLINE = Duration.ofSeconds(30);

    /** Starts the autoscaler on {@code head} (this JVM's node, the cluster's head) with the system clock. */
    public static Autoscaler start(GaleNode head, ClusterConfig cluster, NodeProvider provider) {
        return start(head, cluster, provider, Clock.systemUTC(), new SplittableRandom());
    }

    /**
     * Starts the autoscaler on {@code head}; returns once the ResourceManager knows the node types it
     * may launch (demand that only they could hold then waits instead of being refused).
     *
     * @param clock  dates states, idle times and back-offs
     * @param random makes instance ids unique
     */
    public static Autoscaler start(GaleNode head, ClusterConfig cluster, NodeProvider provider, Clock clock, RandomGenerator random) {
        boolean tls = cluster.head().tlsKeystore() != null;
        AutoscalerCore core = new AutoscalerCore(cluster, head.address(), tls, clock, random);
        ActorRef<AutoscalerActor.Command> ref = head.system().systemActorOf(
                AutoscalerActor.create(core, provider, head.resourceManager(), clock, cluster.autoscaler().tick()),
                "gale-autoscaler-" + cluster.name(), org.apache.pekko.actor.typed.Props.empty());
        Autoscaler a = new Autoscaler(head, ref, provider);
        // Returns once the ResourceManager knows the launchable node types, so demand asked for right after
        // start waits for a node instead of being refused: the actor tells them to the ResourceManager before
        // it answers its first status, and the ResourceManager answers the status asked after that in order.
        a.status(START_DEADLINE);
        head.status(START_DEADLINE);
        return a;
    }

    /** What the autoscaler knows and decided now. */
    public AutoscalerStatus status(Duration timeout) {
        try {
            return AskPattern.<AutoscalerActor.Command, AutoscalerStatus>ask(actor, AutoscalerActor.GetStatus::new, timeout,
                    head.system().scheduler()).toCompletableFuture().get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("the autoscaler did not answer within " + timeout + ": " + e, e);
        }
    }

    /**
     * The status of the autoscaler running somewhere in {@code member}'s cluster (found through
     * the receptionist, which may take a couple of seconds to tell a member that just joined), or
     * empty when none is found within {@code timeout}; {@code gale cluster status} prints it.
     *
     * @throws IllegalStateException when one is registered but does not answer within {@code timeout}
     */
    public static java.util.Optional<AutoscalerStatus> find(GaleNode member, Duration timeout) {
        var system = member.system();
        // the receptionist's registry reaches a member by gossip: a member that just joined may not know it yet
        long deadline = System.nanoTime() + timeout.toNanos();
        java.util.Set<ActorRef<AutoscalerActor.Command>> refs;
        while (true) {
            org.apache.pekko.actor.typed.receptionist.Receptionist.Listing listing;
            try {
                listing = AskPattern.<org.apache.pekko.actor.typed.receptionist.Receptionist.Command,
                                org.apache.pekko.actor.typed.receptionist.Receptionist.Listing>ask(system.receptionist(),
                                r -> org.apache.pekko.actor.typed.receptionist.Receptionist.find(AutoscalerActor.KEY, r), timeout,
                                system.scheduler())
                        .toCompletableFuture().get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                throw new IllegalStateException("the receptionist did not answer within " + timeout + ": " + e, e);
            }
            refs = listing.getServiceInstances(AutoscalerActor.KEY);
            if (!refs.isEmpty()) break;
            if (System.nanoTime() > deadline) return java.util.Optional.empty();
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return java.util.Optional.empty();
            }
        }
        ActorRef<AutoscalerActor.Command> ref = refs.iterator().next();
        try {
            return java.util.Optional.of(AskPattern.<AutoscalerActor.Command, AutoscalerStatus>ask(ref, AutoscalerActor.GetStatus::new, timeout,
                    system.scheduler()).toCompletableFuture().get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS));
        } catch (Exception e) {
            throw new IllegalStateException("the autoscaler at " + ref.path() + " did not answer within " + timeout + ": " + e, e);
        }
    }

    /** The status as {@code gale cluster status} prints it: types, instances not terminated, waiting and unsatisfiable demand, cost. */
    public static String format(AutoscalerStatus s) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(java.util.Locale.ROOT, "Autoscaler (cluster %s, provider %s): %.2f per hour%n", s.cluster(), s.provider(),
                s.costPerHour()));
        sb.append("  Node types:\n");
        for (AutoscalerStatus.TypeStatus t : s.types()) {
            sb.append(String.format(java.util.Locale.ROOT, "    %-16s %d..%d, %.4f/h: %d launching, %d joined, %d draining%s%n", t.name(), t.min(),
                    t.max(), t.costPerHour(), t.pending(), t.joined(), t.draining(),
                    t.backoffUntil() == null ? "" : "; backing off until " + t.backoffUntil() + " after " + t.failures() + " failures ("
                            + t.lastFailure() + ")"));
        }
        boolean any = false;
        for (AutoscalerStatus.InstanceStatus i : s.instances()) {
            if (i.state() == InstanceState.TERMINATED) continue;
            if (!any) sb.append("  Nodes launched:\n");
            any = true;
            sb.append(String.format(java.util.Locale.ROOT, "    %-28s %-12s %-9s %s%s%n", i.instanceId(), i.nodeType(), i.state(), i.reason(),
                    i.idleFor() == null ? "" : "; idle for " + i.idleFor().toSeconds() + " s"));
        }
        for (AutoscalerStatus.DemandStatus d : s.waiting()) {
            sb.append("  Pending: ").append(d.count()).append(" x ").append(d.bundle()).append(": ").append(d.reason()).append('\n');
        }
        for (AutoscalerStatus.DemandStatus d : s.unsatisfiable()) {
            sb.append("  Unsatisfiable: ").append(d.count()).append(" x ").append(d.bundle()).append(": ").append(d.reason()).append('\n');
        }
        return sb.toString();
    }

    /**
     * Keeps capacity for these bundles ready, as if they all waited at once (Ray's
     * {@code request_resources}); replaces the previous request, an empty list withdraws it.
     */
    public void requestResources(List<Bundle> bundles) {
        actor.tell(new AutoscalerActor.RequestResources(bundles));
    }

    /** The provider the autoscaler launches with. */
    public NodeProvider provider() {
        return provider;
    }

    /** Stops the loop; launched nodes keep running (see {@link #down}). */
    @Override
    public void close() {
        actor.tell(AutoscalerActor.Stop.INSTANCE);
    }

    /**
     * Terminates every node the provider lists for the cluster ({@code gale cluster down}); works
     * without a head. Returns the instance ids terminated.
     *
     * @throws ProviderException when the provider cannot list or terminate (nothing is assumed gone)
     */
    public static List<String> down(NodeProvider provider) {
        List<String> done = new ArrayList<>();
        for (ProviderInstance i : provider.list()) {
            if (i.state() == ProviderInstance.State.TERMINATED) continue;
            provider.terminate(i);
            done.add(i.instanceId());
        }
        return done;
    }
}
