package dev.gale.tune.study;

import dev.gale.cluster.testkit.JvmProcess;
import dev.gale.tune.ResultGrid;
import dev.gale.tune.TrialStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A program that ran a study on the shared embedded node ends when its {@code main} returns, as a
 * Python script using Optuna or Ray Tune does: the node's threads do not keep the JVM alive, and
 * the node is stopped by the JVM's exit with everything the study wrote intact.
 */
class StudyMainReturnsTest {
    @TempDir
    Path tmp;

    @Test
    void theJvmEndsWhenMainReturnsAndTheStudyIsOnDisk() throws Exception {
        try (JvmProcess child = JvmProcess.builder(StudyReturnMain.class.getName()).name("study-returns")
                .args(List.of(tmp.toString())).start()) {
            child.awaitLine("STUDY RETURNED 5", Duration.ofSeconds(120));
            // the node started by the study must not hold the JVM: it ends by itself, normally
            int rc = child.waitFor(Duration.ofSeconds(60));
            assertEquals(0, rc, "exit status after main returned: " + child.describe());
        }
        ResultGrid grid = ResultGrid.load(tmp.resolve("returns").resolve("optimize_1"));
        assertEquals(5, grid.count(TrialStatus.TERMINATED), grid.table());
    }
}
