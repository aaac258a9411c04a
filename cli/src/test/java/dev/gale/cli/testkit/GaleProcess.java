package dev.gale.cli.testkit;

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
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.MatchResult;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The real {@code gale} launcher script of this repository ({@code <repo root>/gale <args>}) in a
 * child process, for tests of the command line as a user runs it: signals, exit codes, what the
 * terminal shows, what is left on disk.
 *
 * <p>The script gets {@code GALE_LAUNCH_CLASSPATH} = the test JVM's classpath (made absolute), so it
 * runs {@code dev.gale.cli.Gale} at once, without Maven; trainables of the test sources are on it.
 * It also gets {@code JAVA_HOME} = the test JVM's {@code java.home} (the script prefers Temurin 25
 * where installed) and, unless {@link Builder#noDefaultJavaOptions()}, {@code GALE_JAVA_OPTS} =
 * {@value #FAST_START_OPTIONS} (a faster start on small machines) plus {@link Builder#javaOptions}.
 *
 * <p>Signals: the process starts with the default handling of {@code INT}, {@code TERM}, {@code HUP}
 * and {@code QUIT} (through {@code env --default-signal} where coreutils has it), even when the test
 * JVM was started with them ignored (a background job of a non-interactive shell ignores
 * {@code INT}, and a child inherits that), so {@link #signal signal("INT")} acts as a Ctrl-C.
 *
 * <p>Promises: standard output and standard error go to files under {@code target/gale-processes/}
 * (named after the process), readable at any time and quoted by {@link #describe()}; standard input
 * is empty. Every wait has a deadline and fails with an {@link AssertionError} that says what it
 * waited for and {@link #describe()}s the process. {@link #close()} kills (SIGKILL) the process and
 * every descendant still running (child JVMs of isolated trials, nodes it started that are still its
 * descendants), and is idempotent.
 */
public final class GaleProcess implements AutoCloseable {
    /** Where output files go (relative to the working directory of the test JVM: the module under surefire). */
    public static final Path LOG_DIR = Path.of("target", "gale-processes");
    /** The JVM options the launcher gets by default. */
    public static final String FAST_START_OPTIONS = "-XX:+UseSerialGC -XX:TieredStopAtLevel=1";
    private static final Set<String> SIGNALS = Set.of("INT", "TERM", "KILL", "HUP", "QUIT");
    private static final AtomicInteger COUNTER = new AtomicInteger();

    private final String name;
    private final Process process;
    private final Path out;
    private final Path err;
    private final List<String> command;
    private final Path workingDirectory;

    private GaleProcess(String name, Process process, Path out, Path err, List<String> command, Path workingDirectory) {
        this.name = name;
        this.process = process;
        this.out = out;
        this.err = err;
        this.command = command;
        this.workingDirectory = workingDirectory;
    }

    /** Starts {@code gale <args>} with the defaults (the test JVM's working directory and environment). */
    public static GaleProcess start(String... args) {
        return builder(args).start();
    }

    /** A builder for {@code gale <args>}. */
    public static Builder builder(String... args) {
        return new Builder(List.of(args));
    }

    /** The repository root: the nearest directory at or above the working directory holding an executable {@code gale} and a {@code pom.xml}. */
    public static Path repoRoot() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isExecutable(d.resolve("gale")) && Files.isRegularFile(d.resolve("pom.xml"))) return d;
        }
        throw new IllegalStateException("no executable 'gale' script with a pom.xml beside it at or above "
                + Path.of("").toAbsolutePath() + ": run the test from inside the repository");
    }

    /** {@code cp} with each entry made absolute (the process may run in another directory). */
    static String absoluteClasspath(String cp) {
        List<String> out = new ArrayList<>();
        for (String e : cp.split(File.pathSeparator)) {
            if (!e.isEmpty()) out.add(Path.of(e).toAbsolutePath().toString());
        }
        return String.join(File.pathSeparator, out);
    }

    /** Builds and starts a {@link GaleProcess}. */
    public static final class Builder {
        private final List<String> args;
        private final Map<String, String> env = new LinkedHashMap<>();
        private final List<String> javaOptions = new ArrayList<>();
        private String classpath = System.getProperty("java.class.path");
        private Path workingDirectory = Path.of("").toAbsolutePath();
        private String name;
        private boolean defaults = true;

        private Builder(List<String> args) {
            for (String a : args) {
                if (a == null) throw new IllegalArgumentException("argument is null in " + args);
            }
            this.args = List.copyOf(args);
            String first = args.isEmpty() ? "help" : args.getFirst().replaceAll("[^A-Za-z0-9_.-]", "_");
            this.name = "gale-" + first;
        }

        /** Environment entries, added to (or replacing entries of) the test JVM's environment. */
        public Builder env(Map<String, String> e) {
            e.forEach(this::env);
            return this;
        }

        /** One environment entry, e.g. {@code GALE_CLASSPATH} (jars added after the launch classpath). */
        public Builder env(String key, String value) {
            if (key == null || key.isBlank() || value == null) {
                throw new IllegalArgumentException("environment entry " + key + "=" + value + ": give a name and a value");
            }
            env.put(key, value);
            return this;
        }

        /**
         * A home directory for the process: {@code HOME}, {@code GALE_HOME = <home>/.gale} and
         * {@code -Duser.home=<home>} (so {@code ~/gale_results} and {@code ~/.gale} are under it).
         */
        public Builder home(Path home) {
            if (home == null) throw new IllegalArgumentException("home is null: pass a directory, e.g. a JUnit @TempDir");
            Path h = home.toAbsolutePath();
            if (h.toString().contains(" ")) throw new IllegalArgumentException("home " + h + " has a space: GALE_JAVA_OPTS cannot carry it");
            env("HOME", h.toString());
            env("GALE_HOME", h.resolve(".gale").toString());
            javaOptions.add("-Duser.home=" + h);
            return this;
        }

        /** The directory the process runs in (default: the test JVM's); relative arguments resolve against it. */
        public Builder workingDirectory(Path dir) {
            if (dir == null || !Files.isDirectory(dir)) {
                throw new IllegalArgumentException("working directory " + dir + " does not exist: create it first");
            }
            workingDirectory = dir.toAbsolutePath();
            return this;
        }

        /** JVM options for the launched JVM ({@code GALE_JAVA_OPTS}, split at spaces by the script). */
        public Builder javaOptions(String... options) {
            for (String o : options) {
                if (o == null || o.isBlank() || o.contains(" ")) {
                    throw new IllegalArgumentException("JVM option '" + o + "': give one option without spaces per argument");
                }
                javaOptions.add(o);
            }
            return this;
        }

        /** Leaves out {@value #FAST_START_OPTIONS}. */
        public Builder noDefaultJavaOptions() {
            defaults = false;
            return this;
        }

        /** Another classpath than the test JVM's for {@code GALE_LAUNCH_CLASSPATH}. */
        public Builder classpath(String cp) {
            if (cp == null || cp.isBlank()) throw new IllegalArgumentException("classpath is empty");
            classpath = cp;
            return this;
        }

        /** The name of the output files (a counter is appended). */
        public Builder name(String n) {
            if (n == null || !n.matches("[A-Za-z0-9_.-]+")) throw new IllegalArgumentException("name '" + n + "': use letters, digits, _ . -");
            name = n;
            return this;
        }

        /**
         * Runs the script through {@code prefix} (a command that ends by executing its arguments,
         * e.g. {@code nsenter -t PID -m --} to run it in another process's mount namespace).
         */
        public Builder wrapper(List<String> prefix) {
            this.wrapper = List.copyOf(prefix);
            return this;
        }

        private List<String> wrapper = List.of();

        /** Starts the script. */
        public GaleProcess start() {
            List<String> cmd = new ArrayList<>(wrapper);
            if (ResetSignals.SUPPORTED) cmd.addAll(ResetSignals.PREFIX);
            cmd.add(repoRoot().resolve("gale").toString());
            cmd.addAll(args);
            String id = name + "-" + COUNTER.incrementAndGet();
            try {
                Files.createDirectories(LOG_DIR);
                Path o = LOG_DIR.resolve(id + ".out").toAbsolutePath();
                Path e = LOG_DIR.resolve(id + ".err").toAbsolutePath();
                ProcessBuilder pb = new ProcessBuilder(cmd);
                Map<String, String> environment = pb.environment();
                environment.put("GALE_LAUNCH_CLASSPATH", absoluteClasspath(classpath));
                environment.put("JAVA_HOME", System.getProperty("java.home"));
                List<String> opts = new ArrayList<>();
                if (defaults) opts.add(FAST_START_OPTIONS);
                opts.addAll(javaOptions);
                if (!opts.isEmpty()) environment.put("GALE_JAVA_OPTS", String.join(" ", opts));
                environment.putAll(env);
                pb.directory(workingDirectory.toFile());
                pb.redirectOutput(o.toFile());
                pb.redirectError(e.toFile());
                pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
                return new GaleProcess(id, pb.start(), o, e, List.copyOf(cmd), workingDirectory);
            } catch (IOException ex) {
                throw new UncheckedIOException("cannot start " + cmd + ": " + ex.getMessage(), ex);
            }
        }
    }

    /** {@code env --default-signal=...}, when this system's {@code env} has it (GNU coreutils 8.31 and later). */
    private static final class ResetSignals {
        static final List<String> PREFIX = List.of("/usr/bin/env", "--default-signal=INT,TERM,HUP,QUIT");
        static final boolean SUPPORTED = probe();

        private static boolean probe() {
            if (!Files.isExecutable(Path.of(PREFIX.getFirst()))) return false;
            List<String> cmd = new ArrayList<>(PREFIX);
            cmd.add("true");
            try {
                Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    return false;
                }
                return p.exitValue() == 0;
            } catch (IOException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    /** The name of this process (also of its output files). */
    public String name() {
        return name;
    }

    /** The operating system's process id (the script's, which becomes the JVM's: the script {@code exec}s java). */
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

    /** The directory it runs in. */
    public Path workingDirectory() {
        return workingDirectory;
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
     * Waits until a line of standard output or standard error contains a match of {@code regex} and
     * returns the match (its groups too).
     *
     * @throws AssertionError with {@link #describe()} when the process exits first or the time is up
     */
    public MatchResult awaitLine(String regex, Duration timeout) {
        Pattern pattern = Pattern.compile(regex);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            boolean exited = !process.isAlive();
            MatchResult m = find(pattern); // after the liveness check: output written just before exiting counts
            if (m != null) return m;
            if (exited) {
                throw new AssertionError("no line matching /" + regex + "/ before " + name + " exited: " + describe());
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no line matching /" + regex + "/ within " + seconds(timeout) + " s: " + describe());
            }
            pause();
        }
    }

    private MatchResult find(Pattern pattern) {
        for (String text : List.of(stdout(), stderr())) {
            for (String line : text.split("\r?\n", -1)) {
                Matcher m = pattern.matcher(line);
                if (m.find()) return m.toMatchResult();
            }
        }
        return null;
    }

    /**
     * Sends a signal to the process (the launcher's JVM once the script has {@code exec}ed it).
     *
     * @param signal {@code INT} (Ctrl-C), {@code TERM}, {@code KILL}, {@code HUP} or {@code QUIT}
     * @throws AssertionError when the process already exited or {@code kill} fails
     */
    public void signal(String signal) {
        if (signal == null || !SIGNALS.contains(signal)) {
            throw new IllegalArgumentException("signal '" + signal + "': use one of " + SIGNALS);
        }
        if (!process.isAlive()) throw new AssertionError("cannot send SIG" + signal + ": " + name + " already exited: " + describe());
        try {
            Process kill = new ProcessBuilder("kill", "-s", signal, Long.toString(process.pid()))
                    .redirectErrorStream(true).start();
            if (!kill.waitFor(10, TimeUnit.SECONDS)) {
                kill.destroyForcibly();
                throw new AssertionError("'kill -s " + signal + " " + process.pid() + "' did not return within 10 s");
            }
            String said = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (kill.exitValue() != 0 && process.isAlive()) {
                throw new AssertionError("'kill -s " + signal + " " + process.pid() + "' failed (" + kill.exitValue() + "): " + said);
            }
        } catch (IOException e) {
            throw new AssertionError("cannot run kill: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while sending SIG" + signal, e);
        }
    }

    /**
     * Waits for the process to exit and returns its exit status (128 + n after signal n).
     *
     * @throws AssertionError with {@link #describe()} when it still runs after {@code timeout}
     */
    public int waitFor(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError(name + " still runs after " + seconds(timeout) + " s: " + describe());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for " + name, e);
        }
        return process.exitValue();
    }

    /** Its command, state and the tails of its output, for assertion messages. */
    public String describe() {
        String state = process.isAlive() ? "running" : "exited with " + process.exitValue();
        return "\n=== " + name + " (pid " + process.pid() + ", " + state + ", in " + workingDirectory + ") ===\n"
                + String.join(" ", command) + "\n--- stdout (" + out + ") ---\n" + tail(stdout(), 4000)
                + "\n--- stderr (" + err + ") ---\n" + tail(stderr(), 8000) + "\n=== end of " + name + " ===";
    }

    private static String tail(String s, int max) {
        return s.length() <= max ? s : "..." + s.substring(s.length() - max);
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? Long.toString(d.toSeconds()) : String.format(java.util.Locale.ROOT, "%.1f", d.toMillis() / 1000.0);
    }

    private static void pause() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** Kills (SIGKILL) what is left of the process and its descendants, and waits until the process is gone (at most 10 s). */
    @Override
    public void close() {
        List<ProcessHandle> descendants = process.descendants().toList();
        descendants.forEach(ProcessHandle::destroyForcibly);
        if (process.isAlive()) process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
