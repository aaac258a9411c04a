package dev.gale.autoscaler.internal;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;

/**
 * The local provider's JDK AOT cache ({@code provider.aotCache}): which {@code -XX:AOTCache} /
 * {@code -XX:AOTCacheOutput} option a node JVM gets. A node started with the cache starts in about
 * half the time (figures in docs/benchmarks.md).
 *
 * <ul>
 *   <li>{@code auto} (the default): on JDK 25 or later, when the node runs this JVM's {@code java}
 *       on a classpath of jars only (the JDK refuses class directories), the first node launched
 *       records the cache ({@code -XX:AOTCacheOutput}; the JVM writes it as the node exits, e.g.
 *       when it is retired), one recording at a time, at most {@value #MAX_ATTEMPTS} attempts;
 *       later nodes start with it ({@code -XX:AOTCache}). The file is
 *       {@code <stateDir>/aot/node-<hash>.aot}, the hash covering the JVM, its version, the
 *       classpath and the JVM options, so another build or JDK records a cache of its own.
 *       Otherwise (JDK 21, class directories, another {@code java}) nodes start without one.</li>
 *   <li>{@code off}: never.</li>
 *   <li>a path: a cache recorded beforehand, used when the file exists.</li>
 * </ul>
 * A cache that does not fit (another JDK, a changed jar) or is damaged only costs the speed-up: the
 * JVM says so in the node's log and starts without it.
 *
 * <p>Promises: thread-safe within a JVM (launches run in parallel); a recording whose node died
 * without writing the cache is retried by a later launch.
 */
public final class AotCache {
    /** Recordings of one cache tried at most. */
    static final int MAX_ATTEMPTS = 3;
    /** A lock whose recorder has not written its pid yet counts as live this long. */
    static final Duration STARTING = Duration.ofMinutes(2);
    private static final Object LOCK = new Object();

    /**
     * The option for a node JVM, and the lock to write the recorder's pid into (null unless recording).
     *
     * @param option the JVM option, or null for none
     * @param lock   when recording: the lock file that gets the node's pid ({@link #recorderStarted})
     */
    public record Plan(String option, Path lock) {
        static final Plan NONE = new Plan(null, null);
    }

    private AotCache() {
    }

    /**
     * What a node started with {@code java}, {@code jvmOptions} and {@code classpath} gets.
     *
     * @param setting     the {@code aotCache} setting ({@code auto} when blank)
     * @param ownJava     whether {@code java} is this JVM's (its version is {@code feature})
     * @param feature     the JDK feature version of {@code java}
     */
    public static Plan plan(String setting, Path stateDir, String java, boolean ownJava, int feature, List<String> jvmOptions,
                            String classpath) {
        String s = setting == null ? "" : setting.strip();
        if (s.equals("off")) return Plan.NONE;
        if (!s.isEmpty() && !s.equals("auto")) return Files.isRegularFile(Path.of(s)) ? new Plan("-XX:AOTCache=" + s, null) : Plan.NONE;
        if (!ownJava || feature < 25 || !jarsOnly(classpath)) return Plan.NONE;
        for (String o : jvmOptions) if (o.startsWith("-XX:AOTCache") || o.startsWith("-XX:AOTMode")) return Plan.NONE; // the user's own
        String hash = hash(java + "\n" + Runtime.version() + "\n" + String.join(" ", jvmOptions) + "\n" + classpath);
        Path dir = stateDir.resolve("aot");
        Path cache = dir.resolve("node-" + hash + ".aot");
        Path lock = dir.resolve("node-" + hash + ".recording");
        synchronized (LOCK) {
            try {
                if (Files.isRegularFile(cache) && Files.size(cache) > 0) return new Plan("-XX:AOTCache=" + cache, null);
                Files.createDirectories(dir);
                int attempts = 0;
                if (Files.exists(lock)) {
                    String[] text = Files.readString(lock, StandardCharsets.UTF_8).strip().split("\\s+");
                    attempts = text.length > 1 ? parse(text[1]) : MAX_ATTEMPTS;
                    if (attempts >= MAX_ATTEMPTS || recording(lock, text[0])) return Plan.NONE;
                }
                write(lock, "starting " + (attempts + 1));
                return new Plan("-XX:AOTCacheOutput=" + cache, lock);
            } catch (IOException e) {
                return Plan.NONE; // no cache is only slower
            }
        }
    }

    /** Records the recording node's pid in its lock (a lock without a live pid is retried). */
    public static void recorderStarted(Plan plan, long pid) {
        if (plan.lock() == null) return;
        synchronized (LOCK) {
            try {
                String[] text = Files.readString(plan.lock(), StandardCharsets.UTF_8).strip().split("\\s+");
                write(plan.lock(), pid + " " + (text.length > 1 ? text[1] : "1"));
            } catch (IOException e) {
                // the lock then looks stale after STARTING and the next launch records again
            }
        }
    }

    /** Releases the lock of a recording whose node never started (the next launch records). */
    public static void recorderFailed(Plan plan) {
        if (plan.lock() == null) return;
        synchronized (LOCK) {
            try {
                String[] text = Files.readString(plan.lock(), StandardCharsets.UTF_8).strip().split("\\s+");
                write(plan.lock(), "0 " + (text.length > 1 ? text[1] : "1"));
            } catch (IOException e) {
                // as above
            }
        }
    }

    /** True when {@code pid} records a cache of {@code stateDir} (it then needs time to write it as it exits). */
    public static boolean isRecorder(Path stateDir, long pid) {
        Path dir = stateDir.resolve("aot");
        if (!Files.isDirectory(dir)) return false;
        try (var s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".recording")).anyMatch(p -> {
                try {
                    return Files.readString(p, StandardCharsets.UTF_8).strip().startsWith(pid + " ");
                } catch (IOException e) {
                    return false;
                }
            });
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean recording(Path lock, String who) throws IOException {
        if (who.equals("starting")) {
            FileTime t = Files.getLastModifiedTime(lock);
            return Duration.between(t.toInstant(), Instant.now()).compareTo(STARTING) < 0;
        }
        long pid = parse(who);
        return pid > 0 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    private static int parse(String s) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static void write(Path lock, String text) throws IOException {
        Path tmp = lock.resolveSibling(lock.getFileName() + ".tmp");
        Files.writeString(tmp, text + "\n", StandardCharsets.UTF_8);
        Files.move(tmp, lock, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** True when every entry of the classpath is a jar file (the JDK records AOT caches only for those). */
    static boolean jarsOnly(String classpath) {
        if (classpath == null || classpath.isBlank()) return false;
        for (String e : classpath.split(File.pathSeparator)) {
            if (e.isEmpty()) continue;
            Path p = Path.of(e);
            if (!e.endsWith(".jar") || !Files.isRegularFile(p)) return false;
        }
        return true;
    }

    private static String hash(String text) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }
}
