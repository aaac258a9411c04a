package dev.gale.autoscaler.internal;

import dev.gale.autoscaler.LaunchException;
import dev.gale.autoscaler.LaunchRequest;
import dev.gale.autoscaler.NodeProvider;
import dev.gale.autoscaler.NodeType;
import dev.gale.autoscaler.ProviderContext;
import dev.gale.autoscaler.ProviderException;
import dev.gale.autoscaler.ProviderInstance;
import dev.gale.cluster.NodeMain;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code local} provider: every node is a worker JVM ({@link NodeMain}) on this machine,
 * started in a session of its own so that it outlives the head. The node's {@code --labels}
 * argument carries the cluster, instance and type ({@link NodeType#LABEL_CLUSTER} ...), so
 * {@link #list()} finds the cluster's nodes in the process table, also from another process after
 * the head crashed.
 *
 * <p>Settings ({@code provider:} in cluster.yaml): {@code java} (the java binary; default this
 * JVM's), {@code classpath} (default this JVM's, made absolute), {@code jvmOptions} (extra
 * options, space-separated), {@code aotCache} ({@code auto}, the default: on JDK 25 with a
 * classpath of jars, the first node records the JDK's AOT cache and later nodes start with it;
 * {@code off}; or the path of a cache made with {@code -XX:AOTCacheOutput}, see {@link AotCache}), {@code tlsKeystore} and
 * {@code tlsPasswordFile} (the cluster secret and the file holding its password, as paths: no
 * secret is ever on a command line). Node output goes to {@code <stateDir>/<instance>.log}.
 */
public final class LocalNodeProvider implements NodeProvider {
    /** How long {@link #terminate} waits after SIGTERM before SIGKILL. */
    static final Duration STOP_GRACE = Duration.ofSeconds(15);
    /** The same for the node recording the AOT cache: the JVM writes it as it exits (seconds to a minute on 2 busy cores). */
    static final Duration RECORDER_GRACE = Duration.ofSeconds(180);

    private final ProviderContext ctx;

    public LocalNodeProvider(ProviderContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public String type() {
        return "local";
    }

    @Override
    public ProviderInstance launch(LaunchRequest request) throws LaunchException {
        Map<String, String> s = ctx.config().settings();
        List<String> cmd = new ArrayList<>();
        Path setsid = Path.of("/usr/bin/setsid");
        if (Files.isExecutable(setsid)) cmd.add(setsid.toString());
        String ownJava = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String java = setting(request, "java", ownJava);
        cmd.add(java);
        cmd.addAll(List.of("-Xss1m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Dai.djl.offline=true",
                "--enable-native-access=ALL-UNNAMED"));
        if (Runtime.version().feature() >= 23) cmd.add("--sun-misc-unsafe-memory-access=allow");
        List<String> jvmOptions = new ArrayList<>();
        for (String o : setting(request, "jvmOptions", "").split("\\s+")) if (!o.isBlank()) jvmOptions.add(o);
        String classpath = setting(request, "classpath", absoluteClasspath());
        AotCache.Plan aot = AotCache.plan(setting(request, "aotCache", "auto"), ctx.stateDir(), java, java.equals(ownJava),
                Runtime.version().feature(), jvmOptions, classpath);
        if (aot.option() != null) cmd.add(aot.option());
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(classpath);
        cmd.add(NodeMain.class.getName());
        cmd.addAll(request.nodeArguments());
        if (request.tls()) {
            String ks = s.getOrDefault("tlsKeystore", "");
            if (ks.isBlank()) {
                throw new LaunchException(LaunchException.Kind.CONFIGURATION,
                        "the cluster talks TLS but provider.tlsKeystore is not set: give the cluster secret's path");
            }
            cmd.addAll(List.of("--tls-keystore", ks));
            String pw = s.getOrDefault("tlsPasswordFile", "");
            if (!pw.isBlank()) cmd.addAll(List.of("--tls-password-file", pw));
        }
        Path log = ctx.stateDir().resolve(request.instanceId() + ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.redirectErrorStream(true);
        try {
            Files.createDirectories(ctx.stateDir());
            pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            Process p;
            try {
                p = pb.start();
                awaitListable(p, java, log);
            } catch (IOException | LaunchException | RuntimeException e) {
                AotCache.recorderFailed(aot);
                throw e;
            }
            AotCache.recorderStarted(aot, p.pid());
            return new ProviderInstance(request.instanceId(), Long.toString(p.pid()), request.type().name(),
                    ProviderInstance.State.PENDING, "process " + p.pid() + ", log " + log);
        } catch (IOException e) {
            throw new LaunchException(LaunchException.Kind.CONFIGURATION, "cannot start a node JVM (" + cmd.get(0) + "): " + e.getMessage(), e);
        }
    }

    /** How long a started process may take to show the node's command line (past the JDK's spawn helper and setsid). */
    private static final java.time.Duration LISTABLE_DEADLINE = java.time.Duration.ofSeconds(10);

    /**
     * Waits until the process runs the node's command line, so that {@link #list()} (of this or of a
     * new provider) finds it as soon as launch returns: right after {@code start()} the pid still runs
     * the JDK's spawn helper, then setsid (whose command line has the node's arguments but is about to
     * be replaced by the JVM's: a look at that moment can find neither).
     */
    private static void awaitListable(Process p, String java, Path log) throws LaunchException {
        long deadline = System.nanoTime() + LISTABLE_DEADLINE.toNanos();
        while (!runsJava(p, java)) {
            if (!p.isAlive()) {
                throw new LaunchException(LaunchException.Kind.CONFIGURATION, "the node JVM exited at once with code " + p.exitValue()
                        + ": see " + log);
            }
            if (System.nanoTime() > deadline) {
                p.destroyForcibly();
                throw new LaunchException(LaunchException.Kind.CONFIGURATION, "process " + p.pid() + " did not start the node's"
                        + " command line within " + LISTABLE_DEADLINE.toSeconds() + " s: see " + log);
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                p.destroyForcibly();
                throw new LaunchException(LaunchException.Kind.CONFIGURATION, "interrupted while starting process " + p.pid(), e);
            }
        }
    }

    /** True once the process is the node's JVM itself (setsid's command line carries the same arguments, and its exec is still to come). */
    private static boolean runsJava(Process p, String java) {
        String[] a = arguments(p.toHandle());
        return a != null && a.length > 0 && a[0].equals(java) && labelsOf(p.toHandle()) != null;
    }

    private String setting(LaunchRequest r, String key, String fallback) {
        return r.type().setting(key, ctx.config().setting(key, fallback));
    }

    @Override
    public List<ProviderInstance> list() {
        List<ProviderInstance> out = new ArrayList<>();
        ProcessHandle.allProcesses().forEach(p -> {
            Map<String, String> labels = labelsOf(p);
            if (labels == null || !ctx.clusterName().equals(labels.get(NodeType.LABEL_CLUSTER))) return;
            String id = labels.get(NodeType.LABEL_INSTANCE);
            if (id == null || id.isBlank()) return;
            out.add(new ProviderInstance(id, Long.toString(p.pid()), labels.getOrDefault(NodeType.LABEL_TYPE, ""),
                    p.isAlive() ? ProviderInstance.State.RUNNING : ProviderInstance.State.TERMINATED, "process " + p.pid()));
        });
        return out;
    }

    /** The labels of a NodeMain process of any cluster, or null for other processes. */
    static Map<String, String> labelsOf(ProcessHandle p) {
        String[] a = arguments(p);
        if (a == null) return null;
        boolean node = false;
        String labels = null;
        for (int i = 0; i < a.length; i++) {
            if (a[i].equals(NodeMain.class.getName())) node = true;
            else if (node && a[i].equals("--labels") && i + 1 < a.length) labels = a[i + 1];
        }
        if (!node || labels == null) return null;
        Map<String, String> out = new LinkedHashMap<>();
        for (String kv : labels.split(",")) {
            int eq = kv.indexOf('=');
            if (eq > 0) out.put(kv.substring(0, eq).strip(), kv.substring(eq + 1).strip());
        }
        return out;
    }

    /**
     * A process's arguments: from {@code /proc/<pid>/cmdline} where there is one (the JDK's
     * {@code ProcessHandle.Info} leaves out long command lines, and a node's classpath is long),
     * else from {@code ProcessHandle.Info}; null when unreadable.
     */
    public static String[] arguments(ProcessHandle p) {
        Path cmdline = Path.of("/proc", Long.toString(p.pid()), "cmdline");
        if (Files.isReadable(cmdline)) {
            try {
                byte[] b = Files.readAllBytes(cmdline);
                if (b.length == 0) return null;
                String text = new String(b, java.nio.charset.StandardCharsets.UTF_8);
                return text.split("\0");
            } catch (IOException e) {
                return null;
            }
        }
        Optional<String[]> args = p.info().arguments();
        return args.orElse(null);
    }

    @Override
    public void terminate(ProviderInstance instance) {
        List<ProcessHandle> targets = new ArrayList<>();
        ProcessHandle.allProcesses().forEach(p -> {
            Map<String, String> labels = labelsOf(p);
            if (labels != null && ctx.clusterName().equals(labels.get(NodeType.LABEL_CLUSTER))
                    && instance.instanceId().equals(labels.get(NodeType.LABEL_INSTANCE))) {
                targets.add(p);
            }
        });
        for (ProcessHandle p : targets) p.destroy();
        boolean recorder = targets.stream().anyMatch(p -> AotCache.isRecorder(ctx.stateDir(), p.pid()));
        long deadline = System.nanoTime() + (recorder ? RECORDER_GRACE : STOP_GRACE).toNanos();
        for (ProcessHandle p : targets) {
            long left = deadline - System.nanoTime();
            try {
                if (left > 0) p.onExit().get(left, java.util.concurrent.TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                // falls through to SIGKILL
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ProviderException("interrupted while stopping process " + p.pid() + " of " + instance.instanceId());
            } catch (java.util.concurrent.ExecutionException e) {
                // exited
            }
            if (p.isAlive()) p.destroyForcibly();
        }
    }

    /** This JVM's classpath with every entry made absolute. */
    static String absoluteClasspath() {
        List<String> out = new ArrayList<>();
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (!e.isBlank()) out.add(Path.of(e).toAbsolutePath().toString());
        }
        return String.join(File.pathSeparator, out);
    }
}
