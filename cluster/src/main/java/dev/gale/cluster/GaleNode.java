package dev.gale.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.gale.gpu.InventoryDiscovery;
import dev.gale.gpu.NodeInventory;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.ClusterSingleton;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.cluster.typed.SingletonActor;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A Gale cluster node running in this JVM: a Pekko cluster member (Artery TCP) with its
 * {@link NodeAgent}, and a proxy to the cluster's {@link ResourceManager} singleton (which runs on
 * the oldest node). {@link #start(NodeConfig)} returns once the node has joined and the
 * ResourceManager knows it.
 *
 * <p>The embedded default ({@link #startEmbedded()}) is a cluster of one node on 127.0.0.1 and a
 * free port: the same code as a many-node cluster. Close it when done.
 */
public final class GaleNode implements AutoCloseable {
    private final ActorSystem<Void> system;
    private final ActorRef<ResourceManager.Command> resourceManager;
    private final ActorRef<NodeAgent.Command> agent;
    private final String nodeId;
    private final NodeInventory inventory;

    private GaleNode(ActorSystem<Void> system, ActorRef<ResourceManager.Command> rm, ActorRef<NodeAgent.Command> agent,
                     String nodeId, NodeInventory inventory) {
        this.system = system;
        this.resourceManager = rm;
        this.agent = agent;
        this.nodeId = nodeId;
        this.inventory = inventory;
    }

    /** Starts a one-node cluster on loopback with this machine's inventory. */
    public static GaleNode startEmbedded() {
        return start(NodeConfig.embedded());
    }

    /** Starts a node as configured and waits (up to 60 s) until it is up and registered. */
    public static GaleNode start(NodeConfig cfg) {
        NodeInventory inv = cfg.inventory() != null ? cfg.inventory() : InventoryDiscovery.discover();
        record Refs(ActorRef<ResourceManager.Command> rm, ActorRef<NodeAgent.Command> agent, String nodeId) {
        }
        CompletableFuture<Refs> refs = new CompletableFuture<>();
        Behavior<Void> guardian = Behaviors.setup(ctx -> {
            Cluster cluster = Cluster.get(ctx.getSystem());
            Address self = cluster.selfMember().address();
            if (cfg.seedNodes().isEmpty()) {
                cluster.manager().tell(Join.create(self));
            }
            ActorRef<ResourceManager.Command> rm = ClusterSingleton.get(ctx.getSystem())
                    .init(SingletonActor.of(ResourceManager.create(), "resourceManager"));
            String id = self.toString();
            ActorRef<NodeAgent.Command> agent = ctx.spawn(NodeAgent.create(id, inv, rm), "nodeAgent");
            refs.complete(new Refs(rm, agent, id));
            return Behaviors.empty();
        });
        ActorSystem<Void> system = ActorSystem.create(guardian, NodeConfig.SYSTEM_NAME, config(cfg));
        try {
            Refs r = refs.get(60, TimeUnit.SECONDS);
            GaleNode node = new GaleNode(system, r.rm(), r.agent(), r.nodeId(), inv);
            node.awaitRegistered(Duration.ofSeconds(60));
            return node;
        } catch (Exception e) {
            system.terminate();
            throw new IllegalStateException("Gale node did not start: " + e, e);
        }
    }

    /** The Pekko configuration of a node. */
    static Config config(NodeConfig cfg) {
        List<String> seeds = new ArrayList<>();
        for (String s : cfg.seedNodes()) seeds.add("\"pekko://" + NodeConfig.SYSTEM_NAME + "@" + s + "\"");
        String text = String.join("\n",
                "pekko.remote.artery.canonical.hostname = \"" + cfg.host() + "\"",
                "pekko.remote.artery.canonical.port = " + cfg.port(),
                "pekko.cluster.seed-nodes = [" + String.join(",", seeds) + "]");
        return ConfigFactory.parseString(text).withFallback(ConfigFactory.load());
    }

    private void awaitRegistered(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            ClusterStatus st = status(Duration.ofSeconds(5));
            for (ClusterStatus.Node n : st.nodes()) {
                if (n.nodeId().equals(nodeId)) return;
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException("node " + nodeId + " did not register with the ResourceManager within " + timeout);
    }

    /** Asks the ResourceManager for the cluster's status. */
    public ClusterStatus status(Duration timeout) {
        try {
            return AskPattern.<ResourceManager.Command, ClusterStatus>ask(resourceManager,
                    ResourceManager.GetStatus::new, timeout, system.scheduler()).toCompletableFuture()
                    .get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cluster status unavailable: " + e, e);
        }
    }

    /** The actor system of this node. */
    public ActorSystem<Void> system() {
        return system;
    }

    /** A proxy to the cluster's ResourceManager. */
    public ActorRef<ResourceManager.Command> resourceManager() {
        return resourceManager;
    }

    /** This node's agent. */
    public ActorRef<NodeAgent.Command> agent() {
        return agent;
    }

    /** This node's address. */
    public String nodeId() {
        return nodeId;
    }

    /** What this node offers. */
    public NodeInventory inventory() {
        return inventory;
    }

    /** Leaves the cluster and stops the actor system (waits up to 30 s). */
    @Override
    public void close() {
        system.terminate();
        try {
            system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            // already logged by Pekko; nothing else to release
        }
    }
}
