package dev.gale.autoscaler;

import dev.gale.cluster.Bundle;
import dev.gale.cluster.GaleNode;
import dev.gale.cluster.LeasePool;
import dev.gale.cluster.LeaseReply;
import dev.gale.cluster.testkit.JvmProcess;
import dev.gale.gpu.ResourceSpec;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code kill -9} of a head ({@link ClusterHead}, a real JVM) while its autoscaler scales up, then
 * {@code gale cluster down}'s work ({@link Autoscaler#down}) from another process: no node of the
 * cluster keeps running.
 */
class HeadCrashDownTest {
    static final Duration LONG = Duration.ofSeconds(120);

    @Test
    void afterTheHeadIsKilledDuringAScaleUpDownLeavesNoNodeRunning() throws IOException {
        Path dir = Path.of("target", "head-crash").toAbsolutePath();
        Files.createDirectories(dir);
        Path yaml = dir.resolve("cluster.yaml");
        Files.writeString(yaml, """
                cluster: e2e-crash
                head:
                  port: 0
                  resources: {cpus: 1, memory: 2GiB}
                autoscaler:
                  tick: 1s
                  joinTimeout: 5m
                nodeTypes:
                  - name: cpu-2
                    resources: {cpus: 2, memory: 1GiB}
                    max: 3
                """);
        ClusterConfig cfg = ClusterConfig.load(yaml);
        NodeProvider provider = NodeProviderFactory.open(new ProviderContext(cfg, dir.resolve("state"), Clock.systemUTC()));
        JvmProcess head = JvmProcess.builder(ClusterHead.class.getName()).name("cluster-head")
                .args(List.of(yaml.toString(), dir.resolve("state").toString())).start();
        GaleNode client = null;
        ActorTestKit kit = null;
        try {
            String address = head.awaitLine(dev.gale.cluster.NodeMain.UP_PREFIX, LONG);
            client = GaleNode.connect(address);
            kit = ActorTestKit.create(client.system());
            TestProbe<LeaseReply> inbox = kit.createTestProbe();
            LeasePool pool = new LeasePool(client.resourceManager(), inbox.ref(), "crash-test", "test", Clock.systemUTC());
            pool.want("trial", Bundle.of(ResourceSpec.ofCpus(2)), 3, null);
            LocalAutoscalerTest.await("the autoscaler to launch nodes", LONG, () -> !provider.list().isEmpty());
            head.kill();
            head.waitFor(LONG);
            List<ProviderInstance> running = provider.list();
            assertTrue(!running.isEmpty(), "nodes launched by the dead head still run");
            List<String> ended = Autoscaler.down(provider);
            assertEquals(running.size(), ended.size(), "every node found is terminated: " + running);
            assertEquals(List.of(), provider.list(), "no node of the cluster keeps running");
            for (ProviderInstance i : running) {
                assertTrue(ProcessHandle.of(Long.parseLong(i.providerId())).map(p -> !p.isAlive()).orElse(true),
                        "process " + i.providerId() + " ended");
            }
        } finally {
            // the testkit shares the client's actor system: closing the client ends both
            if (client != null) client.close();
            head.close();
            Autoscaler.down(provider);
        }
    }
}
