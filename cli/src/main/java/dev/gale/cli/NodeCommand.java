package dev.gale.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.concurrent.Callable;

/** {@code gale node start}: a node that joins an existing cluster. */
@Command(name = "node", mixinStandardHelpOptions = true, description = "Start a node that joins a Gale cluster.",
        subcommands = {NodeCommand.Start.class})
final class NodeCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** {@code gale node start --join host:port}. */
    @Command(name = "start", mixinStandardHelpOptions = true,
            description = {"Start a node that joins the cluster at --join (in the background unless --foreground).",
                    "GPUs are found with nvidia-smi; --resources overrides CPUs and memory and adds custom resources."})
    static final class Start implements Callable<Integer> {
        @Option(names = "--join", paramLabel = "HOST:PORT", description = "a node of the cluster (default: the recorded head node)")
        String join;

        @Option(names = "--port", defaultValue = "0", description = "port (default ${DEFAULT-VALUE}: a free one)")
        int port;

        @CommandLine.Mixin
        NodeStartOptions node = new NodeStartOptions();

        @Override
        public Integer call() {
            String seed = join;
            if (seed == null) {
                seed = GaleHome.recordedAddress().orElseThrow(() -> new IllegalArgumentException("--join host:port is required (no "
                        + "cluster address is recorded in " + GaleHome.addressFile() + "; start a head node with `gale cluster start`)"));
            }
            dev.gale.cluster.NodeConfig.checkHostPort("--join", seed);
            dev.gale.cluster.TlsSettings t = node.tls.settings();
            if (t == null) ClusterProbe.reachable(seed);
            else ClusterProbe.tls(seed, t); // another cluster secret fails here, not after the join timeout
            NodeStartOptions.Launch l = node.launch("node", node.nodeArgs(port, List.of("--join", seed)), address -> {
            });
            if (l.exitStatus() != null) return l.exitStatus();
            NodeLauncher.Started s = l.started();
            System.out.println("Gale node up at " + s.address() + ", joined " + seed + " (pid " + s.pid() + ", log " + s.log() + ")");
            return 0;
        }
    }
}
