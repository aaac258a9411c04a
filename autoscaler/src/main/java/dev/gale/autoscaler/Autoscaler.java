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

    /** Starts the autoscaler on {@code head} (this JVM's node, the cluster's head) with the system clock. */
    public static Autoscaler start(GaleNode head, ClusterConfig cluster, NodeProvider provider) {
        return start(head, cluster, provider, Clock.systemUTC(), new SplittableRandom());
    }

    /**
     * Starts the autoscaler on {@code head}.
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
        return new Autoscaler(head, ref, provider);
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
