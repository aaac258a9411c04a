package dev.gale.cli;

import dev.gale.cluster.ClusterStatus;
import dev.gale.gpu.GpuDevice;
import dev.gale.gpu.NodeInventory;
import dev.gale.gpu.ResourceSpec;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The table of {@code gale cluster status}: CPUs and memory used/total, each GPU's free memory, leases, queue, unmet demand. */
class ClusterStatusFormatTest {
    @Test
    void showsGpusLeasesQueueAndUnmetDemand() {
        long gib = 1L << 30;
        NodeInventory gpuInv = new NodeInventory(8, 64 * gib, List.of(new GpuDevice(0, "GPU-a", "NVIDIA H100", 80 * gib, 0, 0),
                new GpuDevice(1, "GPU-b", "NVIDIA H100", 80 * gib, 0, 0)), Map.of());
        ClusterStatus st = new ClusterStatus(List.of(
                new ClusterStatus.Node("pekko://gale@10.0.0.1:25520", new NodeInventory(4, 16 * gib, List.of(), Map.of("licenses", 2.0)),
                        4, 16 * gib, List.of(), List.of(), 0),
                new ClusterStatus.Node("pekko://gale@10.0.0.2:41000", gpuInv, 5.5, 48 * gib, List.of(0.5, 1.0),
                        List.of(40 * gib, 80 * gib), 2, List.of("exp/trial_00001#0", "exp/trial_00002#1"))),
                3, List.of(new ResourceSpec(2, 4, 0, 0, Map.of(), "")));
        String text = ClusterCommand.format("10.0.0.1:25520", st);
        assertTrue(text.startsWith("Gale cluster at 10.0.0.1:25520: 2 nodes, 2 leases, 3 queued requests"), text);
        assertTrue(text.contains("10.0.0.1:25520") && text.contains("0/4") && text.contains("0B/16.0GiB") && text.contains("custom licenses=2"), text);
        assertTrue(text.contains("10.0.0.2:41000") && text.contains("2.50/8") && text.contains("16.0GiB/64.0GiB"), text);
        assertTrue(text.contains("gpu 0 NVIDIA H100: 40.0GiB free of 80.0GiB, 50% unleased"), text);
        assertTrue(text.contains("gpu 1 NVIDIA H100: 80.0GiB free of 80.0GiB, 100% unleased"), text);
        assertTrue(text.contains("Running (lease holders") && text.contains("exp/trial_00001#0, exp/trial_00002#1"), text);
        assertTrue(text.contains("Unmet demand (queued requests no node can hold, even empty):") && text.contains("cpus=2, gpus=4"), text);
    }

    @Test
    void runningShowsTheWorkEachNodeReportsAndLeaseHoldersWhereANodeDidNotAnswer() {
        long gib = 1L << 30;
        NodeInventory inv = new NodeInventory(4, 16 * gib, List.of(), Map.of());
        ClusterStatus st = new ClusterStatus(List.of(
                new ClusterStatus.Node("pekko://gale@10.0.0.1:25520", inv, 3, 16 * gib, List.of(), List.of(), 1,
                        List.of("exp/trial_00003#0")),
                new ClusterStatus.Node("pekko://gale@10.0.0.2:25520", inv, 3, 16 * gib, List.of(), List.of(), 1,
                        List.of("exp/trial_00004#0"))), 0, List.of());
        String work = "exp@pekko://gale@10.0.0.9:41234/tune-1/trial_00008#1";
        assertTrue(RunningWork.shortId(work).equals("exp/trial_00008#1"), RunningWork.shortId(work));
        assertTrue(RunningWork.shortId("task-17").equals("task-17"));
        String text = ClusterCommand.format("10.0.0.1:25520", st,
                Map.of("pekko://gale@10.0.0.1:25520", List.of(RunningWork.shortId(work))));
        assertTrue(text.contains("Running (experiment/trial#run, as each node reports):"), text);
        assertTrue(text.contains("10.0.0.1:25520       exp/trial_00008#1") && !text.contains("trial_00003"), text);
        assertTrue(text.contains("10.0.0.2:25520       exp/trial_00004#0 (lease holders: the node did not say what runs)"), text);
    }

    @Test
    void showsLabelsDrainingIdleNodesAndWaitingDemand() {
        long gib = 1L << 30;
        java.time.Instant now = java.time.Instant.parse("2025-01-01T12:00:00Z");
        NodeInventory inv = new NodeInventory(4, 16 * gib, List.of(), Map.of());
        dev.gale.cluster.Bundle gang = dev.gale.cluster.Bundle.gang(2, ResourceSpec.ofCpus(1), dev.gale.cluster.Placement.STRICT_SPREAD);
        dev.gale.cluster.DemandSnapshot demand = new dev.gale.cluster.DemandSnapshot(now, List.of(
                new dev.gale.cluster.DemandSnapshot.Waiting("driver-1", "trial", "exp", gang, 3, now.minusSeconds(42),
                        java.time.Duration.ofSeconds(42), true),
                new dev.gale.cluster.DemandSnapshot.Waiting("", "r7", "", dev.gale.cluster.Bundle.of(ResourceSpec.ofCpus(64)), 1,
                        now.minusSeconds(600), java.time.Duration.ofSeconds(600), false)), 0, List.of(
                new dev.gale.cluster.DemandSnapshot.NodeState("pekko://gale@10.0.0.1:25520", inv, 4, 16 * gib, List.of(), List.of(),
                        Map.of(), Map.of("zone", "a", "disk", "ssd"), false, null, now.minusSeconds(300), 0),
                new dev.gale.cluster.DemandSnapshot.NodeState("pekko://gale@10.0.0.2:25520", inv, 3, 16 * gib, List.of(), List.of(),
                        Map.of(), Map.of(), true, now.plusSeconds(30), null, 1)));
        ClusterStatus st = new ClusterStatus(List.of(
                new ClusterStatus.Node("pekko://gale@10.0.0.1:25520", inv, 4, 16 * gib, List.of(), List.of(), 0),
                new ClusterStatus.Node("pekko://gale@10.0.0.2:25520", inv, 3, 16 * gib, List.of(), List.of(), 1)),
                4, List.of(ResourceSpec.ofCpus(64)), demand);
        String text = ClusterCommand.format("10.0.0.1:25520", st);
        assertTrue(text.contains("10.0.0.1:25520       labels disk=ssd,zone=a; idle for 5 min"), text);
        assertTrue(text.contains("10.0.0.2:25520       DRAINING, leases revoked in 30 s"), text);
        assertTrue(text.contains("Waiting demand (4 bundles, oldest first):"), text);
        assertTrue(text.contains("exp driver-1/trial") && text.contains("3 bundles of 2 x [cpus=1] STRICT_SPREAD, waiting 42 s"), text);
        assertTrue(text.contains("r7") && text.contains("1 bundle of 1 x [cpus=64] PACK, waiting 10 min (no node shape can hold it)"), text);
    }
}
