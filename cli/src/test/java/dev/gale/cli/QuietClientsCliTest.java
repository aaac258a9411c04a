package dev.gale.cli;

import dev.gale.cli.testkit.GaleProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The client commands against a running cluster, through the launcher in child processes:
 * {@code gale cluster status} names the trial that really runs on a lease (a lease requested for
 * trial_00001 runs trial_00002 next), {@code gale cluster status}, {@code gale tune --address} and
 * {@code gale cluster stop} end without Pekko's "connection has been aborted" warnings, and a second
 * {@code gale cluster start} on the port of a running cluster (another home: nothing recorded) fails
 * with one line.
 */
@DisabledOnOs(OS.WINDOWS)
class QuietClientsCliTest {
    static final Duration TRIAL = Duration.ofSeconds(120);

    @Test
    void statusNamesTheRunningTrialAndClientsEndQuietly(@TempDir Path tmp) throws Exception {
        Path gates = Files.createDirectories(tmp.resolve("gates"));
        Files.writeString(tmp.resolve("gate.yaml"), "dir: \"" + gates + "\"\nx: {uniform: [0, 1]}\n");
        try (ClusterProcesses gale = new ClusterProcesses(tmp, tmp.resolve("home"))) {
            // one CPU: one trial at a time, on the lease the first trial's request got
            String addr = gale.startHead("--resources", "cpus=1,memory=1GiB");

            // a second cluster on that port, from another home (nothing recorded there): one line, no stack trace
            try (GaleProcess second = GaleProcess.builder("cluster", "start", "--port", addr.substring(addr.lastIndexOf(':') + 1))
                    .workingDirectory(tmp).home(tmp.resolve("other-home")).start()) {
                assertEquals(1, second.waitFor(ClusterProcesses.RUN), second.describe());
                String err = second.stderr().strip();
                assertEquals(1, err.lines().count(), "one line: " + second.describe());
                assertTrue(err.startsWith("gale: port ") && err.contains(" is in use") && err.contains("--port"), err);
                assertFalse(Files.exists(tmp.resolve("other-home").resolve(".gale").resolve("cluster-address")), "nothing recorded");
            }

            try (GaleProcess tune = gale.start("tune", "--address", addr, "--class", GateTrainable.class.getName(), "--space", "gate.yaml",
                    "-n", "2", "--cpus", "1", "--storage-path", "results", "--name", "gated", "--seed", "3")) {
                ClusterProcesses.awaitFile(gates.resolve("started-trial_00001"), TRIAL, tune);
                GaleProcess first = gale.run(0, "cluster", "status");
                assertTrue(first.stdout().contains("gated/trial_00001#1"), "status names the running trial: " + first.describe());
                ClusterProcesses.quiet(first);

                Files.writeString(gates.resolve("go-trial_00001"), "");
                ClusterProcesses.awaitFile(gates.resolve("started-trial_00002"), TRIAL, tune);
                GaleProcess second = gale.run(0, "cluster", "status");
                String st = second.stdout();
                assertTrue(st.contains("gated/trial_00002#1") && !st.contains("trial_00001"),
                        "status names trial_00002, which runs now, not the trial its lease was requested for: " + second.describe());
                ClusterProcesses.quiet(second);

                Files.writeString(gates.resolve("go-trial_00002"), "");
                assertEquals(0, tune.waitFor(ClusterProcesses.RUN), tune.describe());
                assertTrue(tune.stdout().contains("experiment directory:"), tune.describe());
                ClusterProcesses.quiet(tune);
            }

            GaleProcess stop = gale.run(0, "cluster", "stop");
            assertTrue(stop.stdout().contains("Stopped 1 node of the Gale cluster at " + addr), stop.describe());
            ClusterProcesses.quiet(stop);
            gale.awaitNodesGone(Duration.ofSeconds(60));
        }
    }
}
