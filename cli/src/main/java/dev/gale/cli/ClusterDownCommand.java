package dev.gale.cli;

import dev.gale.autoscaler.Autoscaler;
import dev.gale.autoscaler.ClusterConfig;
import dev.gale.autoscaler.ClusterHead;
import dev.gale.autoscaler.NodeProvider;
import dev.gale.autoscaler.NodeProviderFactory;
import dev.gale.autoscaler.ProviderContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * {@code gale cluster down cluster.yaml}: stops the head {@code gale cluster up} started (by its
 * recorded process id) and terminates every node the cluster launched, found at the provider by
 * the cluster's tags or labels — also when the head crashed.
 */
@Command(name = "down", mixinStandardHelpOptions = true,
        description = "Stop a cluster started with `gale cluster up`: its head and every node it launched (found by the cluster's tags).")
final class ClusterDownCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "CLUSTER_YAML", description = "the cluster's file")
    Path file;

    @Option(names = "--state-dir", paramLabel = "DIR", description = "as given to `gale cluster up` (default ~/.gale/clusters/<name>)")
    Path stateDir;

    @Override
    public Integer call() throws IOException, InterruptedException {
        ClusterConfig cfg = ClusterConfig.load(file);
        Path state = (stateDir != null ? stateDir : ClusterHead.defaultStateDir(cfg.name())).toAbsolutePath();
        Path pidFile = state.resolve("head.pid");
        if (Files.exists(pidFile)) {
            long pid = Long.parseLong(Files.readString(pidFile).strip());
            ProcessHandle.of(pid).filter(ClusterDownCommand::isHead)
                    .ifPresent(p -> {
                        p.destroy();
                        try {
                            p.onExit().get(20, TimeUnit.SECONDS);
                        } catch (Exception e) {
                            p.destroyForcibly();
                        }
                        System.out.println("head (pid " + pid + ") stopped");
                    });
            Files.deleteIfExists(pidFile);
        }
        try (NodeProvider provider = NodeProviderFactory.open(new ProviderContext(cfg, state, Clock.systemUTC()))) {
            List<String> ended = Autoscaler.down(provider);
            System.out.println(ended.isEmpty() ? "no node of cluster " + cfg.name() + " was running"
                    : "terminated " + ended.size() + " node(s) of cluster " + cfg.name() + ": " + String.join(", ", ended));
        }
        return 0;
    }

    /** True when the process runs {@link ClusterHead} (a recycled pid is left alone). */
    static boolean isHead(ProcessHandle p) {
        String[] args = dev.gale.autoscaler.internal.LocalNodeProvider.arguments(p);
        return args != null && java.util.Arrays.asList(args).contains(ClusterHead.class.getName());
    }
}
