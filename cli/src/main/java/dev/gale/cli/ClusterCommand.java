package dev.gale.cli;

import dev.gale.cluster.ClusterSecret;
import dev.gale.cluster.ClusterStatus;
import dev.gale.cluster.GaleNode;
import dev.gale.cluster.NodeConfig;
import dev.gale.cluster.TlsSettings;
import dev.gale.gpu.Bytes;
import dev.gale.gpu.GpuDevice;
import dev.gale.gpu.ResourceSpec;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/**
 * {@code gale cluster start|status|stop|drain|stop-node|secret}: a multi-node cluster from the command line. The
 * head node's address is remembered in {@code <gale home>/cluster-address} (see {@link GaleHome}),
 * so {@code status}, {@code stop} and {@code gale node start} find it without {@code --address}.
 */
@Command(name = "cluster", mixinStandardHelpOptions = true,
        description = "Start, inspect and stop a Gale cluster of several nodes.",
        subcommands = {ClusterCommand.Start.class, ClusterCommand.Status.class, ClusterCommand.Stop.class,
                ClusterCommand.Drain.class, ClusterCommand.StopNode.class, ClusterCommand.Secret.class})
final class ClusterCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** TLS options shared by the cluster commands. */
    static final class TlsOptions {
        @Option(names = "--tls-keystore", paramLabel = "FILE",
                description = "cluster secret (from `gale cluster secret`): TLS between members; password in GALE_CLUSTER_SECRET")
        Path keyStore;

        @Option(names = "--tls-password-file", paramLabel = "FILE", description = "file holding the cluster secret's password")
        Path passwordFile;

        TlsSettings settings() {
            return NodeLauncher.tls(keyStore, passwordFile);
        }

        List<String> nodeArgs() {
            return NodeLauncher.tlsArgs(keyStore, passwordFile);
        }
    }

    /** {@code gale cluster start}: a head node. */
    @Command(name = "start", mixinStandardHelpOptions = true,
            description = {"Start the head node of a new cluster (in the background unless --foreground).",
                    "Prints its address and how other machines join it."})
    static final class Start implements Callable<Integer> {
        @Option(names = "--port", defaultValue = "25520", description = "port (default ${DEFAULT-VALUE}; 0 = a free one)")
        int port;

        @CommandLine.Mixin
        NodeStartOptions node = new NodeStartOptions();

        @Override
        public Integer call() {
            GaleHome.recordedAddress().ifPresent(a -> {
                if (answers(a)) {
                    throw new IllegalStateException("a Gale cluster already runs at " + a + " (recorded in " + GaleHome.addressFile()
                            + "): stop it with `gale cluster stop`, or join it with `gale node start --join " + a + "`");
                }
            });
            NodeStartOptions.Launch l = node.launch("head", node.nodeArgs(port, List.of()), address -> {
                GaleHome.recordAddress(address);
                printJoinHelp(address);
            });
            if (l.exitStatus() != null) return l.exitStatus();
            NodeLauncher.Started s = l.started();
            GaleHome.recordAddress(s.address());
            System.out.println("Gale head node up at " + s.address() + " (pid " + s.pid() + ", log " + s.log() + ")");
            printJoinHelp(s.address());
            return 0;
        }

        private void printJoinHelp(String address) {
            String tlsHint = node.tls.keyStore == null ? "" : " --tls-keystore " + node.tls.keyStore;
            System.out.println("Join more nodes with:  gale node start --join " + address + tlsHint);
            System.out.println("Cluster status:        gale cluster status" + tlsHint);
            System.out.println("Stop the cluster:      gale cluster stop" + tlsHint);
            System.out.flush();
        }

        private static boolean answers(String address) {
            try {
                NodeLauncher.probe(address);
                return true;
            } catch (IllegalStateException e) {
                return false;
            }
        }
    }

    /** The options naming a running cluster: its address and its TLS settings. */
    static final class ClusterAddress {
        @Option(names = "--address", paramLabel = "HOST:PORT", description = "a node of the cluster (default: the recorded head node)")
        String address;

        @CommandLine.Mixin
        TlsOptions tls = new TlsOptions();

        /** The given address, else the recorded head node's. */
        String resolve() {
            return resolveAddress(address);
        }
    }

    /** {@code gale cluster status}. */
    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "Show the nodes of a cluster with their free resources, leases, queued requests and unmet demand.")
    static final class Status implements Callable<Integer> {
        @CommandLine.Mixin
        ClusterAddress cluster = new ClusterAddress();

        @Override
        public Integer call() {
            String a = cluster.resolve();
            try (GaleNode client = connect(a, cluster.tls)) {
                System.out.print(format(a, client.status(Duration.ofSeconds(30))));
                System.out.flush();
            }
            return 0;
        }
    }

    /** {@code gale cluster stop}. */
    @Command(name = "stop", mixinStandardHelpOptions = true,
            description = "Ask every node of a cluster to leave and stop.")
    static final class Stop implements Callable<Integer> {
        @CommandLine.Mixin
        ClusterAddress cluster = new ClusterAddress();

        @Override
        public Integer call() {
            String a = cluster.resolve();
            int n;
            try (GaleNode client = connect(a, cluster.tls)) {
                n = client.shutdownCluster(Duration.ofSeconds(90));
            }
            GaleHome.forgetAddress(a);
            System.out.println("Stopped " + n + (n == 1 ? " node" : " nodes") + " of the Gale cluster at " + a + ".");
            return 0;
        }
    }

    /** {@code gale cluster drain HOST:PORT [--deadline 60s]}. */
    @Command(name = "drain", mixinStandardHelpOptions = true,
            description = {"Drain a node: no new work goes there; running work ends normally, and whatever still runs",
                    "after --deadline is stopped and moves elsewhere (a trial retries from its checkpoint)."})
    static final class Drain implements Callable<Integer> {
        @CommandLine.Parameters(index = "0", paramLabel = "HOST:PORT", description = "the node to drain")
        String node;

        @Option(names = "--deadline", defaultValue = "60s", description = "how long running work may go on (default ${DEFAULT-VALUE})")
        String deadline;

        @CommandLine.Mixin
        ClusterAddress cluster = new ClusterAddress();

        @Override
        public Integer call() {
            NodeConfig.checkHostPort("HOST:PORT", node);
            Duration d = parseDeadline(deadline);
            String a = cluster.resolve();
            int revoked;
            try (GaleNode client = connect(a, cluster.tls)) {
                System.out.println("Draining " + node + " (running work may go on for " + deadline + ")...");
                System.out.flush();
                revoked = client.drain(node, d, Duration.ofSeconds(60));
            }
            System.out.println("Node " + node + " is drained: it takes no new work"
                    + (revoked == 0 ? "; all its work ended in time." : "; " + revoked + (revoked == 1 ? " lease was" : " leases were")
                    + " revoked at the deadline (their work moves elsewhere)."));
            return 0;
        }
    }

    /** {@code gale cluster stop-node HOST:PORT [--deadline 60s]}. */
    @Command(name = "stop-node", mixinStandardHelpOptions = true,
            description = "Drain a node (see drain), then ask it to leave the cluster and stop.")
    static final class StopNode implements Callable<Integer> {
        @CommandLine.Parameters(index = "0", paramLabel = "HOST:PORT", description = "the node to stop")
        String node;

        @Option(names = "--deadline", defaultValue = "60s", description = "how long running work may go on (default ${DEFAULT-VALUE})")
        String deadline;

        @CommandLine.Mixin
        ClusterAddress cluster = new ClusterAddress();

        @Override
        public Integer call() {
            NodeConfig.checkHostPort("HOST:PORT", node);
            Duration d = parseDeadline(deadline);
            String a = cluster.resolve();
            if (a.equals(node)) {
                throw new IllegalArgumentException("the node " + node + " is the address this command connects through: pass "
                        + "--address with another node of the cluster");
            }
            int revoked;
            try (GaleNode client = connect(a, cluster.tls)) {
                revoked = client.stopNode(node, d, Duration.ofSeconds(60));
            }
            System.out.println("Node " + node + " was drained" + (revoked == 0 ? "" : " (" + revoked + " leases revoked at the deadline)")
                    + " and has left the cluster.");
            return 0;
        }
    }

    static Duration parseDeadline(String s) {
        try {
            Duration d = TuneCommand.parseDuration(s);
            if (d.isNegative()) throw new IllegalArgumentException("negative");
            return d;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--deadline '" + s + "': use e.g. 60s, 5m, 0s");
        }
    }

    /** {@code gale cluster secret}. */
    @Command(name = "secret", mixinStandardHelpOptions = true,
            description = {"Create a cluster secret: a PKCS12 keystore with one key pair that every member uses for TLS.",
                    "The password comes from GALE_CLUSTER_SECRET or --password-file (at least 6 characters)."})
    static final class Secret implements Callable<Integer> {
        @Option(names = "--out", required = true, paramLabel = "FILE", description = "the keystore to create (never overwritten)")
        Path out;

        @Option(names = "--password-file", paramLabel = "FILE", description = "file holding the password (default: GALE_CLUSTER_SECRET)")
        Path passwordFile;

        @Override
        public Integer call() {
            TlsSettings t;
            try {
                t = TlsSettings.of(out, passwordFile, System.getenv());
            } catch (IllegalArgumentException e) {
                // this command's password option is --password-file (the node and client commands' is --tls-password-file)
                throw new IllegalArgumentException(e.getMessage().replace("(--tls-password-file)", "with --password-file FILE"), e);
            }
            ClusterSecret.create(t.keyStore(), t.password());
            System.out.println("Cluster secret written to " + t.keyStore() + ".");
            String pw = passwordFile == null ? " (password in GALE_CLUSTER_SECRET)" : " --tls-password-file " + passwordFile;
            System.out.println("Copy it to every machine and start each node and client with --tls-keystore " + t.keyStore() + pw);
            return 0;
        }
    }

    static String resolveAddress(String address) {
        String a = address;
        if (a == null) {
            a = GaleHome.recordedAddress().orElseThrow(() -> new IllegalStateException("no cluster address given and none recorded in "
                    + GaleHome.addressFile() + ": pass --address host:port, or start a cluster with `gale cluster start`"));
        }
        NodeConfig.checkHostPort("--address", a);
        return a;
    }

    static GaleNode connect(String address, TlsOptions tls) {
        TlsSettings settings = tls.settings();
        NodeLauncher.probe(address);
        return GaleNode.connect(NodeConfig.client(List.of(address)).withTls(settings), Duration.ofSeconds(30));
    }

    /** The status table. */
    static String format(String address, ClusterStatus st) {
        StringBuilder sb = new StringBuilder();
        int leases = 0;
        for (ClusterStatus.Node n : st.nodes()) leases += n.leases();
        sb.append(String.format(Locale.ROOT, "Gale cluster at %s: %d %s, %d %s, %d queued %s%n", address, st.nodes().size(),
                st.nodes().size() == 1 ? "node" : "nodes", leases, leases == 1 ? "lease" : "leases", st.queued(),
                st.queued() == 1 ? "request" : "requests"));
        sb.append(String.format(Locale.ROOT, "%-22s %-14s %-22s %-7s %s%n", "NODE", "CPUS used/all", "MEMORY used/all", "LEASES",
                "GPUS / CUSTOM"));
        for (ClusterStatus.Node n : st.nodes()) {
            double cpus = n.inventory().cpus();
            long mem = n.inventory().memoryBytes();
            List<String> extra = new ArrayList<>();
            List<GpuDevice> gpus = n.inventory().gpus();
            for (int i = 0; i < gpus.size(); i++) {
                GpuDevice g = gpus.get(i);
                long free = i < n.freeGpuMemory().size() ? n.freeGpuMemory().get(i) : g.memoryTotalBytes();
                double frac = i < n.freeGpuFraction().size() ? n.freeGpuFraction().get(i) : 1.0;
                extra.add(String.format(Locale.ROOT, "gpu %d %s: %s free of %s, %.0f%% unleased", g.index(), g.name(),
                        Bytes.format(free), Bytes.format(g.memoryTotalBytes()), frac * 100));
            }
            Map<String, Double> custom = new TreeMap<>(n.inventory().custom());
            if (!custom.isEmpty()) {
                List<String> c = new ArrayList<>();
                custom.forEach((k, v) -> c.add(k + "=" + num(v)));
                extra.add("custom " + String.join(", ", c));
            }
            if (extra.isEmpty()) extra.add("-");
            sb.append(String.format(Locale.ROOT, "%-22s %-14s %-22s %-7d %s%n", shortId(n.nodeId()),
                    num(cpus - n.freeCpus()) + "/" + num(cpus),
                    Bytes.format(mem - n.freeMemoryBytes()) + "/" + Bytes.format(mem), n.leases(), extra.get(0)));
            for (int i = 1; i < extra.size(); i++) {
                sb.append(String.format(Locale.ROOT, "%-22s %-14s %-22s %-7s %s%n", "", "", "", "", extra.get(i)));
            }
        }
        boolean any = false;
        for (ClusterStatus.Node n : st.nodes()) {
            if (n.holders().isEmpty()) continue;
            if (!any) sb.append("Running (lease holders: experiment/trial#attempt):").append(System.lineSeparator());
            any = true;
            sb.append(String.format(Locale.ROOT, "  %-20s %s%n", shortId(n.nodeId()), String.join(", ", n.holders())));
        }
        appendDemand(sb, st);
        if (st.unmetDemand().isEmpty()) {
            sb.append("Unmet demand: none").append(System.lineSeparator());
        } else {
            sb.append("Unmet demand (queued requests no node can hold, even empty):").append(System.lineSeparator());
            for (ResourceSpec r : st.unmetDemand()) sb.append("  ").append(r).append(System.lineSeparator());
        }
        return sb.toString();
    }

    /** Node labels, draining and idle nodes, and the waiting demand (from the status's demand snapshot). */
    private static void appendDemand(StringBuilder sb, ClusterStatus st) {
        dev.gale.cluster.DemandSnapshot d = st.demand();
        java.time.Instant now = d.at();
        List<String> lines = new ArrayList<>();
        for (dev.gale.cluster.DemandSnapshot.NodeState n : d.nodes()) {
            List<String> parts = new ArrayList<>();
            if (!n.labels().isEmpty()) {
                List<String> l = new ArrayList<>();
                new TreeMap<>(n.labels()).forEach((k, v) -> l.add(k + "=" + v));
                parts.add("labels " + String.join(",", l));
            }
            if (n.draining()) {
                parts.add("DRAINING" + (n.drainDeadline() == null ? "" : ", leases revoked in "
                        + age(java.time.Duration.between(now, n.drainDeadline()))));
            }
            if (n.idleSince() != null) parts.add("idle for " + age(java.time.Duration.between(n.idleSince(), now)));
            if (!parts.isEmpty()) lines.add(String.format(Locale.ROOT, "  %-20s %s", shortId(n.nodeId()), String.join("; ", parts)));
        }
        if (!lines.isEmpty()) {
            sb.append("Nodes (labels, draining, idle):").append(System.lineSeparator());
            for (String l : lines) sb.append(l).append(System.lineSeparator());
        }
        if (!d.waiting().isEmpty()) {
            int n = d.waitingBundles();
            sb.append("Waiting demand (").append(n).append(n == 1 ? " bundle" : " bundles").append(", oldest first):")
                    .append(System.lineSeparator());
            for (dev.gale.cluster.DemandSnapshot.Waiting w : d.waiting()) {
                String who = (w.group().isEmpty() ? "" : w.group() + " ") + (w.holderId().isEmpty() ? "" : w.holderId() + "/") + w.demandKey();
                sb.append(String.format(Locale.ROOT, "  %-32s %d %s of %s, waiting %s%s%n", who, w.count(),
                        w.count() == 1 ? "bundle" : "bundles", w.bundle().describe(), age(w.age()),
                        w.feasible() ? "" : " (no node shape can hold it)"));
            }
            if (d.moreWaiting() > 0) sb.append("  ... and ").append(d.moreWaiting()).append(" more").append(System.lineSeparator());
        }
    }

    private static String age(java.time.Duration d) {
        long s = Math.max(0, d.toSeconds());
        if (s < 120) return s + " s";
        if (s < 7200) return (s / 60) + " min";
        return (s / 3600) + " h";
    }

    private static String shortId(String nodeId) {
        int at = nodeId.indexOf('@');
        return at >= 0 ? nodeId.substring(at + 1) : nodeId;
    }

    private static String num(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.2f", v);
    }
}
