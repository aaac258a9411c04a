package dev.gale.train;

import dev.gale.cluster.ClusterSecret;
import dev.gale.cluster.GaleNode;
import dev.gale.cluster.NodeConfig;
import dev.gale.cluster.TlsSettings;
import dev.gale.gpu.ResourceSpec;
import dev.gale.train.loops.TlsCheckLoop;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A 2-worker group on a TLS cluster: control links and the ring run TLS with the cluster's secret, and sum right. */
class TlsDataPlaneTest {
    @Test
    void aTwoWorkerAllReduceOnATlsClusterRunsOverTlsAndSumsRight(@TempDir Path dir) {
        Path secret = dir.resolve("cluster.p12");
        ClusterSecret.create(secret, "correct horse battery");
        try (GaleNode node = GaleNode.start(NodeConfig.embedded().withTls(new TlsSettings(secret, "correct horse battery")))) {
            TrainResult r = assertTimeoutPreemptively(Duration.ofSeconds(150), () -> DataParallelTrainer.builder(TlsCheckLoop.class)
                    .node(node).scaling(ScalingConfig.of(2, ResourceSpec.ofCpus(0.5)))
                    .run(new TrainRunConfig("tls", dir.resolve("runs"), Duration.ofSeconds(30), Duration.ofSeconds(90)))
                    .build().fit());
            assertTrue(r.ok(), r.errors().toString());
            assertEquals(2, ((Number) r.metrics().get("world")).intValue());
            assertEquals(1, ((Number) r.metrics().get("sumsOk")).intValue(), "every rank checked its sums");
            assertEquals(1, ((Number) r.metrics().get("tls")).intValue(), "the ring ran over TLS on a TLS cluster");
        }
    }
}
