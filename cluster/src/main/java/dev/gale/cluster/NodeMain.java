package dev.gale.cluster;

import dev.gale.gpu.Bytes;
import dev.gale.gpu.InventoryDiscovery;
import dev.gale.gpu.NodeInventory;
import org.apache.pekko.actor.CoordinatedShutdown;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The main class of a Gale node process:
 * <pre>
 * java -cp ... dev.gale.cluster.NodeMain [--host H] [--port P] [--join host:port]
 *      [--resources "cpus=4,memory=8GiB,name=amount"] [--labels zone=a,disk=ssd]
 *      [--tls-keystore F [--tls-password-file F]]
 * </pre>
 * Without {@code --join} the node starts a cluster of its own (a head node). GPUs come from
 * {@code nvidia-smi} on {@code PATH}; {@code --resources} overrides the discovered CPUs and memory
 * and adds custom resources. With {@code --tls-keystore} the node speaks TLS with that cluster
 * secret; its password comes from {@code --tls-password-file} or the environment variable
 * {@value TlsSettings#PASSWORD_ENV}. Pekko settings can be overridden with {@code -D} options.
 *
 * <p>Promises: once the ResourceManager has registered the node, exactly one line
 * {@code GALE NODE UP <host:port>} is printed on standard output. The process then runs until the
 * node's actor system terminates (the node left the cluster, was asked to stop, or got SIGTERM) and
 * exits with 0, or with 3 when the cluster downed it (it was unreachable and on the minority side).
 * Bad arguments: a message on standard error and exit 2; a node that cannot start: exit 1.
 */
public final class NodeMain {
    /** What the node prints, followed by its {@code host:port}, once it is up. */
    public static final String UP_PREFIX = "GALE NODE UP ";
    /** Exit status: the node stopped normally. */
    public static final int EXIT_OK = 0;
    /** Exit status: the node could not start. */
    public static final int EXIT_FAILED = 1;
    /** Exit status: bad arguments. */
    public static final int EXIT_USAGE = 2;
    /** Exit status: the cluster downed this node. */
    public static final int EXIT_DOWNED = 3;

    static final String USAGE = """
            usage: NodeMain [--host H] [--port P] [--join host:port] [--resources "cpus=4,memory=8GiB"]
                            [--labels zone=a,disk=ssd] [--tls-keystore FILE [--tls-password-file FILE]]
              --host H              address other members reach this node at (default 127.0.0.1)
              --port P              Artery TCP port (default 0: a free port)
              --join host:port      a node of the cluster to join; omit to start a new cluster
              --resources SPEC      override discovered cpus/memory, add custom resources (name=amount)
              --labels k=v,k2=v2    node labels, matched by the label selectors of bundles
              --tls-keystore FILE   cluster secret (PKCS12, from `gale cluster secret`): TLS between members
              --tls-password-file F its password (default: environment variable GALE_CLUSTER_SECRET)""";

    private NodeMain() {
    }

    /** Runs a node until its actor system terminates, then exits with the status described above. */
    public static void main(String[] args) {
        int code = run(args, System.out, System.err, System.getenv(), a -> {
        });
        System.out.flush();
        System.err.flush();
        // an actor system stuck in its shutdown would also stall the JVM's shutdown hooks: halt instead
        if (stuck) Runtime.getRuntime().halt(code);
        System.exit(code);
    }

    /** Set when the actor system missed {@link #TERMINATE_DEADLINE}. */
    private static volatile boolean stuck;

    /**
     * Runs a node in this JVM until its actor system terminates (blocks).
     *
     * @param args as for {@link #main}
     * @param out  receives the {@code GALE NODE UP} line
     * @param err  receives error messages
     * @param env  the environment ({@value TlsSettings#PASSWORD_ENV})
     * @param onUp called with the node's {@code host:port} once it is up
     * @return the exit status ({@link #EXIT_OK}, {@link #EXIT_FAILED}, {@link #EXIT_USAGE}, {@link #EXIT_DOWNED})
     */
    public static int run(String[] args, PrintStream out, PrintStream err, Map<String, String> env, Consumer<String> onUp) {
        NodeConfig cfg;
        try {
            cfg = parse(args, env);
        } catch (IllegalArgumentException e) {
            err.println("gale node: " + e.getMessage());
            err.println(USAGE);
            return EXIT_USAGE;
        }
        if (cfg == null) {
            out.println(USAGE);
            return EXIT_OK;
        }
        GaleNode node;
        try {
            node = GaleNode.start(cfg);
        } catch (RuntimeException e) {
            err.println("gale node: " + e.getMessage());
            return EXIT_FAILED;
        }
        String address = node.address();
        out.println(UP_PREFIX + address);
        out.flush();
        onUp.accept(address);
        awaitTermination(node, err);
        Optional<CoordinatedShutdown.Reason> reason = CoordinatedShutdown.get(node.system()).getShutdownReason();
        if (reason.isPresent() && reason.get().equals(CoordinatedShutdown.clusterDowningReason())) {
            err.println("gale node: " + address + " was downed by the cluster (unreachable, on the minority side); exiting");
            return EXIT_DOWNED;
        }
        return EXIT_OK;
    }

    /** How long a node whose shutdown has begun may take to terminate before the process exits anyway. */
    static final java.time.Duration TERMINATE_DEADLINE = java.time.Duration.ofSeconds(20);

    /**
     * Blocks until the node's actor system has terminated; once its coordinated shutdown has begun
     * (the node left, was asked to stop, was downed, or got SIGTERM), waits at most
     * {@link #TERMINATE_DEADLINE} for the termination to complete. A Pekko phase that never
     * completes (seen with an Artery TLS stream during shutdown) then cannot keep the process alive.
     */
    static void awaitTermination(GaleNode node, PrintStream err) {
        var terminated = node.system().getWhenTerminated().toCompletableFuture();
        CoordinatedShutdown cs = CoordinatedShutdown.get(node.system());
        long shutdownSeen = 0;
        while (!terminated.isDone()) {
            try {
                terminated.get(200, java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                if (cs.getShutdownReason().isEmpty()) continue;
                if (shutdownSeen == 0) shutdownSeen = System.nanoTime();
                if (System.nanoTime() - shutdownSeen > TERMINATE_DEADLINE.toNanos()) {
                    err.println("gale node: the actor system did not terminate within " + TERMINATE_DEADLINE.toSeconds()
                            + " s of its shutdown (reason " + cs.getShutdownReason().get() + "); exiting anyway");
                    stuck = true;
                    return;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (java.util.concurrent.ExecutionException e) {
                return;
            }
        }
    }

    /**
     * Parses the arguments into a node config.
     *
     * @return null when help was asked for
     * @throws IllegalArgumentException naming the option and the fix
     */
    static NodeConfig parse(String[] args, Map<String, String> env) {
        String host = "127.0.0.1";
        int port = 0;
        List<String> join = new ArrayList<>();
        String resources = null;
        String labels = null;
        Path keyStore = null;
        Path passwordFile = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String value = null;
            int eq = a.indexOf('=');
            if (a.startsWith("--") && eq > 0) {
                value = a.substring(eq + 1);
                a = a.substring(0, eq);
            }
            switch (a) {
                case "-h", "--help" -> {
                    return null;
                }
                case "--host", "--port", "--join", "--resources", "--labels", "--tls-keystore", "--tls-password-file" -> {
                    if (value == null) {
                        if (i + 1 >= args.length) throw new IllegalArgumentException(a + ": a value is required");
                        value = args[++i];
                    }
                    switch (a) {
                        case "--host" -> host = value;
                        case "--port" -> {
                            try {
                                port = Integer.parseInt(value.trim());
                            } catch (NumberFormatException e) {
                                throw new IllegalArgumentException("--port '" + value + "': expected a number 0..65535 (0 = a free port)");
                            }
                        }
                        case "--join" -> {
                            for (String s : value.split(",")) {
                                if (s.isBlank()) continue;
                                NodeConfig.checkHostPort("--join", s.trim());
                                join.add(s.trim());
                            }
                        }
                        case "--resources" -> resources = value;
                        case "--labels" -> labels = value;
                        case "--tls-keystore" -> keyStore = Path.of(value);
                        default -> passwordFile = Path.of(value);
                    }
                }
                default -> throw new IllegalArgumentException("unknown argument '" + args[i] + "'");
            }
        }
        if (passwordFile != null && keyStore == null) {
            throw new IllegalArgumentException("--tls-password-file needs --tls-keystore");
        }
        NodeInventory inv = resources == null ? null : applyResources(InventoryDiscovery.discover(env), resources);
        TlsSettings tls = keyStore == null ? null : TlsSettings.of(keyStore, passwordFile, env);
        return new NodeConfig(host, port, join, inv).withTls(tls).withLabels(Bundle.parseLabels("--labels", labels));
    }

    /**
     * {@code base} with the amounts of {@code spec} ({@code name=amount,...}): {@code cpus} (a
     * number), {@code memory} (a size such as {@code 8GiB}, {@code 512m}); any other name is a
     * custom resource (a number). GPUs are always discovered and cannot be set here.
     *
     * @throws IllegalArgumentException naming the entry and the expected form
     */
    public static NodeInventory applyResources(NodeInventory base, String spec) {
        Double cpus = null;
        Long memory = null;
        Map<String, Double> custom = new LinkedHashMap<>();
        for (String part : spec.split(",")) {
            if (part.isBlank()) continue;
            int eq = part.indexOf('=');
            if (eq <= 0 || eq == part.length() - 1) {
                throw new IllegalArgumentException("resources '" + part.trim() + "': expected name=amount, e.g. cpus=4,memory=8GiB");
            }
            String name = part.substring(0, eq).trim();
            String value = part.substring(eq + 1).trim();
            switch (name.toLowerCase(Locale.ROOT)) {
                case "cpus", "cpu" -> cpus = number("cpus", value);
                case "memory", "mem" -> memory = Bytes.parse("resources memory", value);
                case "gpus", "gpu" -> throw new IllegalArgumentException("resources gpus: GPUs are discovered with nvidia-smi on PATH "
                        + "and cannot be set with --resources");
                default -> custom.put(name, number(name, value));
            }
        }
        return InventoryDiscovery.withOverrides(base, cpus, memory, custom);
    }

    private static double number(String name, String value) {
        double v;
        try {
            v = Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("resources " + name + " = '" + value + "': expected a number >= 0");
        }
        if (!Double.isFinite(v) || v < 0) {
            throw new IllegalArgumentException("resources " + name + " = '" + value + "': expected a number >= 0");
        }
        return v;
    }
}
