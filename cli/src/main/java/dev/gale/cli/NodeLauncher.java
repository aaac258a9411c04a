package dev.gale.cli;

import dev.gale.cluster.NodeMain;
import dev.gale.cluster.TlsSettings;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Starts a {@link NodeMain} for {@code gale cluster start} and {@code gale node start}: in this JVM
 * ({@code --foreground}) or as a background child JVM with this JVM's classpath, logging to
 * {@code <gale home>/logs/}. Also the shared pieces of the cluster commands (TCP probe, TLS options).
 */
final class NodeLauncher {
    /** How long a background node may take to print its UP line. */
    static final Duration UP_TIMEOUT = Duration.ofSeconds(120);

    private NodeLauncher() {
    }

    /** A node started in the background. */
    record Started(String address, long pid, Path log) {
    }

    /**
     * Runs the node in this JVM until it stops; {@code onUp} gets its address.
     *
     * @return NodeMain's exit status
     */
    static int foreground(List<String> nodeArgs, Consumer<String> onUp) {
        return NodeMain.run(nodeArgs.toArray(String[]::new), System.out, System.err, System.getenv(), onUp);
    }

    /**
     * Starts the node as a child JVM that outlives this one and waits until it is up.
     *
     * @param kind         names the log file ({@code head} or {@code node})
     * @param jvmOptions   extra JVM options
     * @throws IllegalStateException with the log's tail when the node exits or is not up in time
     */
    static Started background(String kind, List<String> nodeArgs, List<String> jvmOptions) {
        Path logs = GaleHome.logDir();
        Path log;
        try {
            Files.createDirectories(logs);
            String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS"));
            log = logs.resolve(kind + "-" + stamp + ".log").toAbsolutePath();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + logs + ": " + e.getMessage(), e);
        }
        List<String> cmd = new ArrayList<>();
        Path setsid = Path.of("/usr/bin/setsid");
        if (Files.isExecutable(setsid)) cmd.add(setsid.toString()); // not hung up with this terminal
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(defaultJvmOptions());
        for (String key : System.getProperties().stringPropertyNames()) {
            if (key.startsWith("pekko.")) cmd.add("-D" + key + "=" + System.getProperty(key));
        }
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(absoluteClasspath());
        cmd.add(NodeMain.class.getName());
        cmd.addAll(nodeArgs);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.redirectErrorStream(true);
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start a node JVM (" + cmd.get(0) + "): " + e.getMessage(), e);
        }
        long deadline = System.nanoTime() + UP_TIMEOUT.toNanos();
        while (true) {
            String text = read(log);
            for (String line : text.split("\n", -1)) {
                if (line.startsWith(NodeMain.UP_PREFIX)) {
                    return new Started(line.substring(NodeMain.UP_PREFIX.length()).strip(), p.pid(), log);
                }
            }
            if (!p.isAlive()) {
                String all = read(log);
                String said = said(all);
                if (said != null) { // the node said why in one line: that line, not a stack trace
                    throw new IllegalStateException("the node exited with status " + p.exitValue() + " before it was up: " + said
                            + " (log " + log + ")");
                }
                throw new IllegalStateException("the node exited with status " + p.exitValue() + " before it was up; its log "
                        + log + " ends with:\n" + tail(all));
            }
            if (System.nanoTime() > deadline) {
                p.destroy();
                throw new IllegalStateException("the node was not up within " + UP_TIMEOUT.toSeconds() + " s and was stopped; its log "
                        + log + " ends with:\n" + tail(text));
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the node", e);
            }
        }
    }

    static List<String> defaultJvmOptions() {
        List<String> o = new ArrayList<>(List.of("-Xss1m", "-Dai.djl.offline=true", "--enable-native-access=ALL-UNNAMED"));
        if (Runtime.version().feature() >= 23) o.add("--sun-misc-unsafe-memory-access=allow");
        return o;
    }

    /** This JVM's classpath with every entry made absolute (the child may run elsewhere). */
    static String absoluteClasspath() {
        List<String> out = new ArrayList<>();
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (!e.isEmpty()) out.add(Path.of(e).toAbsolutePath().toString());
        }
        return String.join(File.pathSeparator, out);
    }

    private static String read(Path log) {
        try {
            return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "";
        }
    }

    /** The reason a node gave for exiting ({@code NodeMain}'s first {@code gale node: } line, without that prefix), or null. */
    static String said(String log) {
        for (String line : log.split("\n")) {
            if (line.startsWith("gale node: ")) return line.substring("gale node: ".length()).strip();
        }
        return null;
    }

    private static String tail(String s) {
        String[] lines = s.split("\n");
        int from = Math.max(0, lines.length - 20);
        return String.join("\n", java.util.Arrays.copyOfRange(lines, from, lines.length));
    }

    /**
     * Checks that something accepts TCP connections at {@code address}.
     *
     * @throws IllegalStateException saying how to start a cluster when nothing does
     */
    static void probe(String address) {
        ClusterProbe.reachable(address);
    }

    /** The TLS settings of the options, or null. */
    static TlsSettings tls(Path keyStore, Path passwordFile) {
        if (keyStore == null) {
            if (passwordFile != null) throw new IllegalArgumentException("--tls-password-file needs --tls-keystore");
            return null;
        }
        TlsSettings t = TlsSettings.of(keyStore, passwordFile, System.getenv());
        t.check();
        return t;
    }

    /** NodeMain arguments for the TLS options. */
    static List<String> tlsArgs(Path keyStore, Path passwordFile) {
        List<String> a = new ArrayList<>();
        TlsSettings t = tls(keyStore, passwordFile); // fails early, here, on a bad keystore or password
        if (t != null) {
            a.add("--tls-keystore");
            a.add(t.keyStore().toString());
            if (passwordFile != null) {
                a.add("--tls-password-file");
                a.add(passwordFile.toAbsolutePath().toString());
            }
        }
        return a;
    }
}
