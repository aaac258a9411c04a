package dev.gale.train.internal;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The worker JVM's environment: glibc keeps PyTorch's large blocks unless the user said otherwise. */
class WorkerLauncherTest {
    @Test
    void largeBlocksStayInTheWorkerUnlessTheUserSetTheAllocator() {
        Map<String, String> env = new HashMap<>();
        WorkerLauncher.mallocForTraining(env);
        assertEquals(String.valueOf(64 << 20), env.get("MALLOC_MMAP_THRESHOLD_"));
        assertEquals(String.valueOf(512 << 20), env.get("MALLOC_TRIM_THRESHOLD_"));

        Map<String, String> mine = new HashMap<>(Map.of("MALLOC_MMAP_THRESHOLD_", "131072"));
        WorkerLauncher.mallocForTraining(mine);
        assertEquals("131072", mine.get("MALLOC_MMAP_THRESHOLD_"), "the user's value is kept");
        assertEquals(String.valueOf(512 << 20), mine.get("MALLOC_TRIM_THRESHOLD_"));
    }
}
