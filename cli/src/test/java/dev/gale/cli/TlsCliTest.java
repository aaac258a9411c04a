package dev.gale.cli;

import dev.gale.cli.testkit.GaleProcess;
import dev.gale.cluster.ClusterSecret;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A TLS cluster from the command line, through the launcher in child processes: {@code gale cluster
 * start --tls-keystore}, then {@code gale tune --address} with the cluster secret runs its trials
 * there; with another cluster secret it fails within seconds (not at the minute-long join timeout)
 * with one line naming {@code --tls-keystore}; {@code gale cluster status} and {@code stop} with the
 * secret work; none of the clients prints Pekko's "connection has been aborted" warning.
 */
@DisabledOnOs(OS.WINDOWS)
class TlsCliTest {
    static final String PASSWORD = "first-hour secret";

    @Test
    void tuneJoinsATlsClusterWithItsSecretAndFailsFastWithAnother(@TempDir Path tmp) throws Exception {
        Path secret = tmp.resolve("cluster.p12");
        Path other = tmp.resolve("other.p12");
        CompletableFuture<Void> makeOther = CompletableFuture.runAsync(() -> ClusterSecret.create(other, PASSWORD));
        ClusterSecret.create(secret, PASSWORD);
        makeOther.join();
        Path pw = tmp.resolve("password.txt");
        Files.writeString(pw, PASSWORD + "\n");
        Files.writeString(tmp.resolve("space.yaml"), "x: {uniform: [0, 6]}\nmodel: {const: {layers: 1}}\n");
        String[] tls = {"--tls-keystore", secret.toString(), "--tls-password-file", pw.toString()};

        try (ClusterProcesses gale = new ClusterProcesses(tmp, tmp.resolve("home"))) {
            String addr = gale.startHead("--resources", "cpus=2,memory=1GiB", "--tls-keystore", secret.toString(),
                    "--tls-password-file", pw.toString());

            // another cluster secret: refused at once, one line naming the option
            try (GaleProcess wrong = gale.start("tune", "--address", addr, "--tls-keystore", other.toString(), "--tls-password-file",
                    pw.toString(), "--class", QuadraticTrainable.class.getName(), "--space", "space.yaml", "--storage-path", "results")) {
                assertEquals(2, wrong.waitFor(Duration.ofSeconds(40)), "fails well before the join timeout: " + wrong.describe());
                String err = wrong.stderr().strip();
                assertEquals(1, err.lines().count(), "one line, no stack trace: " + wrong.describe());
                assertTrue(err.startsWith("gale: the cluster at " + addr + " uses another cluster secret than --tls-keystore " + other),
                        err);
                assertFalse(Files.exists(tmp.resolve("results")), "nothing created");
            }

            GaleProcess tune = gale.run(0, concat(new String[] {"tune", "--address", addr, "--class", QuadraticTrainable.class.getName(),
                    "--space", "space.yaml", "-n", "2", "--metric", "loss", "--mode", "min", "--storage-path", "results", "--name", "tls",
                    "--seed", "5"}, tls));
            assertTrue(tune.stdout().contains("best trial_0000") && tune.stdout().contains("experiment directory:"), tune.describe());
            assertTrue(Files.isRegularFile(tmp.resolve("results").resolve("tls").resolve("trial_00002").resolve("params.json")),
                    "both trials ran on the TLS cluster: " + tune.describe());
            ClusterProcesses.quiet(tune);

            GaleProcess status = gale.run(0, concat(new String[] {"cluster", "status"}, tls));
            assertTrue(status.stdout().contains("Gale cluster at " + addr + ": 1 node"), status.describe());
            ClusterProcesses.quiet(status);

            GaleProcess stop = gale.run(0, concat(new String[] {"cluster", "stop"}, tls));
            assertTrue(stop.stdout().contains("Stopped 1 node of the Gale cluster at " + addr), stop.describe());
            ClusterProcesses.quiet(stop);
            gale.awaitNodesGone(Duration.ofSeconds(60));
        }
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
