package dev.gale.observability.dashboard;

import dev.gale.cluster.AutoscalerView;
import dev.gale.cluster.GaleNode;
import dev.gale.cluster.NodeConfig;
import dev.gale.gpu.NodeInventory;
import dev.gale.tune.Mode;
import dev.gale.tune.Result;
import dev.gale.tune.TrialStatus;
import dev.gale.tune.callback.ExperimentInfo;
import dev.gale.tune.callback.TrialInfo;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The cluster view's autoscaler instances (from the autoscaler registered under
 * {@link AutoscalerView#KEY}, here a stand-in answering as the autoscaler does) and worker groups of
 * distributed training (a running trial whose results carry each rank's samples/s), in Chromium.
 */
class DashboardScalingTest {
    @Test
    void autoscalerInstancesAndPerRankSamplesPerSecondAreShown() throws Exception {
        Instant t = Instant.parse("2026-12-06T01:00:00Z");
        AutoscalerView.Snapshot snapshot = new AutoscalerView.Snapshot("demo", "local", t, 0.2, List.of(
                new AutoscalerView.Instance("demo-cpu-2-abc", "cpu-2", "JOINED", "node-7", t, ""),
                new AutoscalerView.Instance("demo-cpu-2-def", "cpu-2", "REQUESTED", "", t, "launching")),
                List.of("1 x [cpus=1, gpus=1]: no node type can hold it"));
        try (GaleNode node = GaleNode.start(NodeConfig.embedded().withInventory(new NodeInventory(2, 1L << 30, List.of(), Map.of())));
             Dashboard d = Dashboard.start(DashboardConfig.local(0)); Browser b = Browser.open()) {
            node.system().systemActorOf(Behaviors.<AutoscalerView.Query>setup(ctx -> {
                ctx.getSystem().receptionist().tell(Receptionist.register(AutoscalerView.KEY, ctx.getSelf()));
                return Behaviors.receive(AutoscalerView.Query.class).onMessage(AutoscalerView.Query.class, q -> {
                    q.replyTo().tell(snapshot);
                    return Behaviors.same();
                }).build();
            }), "test-autoscaler-view", Props.empty());
            d.watch(node);

            DashboardCallback cb = d.callback();
            ExperimentInfo info = new ExperimentInfo("ddp", Path.of("ddp"), "loss", Mode.MIN, 1, "random", "fifo", false, 0);
            cb.onExperimentStart(info);
            TrialInfo running = new TrialInfo("trial_00001", TrialStatus.RUNNING, Map.of("lr", 0.1), 1, 0, Path.of("ddp", "t1"), "node-7", "", null);
            cb.onTrialStart(running);
            cb.onTrialResult(running, new Result("trial_00001", 1, 1.0, 1_700_000_000_000L,
                    Map.of("loss", 0.5, "rank_samples_per_s", Map.of("0", 1200.0, "1", 1100.0))));

            b.driver.get(d.url().toString());
            b.await("the page to load", 60, x -> Boolean.TRUE.equals(b.js("return window.galeLoaded === true")));
            b.await("the cluster view", 30, x -> x.findElement(By.id("cluster-nav")).isDisplayed());
            b.driver.findElement(By.id("cluster-link")).click();
            b.await("the autoscaler's instances", 30, x -> x.findElements(By.cssSelector("#instances tbody tr")).size() == 2);
            String joined = b.text("#instances tbody tr[data-instance='demo-cpu-2-abc']");
            assertTrue(joined.contains("cpu-2") && joined.contains("JOINED") && joined.contains("node-7"), joined);
            assertTrue(b.text("#instances tbody tr[data-instance='demo-cpu-2-def']").contains("REQUESTED"));
            assertTrue(b.text("#autoscaler-note").contains("cluster demo, provider local: 2 instance(s)"), b.text("#autoscaler-note"));
            assertTrue(b.text("#autoscaler-unsatisfiable").contains("no node type can hold it"), b.text("#autoscaler-unsatisfiable"));

            b.await("the worker group", 30, x -> x.findElements(By.cssSelector("#groups tbody tr")).size() == 3);
            List<String> rows = b.driver.findElements(By.cssSelector("#groups tbody tr")).stream().map(e -> e.getText()).toList();
            assertTrue(rows.get(0).contains("trial_00001") && rows.get(0).contains("node-7") && rows.get(0).contains("1200"), rows.toString());
            assertTrue(rows.get(1).contains("1") && rows.get(1).contains("1100"), rows.toString());
            assertTrue(rows.get(2).contains("all") && rows.get(2).contains("2300"), rows.toString());

            b.screenshot("cluster-scaling");

            // the trial ends: its group leaves the view (pushed over the feed)
            cb.onTrialComplete(new TrialInfo("trial_00001", TrialStatus.TERMINATED, Map.of("lr", 0.1), 1, 0, Path.of("ddp", "t1"), "node-7", "", null));
            b.await("the ended group to leave", 30, x -> x.findElements(By.cssSelector("#groups tbody tr")).isEmpty());
            assertEquals(true, b.js("return document.getElementById('groups-box').hidden"));
        }
    }
}
