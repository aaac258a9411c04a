package dev.gale.tune.internal;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Which checkpoint a trial resumes from, named by the trial that wrote it (what a PBT exploit of it pins). */
class TrialRecordTest {
    @Test
    void aTrialResumesFromItsOwnCheckpointOrTheOneItBorrowedUntilItWritesOne() {
        TrialRecord t = new TrialRecord("trial_00002", Map.of());
        assertNull(t.resumeCheckpointRef(), "no checkpoint yet");

        t.checkpoint = "checkpoint_000004";
        assertEquals("trial_00002/checkpoint_000004", t.resumeCheckpointRef());

        // exploited trial_00003: it starts from trial_00003's checkpoint (an absolute path) and has
        // written none since, so a trial exploiting it gets, and must pin, trial_00003's checkpoint
        t.borrowedCheckpoint = "trial_00003/checkpoint_000008";
        t.checkpoint = "/runs/pbt/trial_00003/checkpoint_000008";
        assertEquals("trial_00003/checkpoint_000008", t.resumeCheckpointRef());
    }
}
