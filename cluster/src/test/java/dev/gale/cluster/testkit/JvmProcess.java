package dev.gale.cluster.testkit;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A child JVM for multi-JVM tests: {@code java <options> -cp <classpath> <mainClass> <args>} with the
 * test JVM's java ({@code java.home}) and, by default, its classpath ({@code java.class.path}, which
 * under surefire holds the module's test and main classes and all dependencies).
 *
 * <p>Promises: standard output and standard error go to files under {@code target/jvm-processes/}
 * (named after the process), readable at any time and quoted by {@link #describe()} in assertion
 * messages; {@link #close()} stops the process (SIGTERM, then SIGKILL after 20 s) and is
 * idempotent. Default JVM options: {@code -Xss1m -XX:+UseSerialGC -XX:TieredStopAtLevel=1
 * -Dai.djl.offline=true --enable-native-access=ALL-UNNAMED}, plus
 * {@code --sun-misc-unsafe-memory-access=allow} on JDK 23 and later; options given are added after them.
 */
public final class JvmProcess implements AutoCloseable {
    /** Where output files go (relative to the working directory, the module under surefire). */
    public static final Path LOG_DIR = Path.of("target", "jvm-processes");
    private static final AtomicInteger COUNTER = new AtomicInteger();

    private final String name;
    private final Process process;
    private final Path out;
    private final Path err;
    private final List<String> command;

    private JvmProcess(String name, Process process, Path out, Path err, List<String> command) {
        this.name = name;
        this.process = process;
        this.out = out;
        this.err = err;
        this.command = command;
    }

    /**
     * Starts {@code mainClass} in a new JVM with the test JVM's classpath.
     *
     * @param env        added to (or replacing entries of) the inherited environment
     * @param jvmOptions added after the default options, e.g. {@code -Dpekko.loglevel=INFO}
     */
    public static JvmProcess start(String mainClass, List<String> args, Map<String, String> env, List<String> jvmOptions) {
        return builder(mainClass).args(args).env(env).jvmOptions(jvmOptions).start();
    }

    /** A builder for a JVM running {@code mainClass}. */
    public static Builder builder(String mainClass) {
        return new Builder(mainClass);
    }

    /** The default JVM options for this JDK (see the class comment). */
    public static List<String> defaultJvmOptions() {
        List<String> o = new ArrayList<>(List.of("-Xss1m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Dai.djl.offline=true", "--enable-native-access=ALL-UNNAMED"));
        if (Runtime.version().feature() >= 23) o.add("--sun-misc-unsafe-memory-access=allow");
        return o;
    }

    /** Builds and starts a {@link JvmProcess}. */
    public static final class Builder {
        private final String mainClass;
        private final List<String> args = new ArrayList<>();
        private final Map<String, String> env = new LinkedHashMap<>();
        private final List<String> jvmOptions = new ArrayList<>();
        private String classpath = System.getProperty("java.class.path");
        private String name;
        private boolean defaults = true;

        private Builder(String mainClass) {
            if (mainClass == null || mainClass.isBlank()) throw new IllegalArgumentException("mainClass is required");
            this.mainClass = mainClass;
            String simple = mainClass.substring(mainClass.lastIndexOf('.') + 1);
            this.name = simple;
        }

        /** Program arguments, appended. */
        public Builder args(List<String> a) {
            args.addAll(a);
            return this;
        }

        /** Environment entries, added to the inherited environment. */
        public Builder env(Map<String, String> e) {
            env.putAll(e);
            return this;
        }

        /** One environment entry. */
        public Builder env(String key, String value) {
            env.put(key, value);
            return this;
        }

        /** JVM options, appended after the defaults. */
        public Builder jvmOptions(List<String> o) {
            jvmOptions.addAll(o);
            return this;
        }

        /** Leaves out {@link #defaultJvmOptions()}. */
        public Builder noDefaultJvmOptions() {
            defaults = false;
            return this;
        }

        /** Another classpath than the test JVM's. */
        public Builder classpath(String cp) {
            classpath = cp;
            return this;
        }

        /** The name of the output files (a counter is appended). */
        public Builder name(String n) {
            name = n;
            return this;
        }

        /** Starts the JVM. */
        public JvmProcess start() {
            List<String> cmd = new ArrayList<>();
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            if (defaults) cmd.addAll(defaultJvmOptions());
            cmd.addAll(jvmOptions);
            cmd.add("-cp");
            cmd.add(classpath);
            cmd.add(mainClass);
            cmd.addAll(args);
            String id = name + "-" + COUNTER.incrementAndGet();
            try {
                Files.createDirectories(LOG_DIR);
                Path o = LOG_DIR.resolve(id + ".out").toAbsolutePath();
                Path e = LOG_DIR.resolve(id + ".err").toAbsolutePath();
                ProcessBuilder pb = new ProcessBuilder(cmd);
                pb.environment().putAll(env);
                pb.redirectOutput(o.toFile());
                pb.redirectError(e.toFile());
                pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
                return new JvmProcess(id, pb.start(), o, e, List.copyOf(cmd));
            } catch (IOException ex) {
                throw new UncheckedIOException("cannot start " + mainClass + ": " + ex.getMessage(), ex);
            }
        }
    }

    /** The name of this process (also of its output files). */
    public String name() {
        return name;
    }

    /** The operating system's process id. */
    public long pid() {
        return process.pid();
    }

    /** True while the process runs. */
    public boolean isAlive() {
        return process.isAlive();
    }

    /** The underlying process. */
    public Process process() {
        return process;
    }

    /** The command line it was started with. */
    public List<String> command() {
        return command;
    }

    /** The file holding its standard output. */
    public Path stdoutFile() {
        return out;
    }

    /** The file holding its standard error. */
    public Path stderrFile() {
        return err;
    }

    /** Its standard output so far. */
    public String stdout() {
        return read(out);
    }

    /** Its standard error so far. */
    public String stderr() {
        return read(err);
    }

    private static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(cannot read " + p + ": " + e.getMessage() + ")";
        }
    }

    /**
     * Waits until a line of standard output starts with {@code prefix} and returns the rest of it.
     *
     * @throws AssertionError with {@link #describe()} when the process exits first or the time is up
     */
    public String awaitLine(String prefix, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            for (String line : stdout().split("\n", -1)) {
                if (line.startsWith(prefix)) return line.substring(prefix.length()).strip();
            }
            if (!process.isAlive()) {
                // the last output may have been written just before exiting
                for (String line : stdout().split("\n", -1)) {
                    if (line.startsWith(prefix)) return line.substring(prefix.length()).strip();
                }
                throw new AssertionError("no line '" + prefix + "...' before the process exited: " + describe());
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no line '" + prefix + "...' within " + timeout.toSeconds() + " s: " + describe());
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        }
    }

    /**
     * Waits for the process to exit and returns its exit status.
     *
     * @throws AssertionError with {@link #describe()} when it still runs after {@code timeout}
     */
    public int waitFor(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError(name + " still runs after " + timeout.toSeconds() + " s: " + describe());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
        return process.exitValue();
    }

    /** Kills the process at once (SIGKILL) and waits until it is gone. */
    public void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Its state and the tails of its output, for assertion messages. */
    public String describe() {
        String state = process.isAlive() ? "running" : "exited with " + process.exitValue();
        return "\n=== " + name + " (pid " + process.pid() + ", " + state + ") ===\n--- stdout (" + out + ") ---\n"
                + tail(stdout(), 4000) + "\n--- stderr (" + err + ") ---\n" + tail(stderr(), 8000) + "\n=== end of " + name + " ===";
    }

    private static String tail(String s, int max) {
        return s.length() <= max ? s : "..." + s.substring(s.length() - max);
    }

    /** Stops the process: SIGTERM, then SIGKILL when it still runs after 20 s. */
    @Override
    public void close() {
        if (!process.isAlive()) return;
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) kill();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            kill();
        }
    }
}
