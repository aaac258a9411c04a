package dev.gale.tune.storage;

import dev.gale.cluster.testkit.JvmProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link ExperimentLock}: one driver per experiment directory, across JVMs and within one; a dead owner's lock is taken over. */
class ExperimentLockTest {
    @TempDir
    Path tmp;

    @Test
    void aSecondDriverInThisJvmIsRefusedUntilTheFirstReleases() throws Exception {
        Path dir = tmp.resolve("exp");
        Clock clock = Clock.fixed(Instant.parse("2025-03-01T10:00:00Z"), ZoneOffset.UTC);
        long pid = ProcessHandle.current().pid();
        try (ExperimentLock first = ExperimentLock.acquire(dir, "gale tune --name exp", clock)) {
            assertEquals(pid, first.owner().pid());
            assertEquals("gale tune --name exp", first.owner().description());
            assertTrue(first.tookOverFrom().isEmpty(), "a new directory has no previous owner");
            String written = Files.readString(dir.resolve(ExperimentLayout.LOCK_FILE));
            assertTrue(written.contains("\"pid\":" + pid) && written.contains("gale tune --name exp"), written);
            assertEquals(first.owner(), ExperimentLock.holder(dir).orElseThrow());

            IllegalStateException e = assertThrows(IllegalStateException.class, () -> ExperimentLock.acquire(dir, "again"));
            assertTrue(e.getMessage().contains("pid " + pid + " on " + first.owner().host()), e.getMessage());
            assertTrue(e.getMessage().contains("2025-03-01T10:00:00Z") && e.getMessage().contains("gale tune --name exp"), e.getMessage());
            assertTrue(e.getMessage().contains("wait for that driver to end, or stop it"), e.getMessage());
            // the refused attempt must not have released the first lock
            assertThrows(IllegalStateException.class, () -> ExperimentLock.acquire(dir.resolve("..").resolve("exp"), "via another path"));
        }
        assertTrue(ExperimentLock.holder(dir).isEmpty());
        assertEquals(0, Files.size(dir.resolve(ExperimentLayout.LOCK_FILE)), "a clean release leaves no owner behind");
        try (ExperimentLock second = ExperimentLock.acquire(dir, "second")) {
            assertTrue(second.tookOverFrom().isEmpty(), "released cleanly: nothing taken over");
        }
    }

    @Test
    void aDriverInAnotherJvmIsRefusedAndItsLockIsTakenOverOnceItIsKilled() throws Exception {
        Path dir = tmp.resolve("exp");
        JvmProcess holder = JvmProcess.builder(LockHolderMain.class.getName()).name("lock-holder")
                .args(List.of(dir.toString())).start();
        long holderPid;
        try {
            holderPid = Long.parseLong(holder.awaitLine("LOCKED", Duration.ofSeconds(60)));
            assertEquals(holder.pid(), holderPid);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> ExperimentLock.acquire(dir, "second driver"));
            assertTrue(e.getMessage().contains("pid " + holderPid + " on "), e.getMessage());
            assertTrue(e.getMessage().contains("LockHolderMain"), e.getMessage());
            assertTrue(e.getMessage().contains("kill " + holderPid), e.getMessage());
            assertEquals(holderPid, ExperimentLock.holder(dir).orElseThrow().pid());
            holder.kill();
            assertFalse(holder.isAlive());
        } finally {
            holder.close();
        }
        try (ExperimentLock mine = ExperimentLock.acquire(dir, "after the kill")) {
            assertEquals(holderPid, mine.tookOverFrom().orElseThrow().pid(), "the dead owner is named");
            assertEquals(ProcessHandle.current().pid(), mine.owner().pid());
        }
    }
}
