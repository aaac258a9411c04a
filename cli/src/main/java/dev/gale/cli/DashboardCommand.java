package dev.gale.cli;

import dev.gale.observability.dashboard.Dashboard;
import dev.gale.observability.dashboard.DashboardConfig;
import dev.gale.tune.storage.ExperimentLayout;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;

/**
 * {@code gale dashboard [DIR…] [--storage DIR] [--address HOST:PORT] [--port N] [--host H] [--token T]}:
 * serves the web dashboard of experiment directories (read once, when it starts) and, with
 * {@code --address}, of a cluster's nodes and waiting demand, until Ctrl-C. On an address
 * other than the loopback one it requires a token (made up and printed in the URL when none is given).
 */
@Command(name = "dashboard", mixinStandardHelpOptions = true,
        description = "Serve the web dashboard of experiment directories (live runs: RunConfig.withCallbacks(dashboard.callback())).")
final class DashboardCommand implements Callable<Integer> {
    @Parameters(paramLabel = "DIR", arity = "0..*", description = "experiment directories")
    List<Path> dirs = new ArrayList<>();

    @Option(names = "--storage", paramLabel = "DIR", description = "add every experiment directory under DIR (e.g. ~/gale_results)")
    Path storage;

    @Option(names = "--address", paramLabel = "HOST:PORT", description = "also show this cluster's nodes and waiting demand (joins as a client)")
    String address;

    @picocli.CommandLine.Mixin
    ClusterCommand.TlsOptions tls = new ClusterCommand.TlsOptions();

    @Option(names = "--port", description = "port (default ${DEFAULT-VALUE}; 0 picks a free one)")
    int port = DashboardConfig.DEFAULT_PORT;

    @Option(names = "--host", description = "address to bind (default ${DEFAULT-VALUE}; elsewhere a token is required)")
    String host = "127.0.0.1";

    @Option(names = "--token", description = "token every request must carry (made up when binding elsewhere than loopback)")
    String token;

    @Override
    public Integer call() throws IOException, InterruptedException {
        List<Path> all = new ArrayList<>(dirs);
        if (storage != null) all.addAll(experimentsUnder(storage));
        if (all.isEmpty() && address == null) {
            throw new IllegalArgumentException("nothing to show: give experiment directories, --storage DIR or --address HOST:PORT");
        }
        if (address != null) dev.gale.cluster.NodeConfig.checkHostPort("--address", address);
        String t = token;
        if (t == null && !isLoopback(host)) {
            byte[] b = new byte[16];
            new SecureRandom().nextBytes(b);
            t = HexFormat.of().formatHex(b);
        }
        Dashboard d = Dashboard.start(new DashboardConfig(host, port, t));
        CountDownLatch stopped = new CountDownLatch(1);
        try {
            for (Path dir : all) {
                String id = d.add(dir);
                System.out.println("added " + id + " (" + dir + ")");
            }
        } catch (IllegalArgumentException e) {
            d.close();
            throw e;
        }
        dev.gale.cluster.GaleNode client = null;
        if (address != null) {
            try {
                client = ClusterCommand.connect(address, tls);
            } catch (RuntimeException e) {
                d.close();
                throw e;
            }
            d.watch(client);
            System.out.println("watching the cluster at " + address);
        }
        dev.gale.cluster.GaleNode joined = client;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            d.close();
            if (joined != null) joined.close();
            stopped.countDown();
        }, "gale-dashboard-stop"));
        System.out.println("dashboard at " + d.url() + " (Ctrl-C stops it)");
        stopped.await();
        return 0;
    }

    /** The experiment directories directly under {@code storage}, by name. */
    static List<Path> experimentsUnder(Path storage) throws IOException {
        if (!Files.isDirectory(storage)) throw new IllegalArgumentException("--storage " + storage + " is not a directory");
        try (Stream<Path> s = Files.list(storage)) {
            List<Path> out = s.filter(p -> Files.isRegularFile(p.resolve(ExperimentLayout.STATE_FILE))
                    || Files.isRegularFile(p.resolve(ExperimentLayout.JOURNAL_FILE))).sorted().toList();
            if (out.isEmpty()) throw new IllegalArgumentException("--storage " + storage + " holds no experiment directory");
            return out;
        }
    }

    private static boolean isLoopback(String host) {
        try {
            return host.equals("localhost") || java.net.InetAddress.getByName(host).isLoopbackAddress();
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }
}
