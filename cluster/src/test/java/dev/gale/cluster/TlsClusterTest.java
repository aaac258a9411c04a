package dev.gale.cluster;

import dev.gale.cluster.testkit.NodeProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two NodeMain JVMs sharing a cluster secret form a TLS cluster; a third JVM with another secret
 * cannot join (its TLS handshakes fail), and a client needs the cluster's secret to connect.
 */
@DisabledOnOs(OS.WINDOWS)
class TlsClusterTest {
    static final Duration UP = Duration.ofSeconds(90);
    static final String PASSWORD = "correct horse battery";
    final List<NodeProcess> nodes = new ArrayList<>();

    @AfterEach
    void stopAll() {
        nodes.forEach(NodeProcess::close);
    }

    @Test
    void onlyMembersWithTheClusterSecretJoin(@TempDir Path tmp) throws Exception {
        Path secret = tmp.resolve("cluster.p12");
        Path other = tmp.resolve("other.p12");
        // same password, different key pairs (made at once: keytool takes a few seconds on a busy machine)
        CompletableFuture<Void> makeOther = CompletableFuture.runAsync(() -> ClusterSecret.create(other, PASSWORD));
        ClusterSecret.create(secret, PASSWORD);
        makeOther.join();
        Path pwFile = tmp.resolve("password.txt");
        Files.writeString(pwFile, PASSWORD + "\n");
        IllegalArgumentException exists = assertThrows(IllegalArgumentException.class, () -> ClusterSecret.create(secret, PASSWORD));
        assertTrue(exists.getMessage().contains("already exists"), exists.getMessage());
        new TlsSettings(secret, PASSWORD).check();
        IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class, () -> new TlsSettings(secret, "wrong password").check());
        assertTrue(wrong.getMessage().contains(secret.toString()), wrong.getMessage());

        NodeProcess head = add(NodeProcess.start(List.of("--resources", "cpus=2,memory=1GiB", "--tls-keystore", secret.toString()),
                Map.of(TlsSettings.PASSWORD_ENV, PASSWORD), List.of()));
        String seed = head.awaitUp(UP);
        NodeProcess member = add(NodeProcess.start(List.of("--join", seed, "--resources", "cpus=1,memory=1GiB",
                "--tls-keystore", secret.toString(), "--tls-password-file", pwFile.toString()), Map.of(), List.of()));
        NodeProcess intruder = add(NodeProcess.start(List.of("--join", seed, "--resources", "cpus=8,memory=1GiB",
                "--tls-keystore", other.toString()), Map.of(TlsSettings.PASSWORD_ENV, PASSWORD), List.of()));
        member.awaitUp(UP);

        TlsSettings tls = new TlsSettings(secret, PASSWORD);
        try (GaleNode client = GaleNode.connect(NodeConfig.client(List.of(seed)).withTls(tls))) {
            // a plain-TCP client gets no answer from a TLS cluster
            IllegalStateException plain = assertThrows(IllegalStateException.class,
                    () -> GaleNode.connect(NodeConfig.client(List.of(seed)), Duration.ofSeconds(5)));
            assertTrue(plain.getMessage().contains(seed), plain.getMessage());

            // the intruder reaches the seed but fails the TLS handshake, and keeps failing on every retry
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (!intruder.jvm().stderr().contains("SSLHandshakeException") && !intruder.isUp()) {
                assertTrue(System.nanoTime() < deadline && intruder.isAlive(), "the intruder never tried to join: " + intruder.describe());
                Thread.sleep(200);
            }
            Thread.sleep(6000); // past the next join attempt (seed-node retries every 5 s)
            assertFalse(intruder.isUp(), "a node with another cluster secret must not join: " + intruder.describe());
            Set<String> ids = client.status(Duration.ofSeconds(10)).nodes().stream()
                    .map(ClusterStatus.Node::nodeId).collect(Collectors.toSet());
            assertEquals(Set.of(head.nodeId(), member.nodeId()), ids);

            assertEquals(2, client.shutdownCluster(Duration.ofSeconds(60)));
            assertEquals(0, head.waitFor(Duration.ofSeconds(60)), head.describe());
            assertEquals(0, member.waitFor(Duration.ofSeconds(60)), member.describe());
        }
        intruder.kill();
    }

    NodeProcess add(NodeProcess p) {
        nodes.add(p);
        return p;
    }
}
