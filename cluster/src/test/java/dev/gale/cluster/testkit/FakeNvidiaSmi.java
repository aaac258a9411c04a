package dev.gale.cluster.testkit;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A fake {@code nvidia-smi} for tests (a POSIX shell script using builtins only): it answers
 * exactly the query {@code InventoryDiscovery} makes with the given GPUs and fails on any other
 * arguments. Put its directory first on a node's {@code PATH} ({@link #pathEnv(Path)}).
 */
public final class FakeNvidiaSmi {
    private FakeNvidiaSmi() {
    }

    /**
     * One CSV line of the query: {@code index, uuid, name, memory.total MiB, memory.used MiB, utilization %}.
     */
    public static String gpu(int index, String uuid, String name, long memoryTotalMiB) {
        return index + ", " + uuid + ", " + name + ", " + memoryTotalMiB + ", 0, 0";
    }

    /**
     * Writes an executable {@code nvidia-smi} into {@code dir} that prints {@code csvLines}.
     *
     * @return {@code dir}
     */
    public static Path install(Path dir, List<String> csvLines) {
        StringBuilder sb = new StringBuilder("""
                #!/bin/sh
                if [ $# -ne 2 ] \\
                   || [ "$1" != "--query-gpu=index,uuid,name,memory.total,memory.used,utilization.gpu" ] \\
                   || [ "$2" != "--format=csv,noheader,nounits" ]; then
                  echo "fake nvidia-smi: unexpected arguments: $*" >&2
                  exit 2
                fi
                """);
        for (String line : csvLines) {
            if (line.contains("'")) throw new IllegalArgumentException("csv line must not contain a single quote: " + line);
            sb.append("printf '%s\\n' '").append(line).append("'\n");
        }
        try {
            Files.createDirectories(dir);
            Path p = dir.resolve("nvidia-smi");
            Files.writeString(p, sb.toString());
            if (!p.toFile().setExecutable(true)) throw new IOException("cannot make " + p + " executable");
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An environment entry {@code PATH} with {@code dir} first, then this JVM's {@code PATH}. */
    public static Map<String, String> pathEnv(Path dir) {
        String path = System.getenv("PATH");
        return Map.of("PATH", dir.toAbsolutePath() + (path == null || path.isEmpty() ? "" : File.pathSeparator + path));
    }
}
