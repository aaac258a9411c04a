package dev.gale.cli;

import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The options {@code gale cluster start} and {@code gale node start} share (everything but the
 * port and the seed), and how they turn into a node: {@link NodeLauncher#foreground} or
 * {@link NodeLauncher#background}.
 */
final class NodeStartOptions {
    @Option(names = "--host", defaultValue = "127.0.0.1",
            description = "address other machines reach this node at (default ${DEFAULT-VALUE})")
    String host;

    @Option(names = "--resources", paramLabel = "SPEC",
            description = "override discovered resources, e.g. cpus=4,memory=8GiB,licenses=2")
    String resources;

    @Option(names = "--labels", paramLabel = "K=V,...",
            description = "node labels, e.g. zone=a,disk=ssd (bundles with a label selector go only to nodes that have those labels)")
    String labels;

    @Option(names = "--foreground", description = "run the node in this process until it stops")
    boolean foreground;

    @Option(names = "--classpath", paramLabel = "PATH[:PATH...]",
            description = {"jars, class directories or .java source files (compiled by the gale launcher) holding the",
                    "trainables this node runs"})
    String classpath;

    @Option(names = "--jvm-option", paramLabel = "OPT", description = "extra option for the node's JVM (repeatable)")
    List<String> jvmOptions = new ArrayList<>();

    @CommandLine.Mixin
    ClusterCommand.TlsOptions tls = new ClusterCommand.TlsOptions();

    /** The NodeMain arguments: host, {@code port}, the {@code extra} ones, resources and TLS. */
    List<String> nodeArgs(int port, List<String> extra) {
        List<String> args = new ArrayList<>(List.of("--host", host, "--port", Integer.toString(port)));
        args.addAll(extra);
        if (resources != null) args.addAll(List.of("--resources", resources));
        if (labels != null) {
            dev.gale.cluster.Bundle.parseLabels("--labels", labels); // fails here, before a JVM starts
            args.addAll(List.of("--labels", labels));
        }
        args.addAll(tls.nodeArgs());
        return args;
    }

    /**
     * Runs the node: in this process until it stops when {@code --foreground} (then
     * {@code onUp} gets its address and the exit status is returned), else in the background,
     * whose start is returned with a null status.
     */
    Launch launch(String name, List<String> args, Consumer<String> onUp) {
        if (foreground) return new Launch(NodeLauncher.foreground(args, onUp::accept), null);
        return new Launch(null, NodeLauncher.background(name, args, jvmOptions));
    }

    /** How {@link #launch} went: the exit status of a foreground node, or a background node's start. */
    record Launch(Integer exitStatus, NodeLauncher.Started started) {
    }
}
