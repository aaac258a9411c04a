package dev.gale.cli;

import dev.gale.autoscaler.ClusterConfig;
import dev.gale.autoscaler.ClusterHead;
import dev.gale.cluster.NodeMain;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code gale cluster up cluster.yaml}: starts the head node a {@code cluster.yaml} describes with
 * the autoscaler on it ({@link ClusterHead}), in the background unless {@code --foreground}. The
 * head's log and process id go to the cluster's state directory; its address is recorded like
 * {@code gale cluster start}'s.
 */
@Command(name = "up", mixinStandardHelpOptions = true,
        description = {"Start a cluster from cluster.yaml: a head node with the autoscaler, which launches nodes of the",
                "node types when demand waits and retires idle ones (see docs/autoscaler.md)."})
final class ClusterUpCommand implements Callable<Integer> {
    /** How long the head may take to print its UP line. */
    static final Duration UP_TIMEOUT = Duration.ofSeconds(120);

    @Parameters(index = "0", paramLabel = "CLUSTER_YAML", description = "the cluster's file")
    Path file;

    @Option(names = "--foreground", description = "run the head in this process until it stops")
    boolean foreground;

    @Option(names = "--state-dir", paramLabel = "DIR", description = "node logs and the head's pid (default ~/.gale/clusters/<name>)")
    Path stateDir;

    @Override
    public Integer call() throws IOException, InterruptedException {
        ClusterConfig cfg = ClusterConfig.load(file);
        Path state = (stateDir != null ? stateDir : ClusterHead.defaultStateDir(cfg.name())).toAbsolutePath();
        Files.createDirectories(state);
        List<String> args = List.of(file.toAbsolutePath().toString(), state.toString());
        if (foreground) return ClusterHead.run(args.toArray(String[]::new), System.out, System.err, System.getenv());
        Path log = state.resolve("head.log");
        List<String> cmd = new ArrayList<>();
        Path setsid = Path.of("/usr/bin/setsid");
        if (Files.isExecutable(setsid)) cmd.add(setsid.toString());
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(NodeLauncher.defaultJvmOptions());
        cmd.add("-cp");
        cmd.add(NodeLauncher.absoluteClasspath());
        cmd.add(ClusterHead.class.getName());
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.redirectOutput(ProcessBuilder.Redirect.to(log.toFile()));
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Process p = pb.start();
        Files.writeString(state.resolve("head.pid"), Long.toString(p.pid()));
        long deadline = System.nanoTime() + UP_TIMEOUT.toNanos();
        while (true) {
            String text = Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
            for (String line : text.split("\n", -1)) {
                if (line.startsWith(NodeMain.UP_PREFIX)) {
                    String address = line.substring(NodeMain.UP_PREFIX.length()).strip();
                    GaleHome.recordAddress(address);
                    System.out.println("Cluster " + cfg.name() + " up: head at " + address + " (pid " + p.pid() + ", log " + log + ")");
                    System.out.println("Node types: " + cfg.nodeTypes().stream().map(t -> t.name() + " (" + t.min() + ".." + t.max() + ", "
                            + t.costPerHour() + "/h)").toList());
                    System.out.println("Status:  gale cluster status      Down:  gale cluster down " + file);
                    return 0;
                }
            }
            if (!p.isAlive()) {
                System.err.println("gale cluster up: the head exited with status " + p.exitValue() + "; its log " + log + " ends with:\n"
                        + tail(text));
                return p.exitValue() == 0 ? 1 : p.exitValue();
            }
            if (System.nanoTime() > deadline) {
                p.destroy();
                System.err.println("gale cluster up: the head was not up within " + UP_TIMEOUT.toSeconds() + " s and was stopped; log " + log);
                return 1;
            }
            Thread.sleep(100);
        }
    }

    static String tail(String s) {
        String[] lines = s.split("\n");
        return String.join("\n", java.util.Arrays.asList(lines).subList(Math.max(0, lines.length - 20), lines.length));
    }
}
