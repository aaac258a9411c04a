package dev.gale.tune;

import dev.gale.cluster.GaleNode;
import dev.gale.cluster.NodeConfig;
import dev.gale.gpu.GpuDevice;
import dev.gale.gpu.GpuTelemetry;
import dev.gale.gpu.InventoryDiscovery;
import dev.gale.gpu.NodeInventory;
import dev.gale.gpu.ResourceSpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The real-GPU check (not a unit test: it needs a machine with an NVIDIA GPU, {@code nvidia-smi}
 * and, for the load, Python with PyTorch). Prints what it sees:
 * <ol>
 *   <li>the node inventory from {@code nvidia-smi} discovery;</li>
 *   <li>one telemetry sample;</li>
 *   <li>one trial run through the Tuner with {@link Isolation#PROCESS} on one GPU with a 1 GiB
 *       budget: the child JVM reports the {@code CUDA_VISIBLE_DEVICES} it got, and starts a Python
 *       process (its descendant, inheriting that environment) that holds about 2 GiB on the GPU and
 *       runs matrix products, so each result carries real utilization and per-process memory.</li>
 * </ol>
 * Run: {@code java -cp <jars>:<tune test classes> dev.gale.tune.GpuCheck [storageDir]}; see
 * docs/gpu-runtime.md for the recorded output.
 */
public final class GpuCheck {
    private GpuCheck() {
    }

    public static void main(String[] args) throws Exception {
        Path storage = Path.of(args.length > 0 ? args[0] : System.getProperty("java.io.tmpdir"), "gale-gpucheck");
        NodeInventory inv = InventoryDiscovery.discover();
        System.out.println("== inventory: " + inv.cpus() + " cpus, " + inv.memoryBytes() / (1L << 20) + " MiB host memory");
        for (GpuDevice g : inv.gpus()) {
            System.out.println("   gpu " + g.index() + ": " + g.name() + ", " + g.uuid() + ", " + g.memoryTotalBytes() / (1L << 20)
                    + " MiB total, " + g.memoryUsedBytes() / (1L << 20) + " MiB used, " + g.utilization() + " % busy");
        }
        if (inv.gpus().isEmpty()) {
            System.out.println("no GPU found: nothing more to check");
            return;
        }
        GpuTelemetry tel = GpuTelemetry.configureShared(System.getenv(), Duration.ofMillis(250));
        System.out.println("== telemetry sample: " + tel.sampleNow().orElse(null));

        try (GaleNode node = GaleNode.start(NodeConfig.embedded().withInventory(inv))) {
            ResultGrid g = Tuner.builder(Probe.class)
                    .tuneConfig(TuneConfig.builder().numSamples(1).build())
                    .resources(ResourceSpec.ofCpus(2).withGpus(1).withGpuMemory(1L << 30))
                    .runConfig(new RunConfig("check-" + System.currentTimeMillis(), storage, true, 1000)
                            .withIsolation(Isolation.PROCESS))
                    .node(node)
                    .build().fit();
            TrialSummary t = g.trials().get(0);
            System.out.println("== isolated trial " + t.trialId() + ": " + t.status() + (t.error() == null ? "" : " " + t.error()));
            for (Map<String, Object> r : TuneTestSupport.readJsonl(t.trialDir().resolve("result.jsonl"))) {
                r.keySet().removeAll(List.of("timestamp", "trial_id", "time_total_s"));
                System.out.println("   " + r);
            }
            System.out.println("== child stdout.log:");
            System.out.print(Files.readString(t.trialDir().resolve("stdout.log")).indent(3));
            System.out.println("== child stderr.log:");
            System.out.print(Files.readString(t.trialDir().resolve("stderr.log")).indent(3));
        }
        System.exit(0);
    }

    /**
     * Runs in the child JVM: reports the environment it got and, while a Python/PyTorch process
     * (its child) keeps the GPU busy, reports every half second.
     */
    public static class Probe implements Trainable {
        static final String PY = """
                import os, sys, time, torch
                print("python sees CUDA_VISIBLE_DEVICES=%r, torch.cuda.device_count()=%d, name=%s"
                      % (os.environ.get("CUDA_VISIBLE_DEVICES"), torch.cuda.device_count(), torch.cuda.get_device_name(0)), flush=True)
                x = torch.ones((16384, 16384), device="cuda:0")  # 1 GiB
                y = torch.ones((16384, 16384), device="cuda:0")  # 1 GiB
                t0 = time.time()
                while time.time() - t0 < 6:
                    z = x @ y
                    torch.cuda.synchronize()
                print("python done, max allocated %d MiB" % (torch.cuda.max_memory_allocated() >> 20), flush=True)
                """;

        @Override
        public void train(TrialContext ctx) throws IOException, InterruptedException {
            System.out.println("child JVM pid " + ProcessHandle.current().pid() + ": CUDA_VISIBLE_DEVICES="
                    + System.getenv("CUDA_VISIBLE_DEVICES") + ", OMP_NUM_THREADS=" + System.getenv("OMP_NUM_THREADS")
                    + ", resources().gpus()=" + ctx.resources().gpus() + ", device()=" + ctx.device());
            Process py = new ProcessBuilder("python3", "-c", PY).inheritIO().start();
            for (int i = 1; py.isAlive() && i <= 40; i++) {
                Thread.sleep(500);
                ctx.report(Map.of("i", i, "cuda_visible_devices", String.valueOf(System.getenv("CUDA_VISIBLE_DEVICES")),
                        "device", ctx.device().toString()));
            }
            System.out.println("python exited with " + py.waitFor());
        }
    }
}
