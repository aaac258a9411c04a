package dev.gale.cluster.testkit;

import dev.gale.cluster.NodeMain;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A Gale node in a child JVM ({@link NodeMain}) for multi-JVM tests on 127.0.0.1.
 *
 * <p>Promises: {@link #awaitUp(Duration)} returns the node's {@code host:port} once it printed
 * {@code GALE NODE UP}, or fails with the node's output; {@link #close()} stops it (SIGTERM, then
 * SIGKILL), {@link #kill()} kills it at once (SIGKILL, as a crashed machine). Output is under
 * {@code target/jvm-processes/node-N.out|err}.
 */
public final class NodeProcess implements AutoCloseable {
    private final JvmProcess jvm;
    private volatile String address;

    private NodeProcess(JvmProcess jvm) {
        this.jvm = jvm;
    }

    /** Starts a node with these {@link NodeMain} arguments (e.g. {@code --join 127.0.0.1:40001 --resources cpus=2}). */
    public static NodeProcess start(List<String> nodeArgs) {
        return start(nodeArgs, Map.of(), List.of());
    }

    /**
     * Starts a node.
     *
     * @param nodeArgs   {@link NodeMain} arguments
     * @param env        added to the inherited environment (e.g. {@code PATH} with a fake {@code nvidia-smi}
     *                   first, see {@link FakeNvidiaSmi}, or {@code GALE_CLUSTER_SECRET})
     * @param jvmOptions extra JVM options, e.g. {@code -Dpekko.cluster.split-brain-resolver.stable-after=3s}
     */
    public static NodeProcess start(List<String> nodeArgs, Map<String, String> env, List<String> jvmOptions) {
        return new NodeProcess(JvmProcess.builder(NodeMain.class.getName()).name("node").args(nodeArgs).env(env)
                .jvmOptions(jvmOptions).start());
    }

    /** Starts a head node (a new cluster) offering {@code resources} (e.g. {@code cpus=2,memory=1GiB}). */
    public static NodeProcess head(String resources, String... more) {
        List<String> args = new ArrayList<>(List.of("--resources", resources));
        args.addAll(List.of(more));
        return start(args);
    }

    /** Starts a node that joins {@code address} offering {@code resources}. */
    public static NodeProcess join(String address, String resources, String... more) {
        List<String> args = new ArrayList<>(List.of("--join", address, "--resources", resources));
        args.addAll(List.of(more));
        return start(args);
    }

    /** Waits until the node is up and returns its {@code host:port}. */
    public String awaitUp(Duration timeout) {
        String a = jvm.awaitLine(NodeMain.UP_PREFIX, timeout);
        address = a;
        return a;
    }

    /** True once the node printed its UP line (checks its output now, does not wait). */
    public boolean isUp() {
        for (String line : jvm.stdout().split("\n", -1)) {
            if (line.startsWith(NodeMain.UP_PREFIX)) return true;
        }
        return false;
    }

    /** The {@code host:port} from {@link #awaitUp}; null before. */
    public String address() {
        return address;
    }

    /** The node's Pekko address ({@code pekko://gale@host:port}), as in {@code ClusterStatus.Node.nodeId}. */
    public String nodeId() {
        return address == null ? null : "pekko://gale@" + address;
    }

    /** The operating system's process id. */
    public long pid() {
        return jvm.pid();
    }

    /** True while the process runs. */
    public boolean isAlive() {
        return jvm.isAlive();
    }

    /** Kills the node at once (SIGKILL). */
    public void kill() {
        jvm.kill();
    }

    /** Waits for the process to exit and returns its exit status (AssertionError with its output after {@code timeout}). */
    public int waitFor(Duration timeout) {
        return jvm.waitFor(timeout);
    }

    /** The JVM process (output files, command line). */
    public JvmProcess jvm() {
        return jvm;
    }

    /** State and output tails, for assertion messages. */
    public String describe() {
        return jvm.describe();
    }

    /** Stops the node (SIGTERM: it leaves the cluster gracefully), SIGKILL after 20 s. */
    @Override
    public void close() {
        jvm.close();
    }
}
