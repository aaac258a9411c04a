package dev.gale.tune.multinode;

import dev.gale.cluster.ClusterStatus;
import dev.gale.cluster.GaleNode;
import dev.gale.cluster.testkit.NodeProcess;
import dev.gale.gpu.ResourceSpec;
import dev.gale.tune.Isolation;
import dev.gale.tune.ResultGrid;
import dev.gale.tune.RunConfig;
import dev.gale.tune.TrialSummary;
import dev.gale.tune.TuneConfig;
import dev.gale.tune.Tuner;
import dev.gale.tune.search.Domains;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The multi-node check for a machine with a real GPU (run by hand on a lent GPU machine, not a
 * test): a head node that discovers the machine's GPUs with the real {@code nvidia-smi}, a
 * CPU-only worker (no {@code nvidia-smi} on its PATH), and this JVM as a client driver running a
 * GPU experiment (quarter-GPU shares, process isolation) and a CPU experiment at once. Prints
 * where every trial ran and what {@code CUDA_VISIBLE_DEVICES} it saw. Argument: a work directory.
 */
public final class MultiNodeGpuCheck {
    private MultiNodeGpuCheck() {
    }

    public static void main(String[] args) throws Exception {
        Path work = Path.of(args[0]).toAbsolutePath();
        Files.createDirectories(work);
        try (NodeProcess head = NodeProcess.start(List.of(), Map.of(), List.of("-Dgale.node.name=gpu-head"))) {
            String address = head.awaitUp(Duration.ofSeconds(120));
            try (NodeProcess cpu = NodeProcess.start(List.of("--join", address, "--resources", "cpus=4"),
                    Map.of("PATH", "/nonexistent"), List.of("-Dgale.node.name=cpu-worker"))) {
                cpu.awaitUp(Duration.ofSeconds(120));
                try (GaleNode client = GaleNode.connect(address)) {
                    ClusterStatus st = client.status(Duration.ofSeconds(10));
                    System.out.println("== cluster status");
                    for (ClusterStatus.Node n : st.nodes()) {
                        System.out.println("   " + n.nodeId() + ": " + n.inventory().cpus() + " cpus, GPUs " + n.inventory().gpus());
                    }
                    Map<String, Object> space = new LinkedHashMap<>();
                    space.put("x", Domains.uniform(0, 1));
                    space.put("sleep_ms", 3000);
                    CompletableFuture<ResultGrid> gpuRun = CompletableFuture.supplyAsync(() -> Tuner.builder(EnvTrainable.class)
                            .paramSpace(space).tuneConfig(TuneConfig.builder().numSamples(4).build())
                            .runConfig(new RunConfig("gpu-exp", work, true, 500).withIsolation(Isolation.PROCESS))
                            .resources(ResourceSpec.ofCpus(1).withGpus(0.25).withGpuMemory(10L << 30))
                            .node(client).build().fit());
                    CompletableFuture<ResultGrid> cpuRun = CompletableFuture.supplyAsync(() -> Tuner.builder(EnvTrainable.class)
                            .paramSpace(space).tuneConfig(TuneConfig.builder().numSamples(4).build())
                            .runConfig(new RunConfig("cpu-exp", work, true, 500)).resources(ResourceSpec.ofCpus(1))
                            .node(client).build().fit());
                    Thread.sleep(2500);
                    ClusterStatus mid = client.status(Duration.ofSeconds(10));
                    System.out.println("== while running");
                    for (ClusterStatus.Node n : mid.nodes()) {
                        System.out.println("   " + n.nodeId() + ": free cpus " + n.freeCpus() + ", free GPU fraction "
                                + n.freeGpuFraction() + ", free GPU memory " + n.freeGpuMemory() + ", holders " + n.holders());
                    }
                    for (ResultGrid g : List.of(gpuRun.get(), cpuRun.get())) {
                        System.out.println("== " + g.experimentDir().getFileName());
                        for (TrialSummary t : g.trials()) {
                            System.out.println("   " + t.trialId() + " " + t.status() + " " + t.lastResult());
                        }
                    }
                }
            }
        }
        System.exit(0);
    }
}
