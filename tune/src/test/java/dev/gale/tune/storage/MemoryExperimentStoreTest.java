package dev.gale.tune.storage;

import dev.gale.tune.TrialStatus;
import dev.gale.tune.storage.internal.MemoryExperimentStore;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link MemoryExperimentStore} passes the store contract; its own directory goes with it. */
class MemoryExperimentStoreTest extends ExperimentStoreContract {
    @Override
    protected ExperimentStore create(Path dir) {
        return new MemoryExperimentStore(dir);
    }

    @Override
    protected ExperimentStore createAgain(ExperimentStore closed) {
        return ((MemoryExperimentStore) closed).reopen();
    }

    @Override
    protected void breakNextSnapshot(ExperimentStore store) {
        ((MemoryExperimentStore) store).failFrom(new IOException("No space left on device (test)"));
    }

    @Override
    protected void repair(ExperimentStore store) {
        // a reopened memory store starts without the injected failure
    }

    @Test
    void aStoreWithoutADirectoryKeepsTrialFilesInATemporaryOneDeletedOnClose() throws Exception {
        MemoryExperimentStore s = new MemoryExperimentStore();
        Path dir = s.dir();
        assertTrue(Files.isDirectory(dir));
        s.trialConfig("trial_00001", Map.of("x", 1));
        barrier(s);
        Files.writeString(s.trialDir("trial_00001").resolve("model.bin"), "w");
        s.journal(new JournalEntry(1, 0, JournalEntry.Event.CREATED, trial("trial_00001", TrialStatus.PENDING, 0)));
        barrier(s);
        assertTrue(Files.isDirectory(s.trialDir("trial_00001")), "trainables find their trial directory");
        assertEquals(TrialStatus.PENDING, s.load().snapshot().trial("trial_00001").status());
        s.close();
        assertFalse(Files.exists(dir), "deleted on close");
        IllegalStateException e = assertThrows(IllegalStateException.class, s::reopen);
        assertTrue(e.getMessage().contains("new MemoryExperimentStore(dir)"), e.getMessage());
    }

    @Test
    void reopeningAnOpenStoreIsRefused() {
        MemoryExperimentStore s = new MemoryExperimentStore(tmp.resolve("m"));
        try {
            assertThrows(IllegalStateException.class, s::reopen);
        } finally {
            s.close();
        }
    }

    @Test
    void aValueJsonCannotCarryFailsTheStoreAsTheFileStoreDoes() throws Exception {
        MemoryExperimentStore s = new MemoryExperimentStore(tmp.resolve("m"));
        try {
            s.snapshot(() -> new ExperimentSnapshot(ExperimentSnapshot.VERSION, "m", null, null, 1, 0, false, 0, null, Map.of(),
                    new ComponentState("odd", Map.of("handle", new Object())), null, 0, java.util.List.of()), true);
            IOException f = barrier(s);
            assertTrue(f != null && f.getMessage().contains("Object"), String.valueOf(f));
        } finally {
            s.close();
        }
    }
}
