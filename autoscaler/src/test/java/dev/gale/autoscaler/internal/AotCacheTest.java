package dev.gale.autoscaler.internal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The local provider's AOT cache option: {@code auto} records once (one recorder at a time, a dead
 * recorder retried, at most three attempts) and then uses the cache; nothing on JDK 21, with class
 * directories, another java or {@code off}; a given path when it exists.
 */
class AotCacheTest {
    static final String JAVA = "/jdk/bin/java";

    static String jars(Path dir) throws IOException {
        Path a = Files.writeString(dir.resolve("a.jar"), "x");
        Path b = Files.writeString(dir.resolve("b.jar"), "y");
        return a + java.io.File.pathSeparator + b;
    }

    @Test
    void autoRecordsWithTheFirstNodeThenEveryNodeUsesTheCache(@TempDir Path dir) throws IOException {
        String cp = jars(dir);
        Path state = dir.resolve("state");
        AotCache.Plan first = AotCache.plan("", state, JAVA, true, 25, List.of(), cp);
        assertTrue(first.option().startsWith("-XX:AOTCacheOutput=" + state.resolve("aot")), first.toString());
        AotCache.recorderStarted(first, ProcessHandle.current().pid()); // a live recorder
        assertTrue(AotCache.isRecorder(state, ProcessHandle.current().pid()));
        assertNull(AotCache.plan("auto", state, JAVA, true, 25, List.of(), cp).option(), "one recording at a time");

        Path cache = Path.of(first.option().substring("-XX:AOTCacheOutput=".length()));
        Files.writeString(cache, "the JVM wrote it as the recorder exited");
        assertEquals("-XX:AOTCache=" + cache, AotCache.plan("auto", state, JAVA, true, 25, List.of(), cp).option());
        assertNull(AotCache.plan("auto", state, JAVA, true, 25, List.of(), cp).lock(), "using it records nothing");

        AotCache.Plan other = AotCache.plan("auto", state, JAVA, true, 25, List.of("-Xmx1g"), cp);
        assertTrue(other.option().startsWith("-XX:AOTCacheOutput="), "other JVM options: a cache of their own: " + other);
        assertFalse(other.option().endsWith(cache.getFileName().toString()));
    }

    @Test
    void aRecorderThatDiedWithoutTheCacheIsRetriedAtMostThreeTimes(@TempDir Path dir) throws IOException {
        String cp = jars(dir);
        Path state = dir.resolve("state");
        long dead = deadPid();
        for (int attempt = 1; attempt <= AotCache.MAX_ATTEMPTS; attempt++) {
            AotCache.Plan p = AotCache.plan("auto", state, JAVA, true, 25, List.of(), cp);
            assertTrue(p.option() != null && p.option().startsWith("-XX:AOTCacheOutput="), "attempt " + attempt + ": " + p);
            AotCache.recorderStarted(p, dead);
        }
        assertNull(AotCache.plan("auto", state, JAVA, true, 25, List.of(), cp).option(), "gives up after three recordings");
        Path other = dir.resolve("other");
        AotCache.Plan failed = AotCache.plan("auto", other, JAVA, true, 25, List.of(), cp);
        AotCache.recorderFailed(failed);
        assertTrue(AotCache.plan("auto", other, JAVA, true, 25, List.of(), cp).option().startsWith("-XX:AOTCacheOutput="),
                "a recorder that never started is retried at once");
    }

    @Test
    void noCacheOnJdk21WithClassDirectoriesAnotherJavaOrOffAndAGivenPathWhenItExists(@TempDir Path dir) throws IOException {
        String cp = jars(dir);
        Path state = dir.resolve("state");
        assertNull(AotCache.plan("auto", state, JAVA, true, 21, List.of(), cp).option(), "JDK 21 has no AOT cache");
        assertNull(AotCache.plan("auto", state, JAVA, true, 25, List.of(), cp + java.io.File.pathSeparator + dir).option(),
                "a class directory on the classpath");
        assertNull(AotCache.plan("auto", state, "/other/java", false, 25, List.of(), cp).option(), "another java: its version is unknown");
        assertNull(AotCache.plan("off", state, JAVA, true, 25, List.of(), cp).option());
        assertNull(AotCache.plan("auto", state, JAVA, true, 25, List.of("-XX:AOTCache=/mine.aot"), cp).option(), "the user's own option");
        Path given = dir.resolve("given.aot");
        assertNull(AotCache.plan(given.toString(), state, JAVA, true, 25, List.of(), cp).option(), "a path that does not exist");
        Files.writeString(given, "cache");
        assertEquals("-XX:AOTCache=" + given, AotCache.plan(given.toString(), state, JAVA, true, 21, List.of(), cp).option());
        assertFalse(Files.exists(state.resolve("aot")), "nothing recorded");
    }

    /** A pid no process has (a child that ended). */
    static long deadPid() throws IOException {
        Process p = new ProcessBuilder("true").start();
        try {
            p.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return p.pid();
    }
}
