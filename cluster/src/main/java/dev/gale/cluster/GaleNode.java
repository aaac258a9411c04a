package dev.gale.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.gale.cluster.internal.ClusterOperations;
import dev.gale.cluster.internal.NodeControl;
import dev.gale.cluster.internal.SharedNode;
import dev.gale.gpu.InventoryDiscovery;
import dev.gale.gpu.NodeInventory;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.ClusterSingleton;
import org.apache.pekko.cluster.typed.ClusterSingletonSettings;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.cluster.typed.SingletonActor;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A Gale cluster member running in this JVM: either a <em>node</em> (Pekko role
 * {@value NodeConfig#ROLE_NODE}) with its {@link NodeAgent}, which offers its resources to the
 * cluster, or a <em>client</em> (role {@value NodeConfig#ROLE_CLIENT}), which offers nothing and is
 * used by drivers and CLI tools. Both hold a proxy to the cluster's {@link ResourceManager}
 * singleton, which runs on the oldest node (never on a client).
 *
 * <p>Promises: {@link #start(NodeConfig)} returns once the node has joined and the ResourceManager
 * has registered it; {@link #connect(String)} returns once the ResourceManager has answered a
 * status request; both fail with an {@link IllegalStateException} naming the address when that
 * does not happen in time, and leave nothing running. {@link #close()} leaves the cluster
 * gracefully (the other members see this member removed, not unreachable) and stops the actor
 * system.
 *
 * <p>The embedded default ({@link #startEmbedded()}) is a cluster of one node on 127.0.0.1 and a
 * free port: the same code as a many-node cluster. Close it when done.
 *
 * <p>The JVM's shared embedded node ({@link #shared()}) is kept by {@link SharedNode}; draining and
 * stopping nodes ({@link #drain}, {@link #stopNode}, {@link #shutdownCluster}) are run by
 * {@link ClusterOperations}.
 */
public final class GaleNode implements AutoCloseable {
    /** How long {@link #connect(String)} and {@link #start(NodeConfig)} wait by default. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    private final ActorSystem<Void> system;
    private final ActorRef<ResourceManager.Command> resourceManager;
    private final ActorRef<NodeAgent.Command> agent;
    private final String nodeId;
    private final NodeInventory inventory;
    private final boolean client;
    private final ClusterOperations operations;

    private GaleNode(ActorSystem<Void> system, ActorRef<ResourceManager.Command> rm, ActorRef<NodeAgent.Command> agent,
                     String nodeId, NodeInventory inventory, boolean client) {
        this.system = system;
        this.resourceManager = rm;
        this.agent = agent;
        this.nodeId = nodeId;
        this.inventory = inventory;
        this.client = client;
        this.operations = new ClusterOperations(system, rm);
    }

    /** The reason of a shutdown started by {@link #close()}. */
    private enum Closed implements CoordinatedShutdown.Reason {
        INSTANCE
    }

    /** Starts a one-node cluster on loopback with this machine's inventory. */
    public static GaleNode startEmbedded() {
        return start(NodeConfig.embedded());
    }

    /** The JVM's shared embedded node ({@link #shared()}), started as {@link #startEmbedded()} but with daemon threads. */
    private static final SharedNode SHARED = new SharedNode(() -> launch(NodeConfig.embedded(), DEFAULT_TIMEOUT, true),
            DEFAULT_TIMEOUT);

    /**
     * The embedded one-node cluster this JVM shares: started by the first call (as
     * {@link #startEmbedded()}: loopback, a free port, this machine's inventory) and returned by
     * every later one, so that a {@code Tuner} or {@code Study} without a node or address of its own
     * pays the start-up (about a second) once per JVM instead of once per run.
     *
     * <p>Promises: every call returns the same running node until {@link #closeShared()} (or a
     * {@link #close()} of it) stops it; the next call after that starts a new one. Concurrent
     * experiments may share it: each leases what its trials need, as on any cluster. Its threads
     * do not keep the JVM alive: a program ends when its {@code main} returns (as a Python script
     * that used Ray Tune or Optuna does), and the node is stopped at JVM exit (Pekko's shutdown
     * hook) or by {@link #closeShared()}; do not close it yourself while another thread may use it.
     * A start begun by {@link #prestartShared()} is waited for, not repeated.
     *
     * @throws IllegalStateException when the node cannot start (then the next call tries again)
     */
    public static GaleNode shared() {
        return SHARED.get();
    }

    /**
     * Begins starting the {@linkplain #shared() shared node} on a background thread, unless it runs
     * or is starting already, and returns at once: a run that needs the node calls this first and
     * prepares its experiment while the node starts, then {@link #shared()} waits for that start
     * (and throws its failure). Idempotent.
     */
    public static void prestartShared() {
        SHARED.prestart();
    }

    /**
     * Stops the node {@link #shared()} returned, if it runs (waits as {@link #close()}; a start under
     * way is waited for first); the next {@code shared()} starts a new one. Idempotent.
     */
    public static void closeShared() {
        SHARED.close();
    }

    /** True when {@code node} is the JVM's running {@link #shared()} node. */
    public static boolean isShared(GaleNode node) {
        return SHARED.is(node);
    }

    /** True once this member's actor system has stopped (after {@link #close()}, or when Pekko shut it down). */
    public boolean isTerminated() {
        return system.getWhenTerminated().toCompletableFuture().isDone();
    }

    /**
     * Starts a member as configured and waits (up to 60 s) until it is up: a node until the
     * ResourceManager has registered it, a client ({@link NodeConfig#client()}) as {@link #connect(NodeConfig)}.
     */
    public static GaleNode start(NodeConfig cfg) {
        return launch(cfg, DEFAULT_TIMEOUT, false);
    }

    /**
     * Joins the cluster of the node at {@code hostPort} as a client (plain TCP) and returns once its
     * ResourceManager answers (up to 60 s).
     *
     * @throws IllegalArgumentException when {@code hostPort} is not {@code host:port}
     * @throws IllegalStateException    naming the address when no cluster answers there in time
     */
    public static GaleNode connect(String hostPort) {
        return connect(NodeConfig.client(List.of(hostPort)));
    }

    /** {@link #connect(NodeConfig, Duration)} with a 60 s timeout. */
    public static GaleNode connect(NodeConfig cfg) {
        return connect(cfg, DEFAULT_TIMEOUT);
    }

    /**
     * Joins a cluster as a client: {@code cfg} must be a client config (e.g.
     * {@code NodeConfig.client(List.of("10.0.0.1:25520")).withTls(...)}); returns once the
     * ResourceManager answers a status request.
     *
     * @throws IllegalArgumentException when {@code cfg} is not a client config
     * @throws IllegalStateException    naming the seed addresses when no cluster answers within {@code timeout}
     */
    public static GaleNode connect(NodeConfig cfg, Duration timeout) {
        if (!cfg.client()) {
            throw new IllegalArgumentException("connect needs a client config (NodeConfig.client(seeds)); use GaleNode.start to start a node");
        }
        return launch(cfg, timeout, false);
    }

    /**
     * @param daemonic the actor system's threads are daemon threads (the shared node's: they must
     *                 not keep the JVM alive after the user's {@code main} returned)
     */
    private static GaleNode launch(NodeConfig cfg, Duration timeout, boolean daemonic) {
        if (cfg.tls() != null) cfg.tls().check();
        // this machine's inventory (a JMX bean, nvidia-smi when on the PATH) is found while the actor system starts
        CompletableFuture<NodeInventory> inventory = cfg.client() || cfg.inventory() != null
                ? CompletableFuture.completedFuture(cfg.inventory())
                : CompletableFuture.supplyAsync(InventoryDiscovery::discover, r -> {
                    Thread t = new Thread(r, "gale-inventory");
                    t.setDaemon(true);
                    t.start();
                });
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
                    .init(SingletonActor.of(Behaviors.supervise(ResourceManager.create())
                                    // a failure restarts it empty: it rebuilds from what nodes and holders re-advertise
                                    .onFailure(org.apache.pekko.actor.typed.SupervisorStrategy.restart()), "resourceManager")
                            .withSettings(ClusterSingletonSettings.create(ctx.getSystem()).withRole(NodeConfig.ROLE_NODE)));
            String id = self.toString();
            ActorRef<NodeAgent.Command> agent = null;
            if (!cfg.client()) {
                NodeInventory inv;
                try {
                    inv = inventory.join(); // at most the time nvidia-smi may take, usually done by now
                } catch (RuntimeException e) {
                    refs.completeExceptionally(e);
                    return Behaviors.empty();
                }
                agent = ctx.spawn(NodeAgent.create(id, inv, cfg.labels(), rm), "nodeAgent");
                ctx.spawn(NodeControl.create(id), "nodeControl");
            }
            refs.complete(new Refs(rm, agent, id));
            return Behaviors.empty();
        });
        ActorSystem<Void> system;
        try {
            system = ActorSystem.create(guardian, NodeConfig.SYSTEM_NAME, config(cfg, daemonic));
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot start a Gale " + (cfg.client() ? "client" : "node") + " on " + cfg.host() + ":"
                    + cfg.port() + ": " + rootMessage(e), e);
        }
        try {
            Refs r = refs.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            GaleNode node = new GaleNode(system, r.rm(), r.agent(), r.nodeId(), inventory.join(), cfg.client());
            if (cfg.client()) {
                node.awaitResourceManager(timeout, cfg);
            } else {
                node.awaitRegistered(timeout, cfg);
            }
            return node;
        } catch (Exception e) {
            system.terminate();
            try {
                system.getWhenTerminated().toCompletableFuture().get(10, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // best effort: the failure below is what matters
            }
            if (e instanceof IllegalStateException ise) throw ise;
            throw new IllegalStateException("Gale " + (cfg.client() ? "client" : "node") + " did not start: " + e, e);
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) t = t.getCause();
        return t == e ? String.valueOf(e.getMessage()) : e.getMessage() + " (" + t + ")";
    }

    /** The Pekko configuration of a member: its address, seeds, role and TLS over the loaded config. */
    static Config config(NodeConfig cfg) {
        return config(cfg, false);
    }

    private static Config config(NodeConfig cfg, boolean daemonic) {
        List<String> seeds = new ArrayList<>();
        for (String s : cfg.seedNodes()) seeds.add("pekko://" + NodeConfig.SYSTEM_NAME + "@" + s);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("pekko.remote.artery.canonical.hostname", cfg.host());
        m.put("pekko.remote.artery.canonical.port", cfg.port());
        m.put("pekko.cluster.seed-nodes", seeds);
        m.put("pekko.cluster.roles", List.of(cfg.role()));
        if (daemonic) m.put("pekko.daemonic", "on");
        if (cfg.tls() != null) {
            String ks = cfg.tls().keyStore().toString();
            String pw = cfg.tls().password();
            String p = "pekko.remote.artery.ssl.config-ssl-engine.";
            m.put("pekko.remote.artery.transport", "tls-tcp");
            m.put(p + "key-store", ks);
            m.put(p + "trust-store", ks);
            m.put(p + "key-store-password", pw);
            m.put(p + "key-password", pw);
            m.put(p + "trust-store-password", pw);
            m.put(p + "require-mutual-authentication", true);
            m.put(p + "hostname-verification", false);
        }
        return ConfigFactory.parseMap(m).withFallback(ConfigFactory.load());
    }

    /**
     * Waits until this node is registered with the ResourceManager and its cluster member is Up:
     * the split-brain resolver counts only Up members, so a node that is still Joining when
     * another crashes would not count towards the majority, and the survivors could be the side
     * that is downed. A member the cluster moved to WeaklyUp (no convergence for
     * {@code allow-weakly-up-members}: some member is unreachable) is accepted as it is.
     */
    private void awaitRegistered(Duration timeout, NodeConfig cfg) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean registered = false;
        Cluster cluster = Cluster.get(system);
        while (System.nanoTime() < deadline) {
            if (!registered) {
                try {
                    ClusterStatus st = status(Duration.ofSeconds(5));
                    for (ClusterStatus.Node n : st.nodes()) {
                        if (n.nodeId().equals(nodeId)) registered = true;
                    }
                } catch (IllegalStateException e) {
                    // the singleton is not reachable yet (joining, or handing over): ask again
                }
            }
            MemberStatus status = cluster.selfMember().status();
            if (registered && (status == MemberStatus.up() || status == MemberStatus.weaklyUp())) return;
            Thread.sleep(20);
        }
        if (registered) {
            throw new IllegalStateException("node " + nodeId + " registered with the ResourceManager but its cluster member is still "
                    + cluster.selfMember().status() + " after " + timeout + ": the cluster did not admit it as a full member");
        }
        throw new IllegalStateException("node " + nodeId + " did not register with the ResourceManager within " + timeout
                + (cfg.seedNodes().isEmpty() ? "" : ": is a Gale cluster running at " + String.join(", ", cfg.seedNodes())
                + ", and do its TLS settings match this node's?"));
    }

    private void awaitResourceManager(Duration timeout, NodeConfig cfg) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            long left = Math.max(200, Math.min(5000, (deadline - System.nanoTime()) / 1_000_000));
            try {
                status(Duration.ofMillis(left));
                return;
            } catch (IllegalStateException e) {
                Thread.sleep(20);
            }
        }
        throw new IllegalStateException("no Gale cluster answered at " + String.join(", ", cfg.seedNodes()) + " within "
                + timeout.toSeconds() + " s: start one there (gale cluster start), check the address, and use the cluster's TLS "
                + "settings if it has any");
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

    /**
     * Asks every node of the cluster to leave and stop (a NodeMain JVM then exits 0), and waits until
     * they are all removed from the cluster. Meant for a client; called on a node, the other nodes
     * stop first and then this node is {@linkplain #close() closed}. A client stays a member (of a
     * cluster without nodes): close it afterwards.
     *
     * @return how many nodes were stopped
     * @throws IllegalStateException naming the nodes still members after {@code timeout}
     */
    public int shutdownCluster(Duration timeout) {
        int stopped = operations.stopOtherNodes(timeout);
        if (!client) {
            close();
            stopped++;
        }
        return stopped;
    }

    /**
     * Drains a node: the ResourceManager grants nothing more there; work running there ends
     * normally, and whatever still runs after {@code deadline} has its lease revoked (its holder
     * gets it back as lost, so a trial retries from its checkpoint elsewhere). Returns once the node
     * holds no lease.
     *
     * @param node     {@code host:port} (or {@code pekko://gale@host:port}) of a registered node
     * @param deadline how long running work may go on
     * @param timeout  how long to wait beyond the deadline for the answer
     * @return how many leases were revoked at the deadline (0: all work ended in time)
     * @throws IllegalArgumentException naming the registered nodes when {@code node} is not one of them
     * @throws IllegalStateException    when the ResourceManager does not answer in time
     */
    public int drain(String node, Duration deadline, Duration timeout) {
        return operations.drain(node, deadline, timeout);
    }

    /**
     * Drains a node ({@link #drain}) and then asks it to leave the cluster and stop (a NodeMain
     * JVM exits 0); returns once it is no longer a member.
     *
     * @return how many leases were revoked at the drain's deadline
     * @throws IllegalArgumentException when {@code node} is not a registered node
     * @throws IllegalStateException    when it did not drain or leave in time
     */
    public int stopNode(String node, Duration deadline, Duration timeout) {
        return operations.stopNode(node, deadline, timeout, this::close);
    }

    /** The actor system of this member. */
    public ActorSystem<Void> system() {
        return system;
    }

    /** A proxy to the cluster's ResourceManager. */
    public ActorRef<ResourceManager.Command> resourceManager() {
        return resourceManager;
    }

    /** This node's agent; null for a client ({@link #isClient()}), which runs no work. */
    public ActorRef<NodeAgent.Command> agent() {
        return agent;
    }

    /** True for a client member (role {@value NodeConfig#ROLE_CLIENT}): no agent, no inventory. */
    public boolean isClient() {
        return client;
    }

    /** This member's Pekko address, e.g. {@code pekko://gale@127.0.0.1:25520}. */
    public String nodeId() {
        return nodeId;
    }

    /** This member's {@code host:port}, as other members and {@code --join} use it. */
    public String address() {
        Address a = Cluster.get(system).selfMember().address();
        return a.getHost().orElse("?") + ":" + a.getPort().orElse(0);
    }

    /** What this node offers; null for a client. */
    public NodeInventory inventory() {
        return inventory;
    }

    /**
     * Leaves the cluster gracefully (Pekko's coordinated shutdown: leave, wait up to 10 s until
     * removed) and stops the actor system; waits up to 30 s in all. Idempotent.
     */
    @Override
    public void close() {
        if (!system.getWhenTerminated().toCompletableFuture().isDone()) {
            CoordinatedShutdown.get(system).runAll(Closed.INSTANCE);
        }
        try {
            system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            // already logged by Pekko; nothing else to release
        }
    }
}
