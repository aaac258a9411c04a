package dev.gale.cli;

import dev.gale.cli.testkit.GaleProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.spi.ToolProvider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The launcher's start-up cache (JDK 25's AOT cache, see the {@code gale} script): recorded once
 * for a jar-only classpath, then mapped by every later run; recorded again when a jar changes; not
 * used with {@code GALE_AOT=0}. Runs on JDK 25 and newer only (older JDKs have no
 * {@code -XX:AOTCacheOutput}; the launcher then runs without a cache).
 */
@DisabledOnOs(OS.WINDOWS)
class AotCacheLauncherTest {
    static final Duration RUN = Duration.ofSeconds(240);
    static final String RECORDING = "recording a start-up cache";
    static final String OPENED = "Opened AOT cache";

    @Test
    void theCacheIsRecordedOnceUsedAfterwardsAndRecordedAgainWhenAJarChanges(@TempDir Path tmp) throws IOException {
        assumeTrue(Runtime.version().feature() >= 25, "the JDK's AOT cache needs JDK 25 (this is " + Runtime.version() + ")");
        List<Path> jars = jarOnlyClasspath(tmp.resolve("jars"));
        String cp = String.join(File.pathSeparator, jars.stream().map(Path::toString).toList());
        Path cache = tmp.resolve("aot").resolve("gale.aot");
        Path log = tmp.resolve("aot.log");

        GaleProcess first = run(tmp, cp, cache, log, "first", "1");
        assertTrue(first.stderr().contains(RECORDING), "the first run records the cache: " + first.describe());
        assertTrue(Files.size(cache) > 0, "the cache file " + cache);
        assertTrue(Files.readString(Path.of(cache + ".key")).strip().matches("\\d+"), "the key beside the cache");

        Files.deleteIfExists(log);
        GaleProcess second = run(tmp, cp, cache, log, "second", "1");
        assertFalse(second.stderr().contains(RECORDING), "the second run records nothing: " + second.describe());
        assertTrue(Files.readString(log).contains(OPENED + " " + cache), "the second run maps the cache: " + Files.readString(log));

        // a jar of the classpath changed (a rebuild): the cache no longer matches and is recorded again
        Path jar = jars.getFirst();
        Files.setLastModifiedTime(jar, FileTime.from(Instant.now().plusSeconds(5)));
        Files.deleteIfExists(log);
        GaleProcess third = run(tmp, cp, cache, log, "third", "1");
        assertTrue(third.stderr().contains(RECORDING), "a changed jar records the cache again: " + third.describe());

        Files.deleteIfExists(log);
        GaleProcess off = run(tmp, cp, cache, log, "off", "0");
        assertFalse(off.stderr().contains(RECORDING), off.describe());
        assertFalse(Files.exists(log) && Files.readString(log).contains(OPENED), "GALE_AOT=0 runs without the cache");
    }

    private static GaleProcess run(Path tmp, String cp, Path cache, Path log, String name, String aot) {
        try (GaleProcess gale = GaleProcess.builder("--version").classpath(cp).name("aot-" + name)
                .workingDirectory(tmp).home(tmp.resolve("home"))
                .env("GALE_AOT", aot).env("GALE_AOT_CACHE", cache.toString()).env("GALE_AOT_TRAINING_ROUNDS", "1")
                .javaOptions("-Xlog:aot=info:file=" + log).start()) {
            assertEquals(0, gale.waitFor(RUN), gale.describe());
            assertTrue(gale.stdout().contains("gale 0.1.0"), gale.describe());
            return gale;
        }
    }

    /** This JVM's classpath with every directory (module classes, test classes) packed into a jar. */
    private static List<Path> jarOnlyClasspath(Path dir) throws IOException {
        Files.createDirectories(dir);
        ToolProvider jarTool = ToolProvider.findFirst("jar").orElseThrow(() -> new AssertionError("this JDK has no jar tool"));
        List<Path> out = new ArrayList<>();
        int n = 0;
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (e.isEmpty()) continue;
            Path p = Path.of(e).toAbsolutePath();
            if (Files.isDirectory(p)) {
                Path jar = dir.resolve("dir" + (n++) + ".jar");
                StringWriter err = new StringWriter();
                int rc = jarTool.run(new PrintWriter(new StringWriter()), new PrintWriter(err),
                        "--create", "--file", jar.toString(), "-C", p.toString(), ".");
                assertEquals(0, rc, "jar of " + p + ": " + err);
                out.add(jar);
            } else if (Files.isRegularFile(p)) {
                out.add(p);
            }
        }
        return out;
    }
}
