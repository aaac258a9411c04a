package dev.gale.autoscaler;

import dev.gale.cluster.GaleNode;
import dev.gale.cluster.NodeConfig;
import dev.gale.cluster.NodeMain;
import dev.gale.cluster.TlsSettings;
import dev.gale.gpu.InventoryDiscovery;
import dev.gale.gpu.NodeInventory;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The main class of {@code gale cluster up}'s head process: reads a {@code cluster.yaml}, starts
 * the head node it describes and the autoscaler on it, prints {@code GALE NODE UP <host:port>}
 * (as {@link NodeMain} does) and runs until the head's actor system terminates.
 * <pre>
 * java -cp ... dev.gale.autoscaler.ClusterHead cluster.yaml [state-dir]
 * </pre>
 * The state directory (default {@code ~/.gale/clusters/<name>}) holds the local provider's node logs.
 *
 * <p>Promises: exit 2 with a message naming the field for a bad file; 1 when the head cannot
 * start; 0 once the head stopped. The nodes it launched keep running when it dies
 * ({@code gale cluster down} ends them).
 */
public final class ClusterHead {
    private ClusterHead() {
    }

    public static void main(String[] args) {
        int code = run(args, System.out, System.err, System.getenv());
        System.out.flush();
        System.exit(code);
    }

    /** Runs a head with its autoscaler until it stops (blocks); returns the exit status. */
    public static int run(String[] args, PrintStream out, PrintStream err, Map<String, String> env) {
        if (args.length < 1 || args.length > 2) {
            err.println("usage: ClusterHead cluster.yaml [state-dir]");
            return 2;
        }
        ClusterConfig cfg;
        try {
            cfg = ClusterConfig.load(Path.of(args[0]));
        } catch (IllegalArgumentException e) {
            err.println("gale cluster up: " + e.getMessage());
            return 2;
        }
        Path state = args.length > 1 ? Path.of(args[1]) : defaultStateDir(cfg.name());
        GaleNode head;
        NodeProvider provider;
        try {
            HeadConfig h = cfg.head();
            NodeInventory inv = h.resources() == null ? null : NodeMain.applyResources(InventoryDiscovery.discover(env), h.resources());
            TlsSettings tls = h.tlsKeystore() == null ? null : TlsSettings.of(h.tlsKeystore(), h.tlsPasswordFile(), env);
            NodeConfig nc = new NodeConfig(h.host(), h.port(), List.of(), inv).withTls(tls).withLabels(h.labels());
            provider = NodeProviderFactory.open(new ProviderContext(cfg, state, java.time.Clock.systemUTC()));
            head = GaleNode.start(nc);
        } catch (RuntimeException e) {
            err.println("gale cluster up: " + e.getMessage());
            return 1;
        }
        Autoscaler autoscaler = Autoscaler.start(head, cfg, provider);
        out.println(NodeMain.UP_PREFIX + head.address());
        out.flush();
        try {
            head.system().getWhenTerminated().toCompletableFuture().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException e) {
            // terminated
        }
        autoscaler.close();
        provider.close();
        return 0;
    }

    /** Where a cluster's state goes by default: {@code ~/.gale/clusters/<name>}. */
    public static Path defaultStateDir(String clusterName) {
        return Path.of(System.getProperty("user.home"), ".gale", "clusters", clusterName);
    }
}
