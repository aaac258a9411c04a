package dev.gale.observability.dashboard;

import dev.gale.cluster.GaleNode;
import dev.gale.cluster.LeaseReply;
import dev.gale.cluster.NodeConfig;
import dev.gale.cluster.ResourceManager;
import dev.gale.gpu.GpuDevice;
import dev.gale.gpu.NodeInventory;
import dev.gale.gpu.ResourceSpec;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The cluster view in a real headless Chromium: the node with its CPUs and GPU, and a lease
 * request no node shape can hold shown as unsatisfiable waiting demand, pushed by the demand stream.
 */
class DashboardClusterTest {
    @Test
    void nodesAndUnsatisfiableDemandAreShown() throws Exception {
        NodeInventory inv = new NodeInventory(4, 8L << 30,
                List.of(new GpuDevice(0, "GPU-test", "Test GPU", 16L << 30, 1L << 30, 0.25)), Map.of());
        try (GaleNode node = GaleNode.start(NodeConfig.embedded().withInventory(inv));
             Dashboard d = Dashboard.start(DashboardConfig.local(0)); Browser b = Browser.open()) {
            d.watch(node);
            b.driver.get(d.url().toString());
            b.await("the page to load", 60, x -> Boolean.TRUE.equals(b.js("return window.galeLoaded === true")));
            b.await("the cluster view", 30, x -> x.findElement(By.id("cluster-nav")).isDisplayed());
            b.driver.findElement(By.id("cluster-link")).click();
            b.await("the node", 30, x -> x.findElements(By.cssSelector("#nodes tbody tr")).size() == 1);
            String row = b.text("#nodes tbody tr");
            assertTrue(row.contains("4 / 4") && row.contains("Test GPU") && row.contains("16.0 GiB") && row.contains("25%"), row);

            ActorRef<LeaseReply> inbox = node.system().systemActorOf(Behaviors.ignore(), "test-inbox", Props.empty());
            node.resourceManager().tell(new ResourceManager.RequestLease("too-big", ResourceSpec.ofCpus(64), inbox, "exp-a", null));
            b.await("the waiting demand", 30, x -> x.findElements(By.cssSelector("#waiting tbody tr")).size() == 1);
            String w = b.text("#waiting tbody tr");
            assertTrue(w.contains("exp-a") && w.contains("no: no node shape holds it"), w);
            assertTrue(b.text("#waiting-note").startsWith("1 unsatisfiable"), b.text("#waiting-note"));
            b.screenshot("cluster");
        }
    }
}
