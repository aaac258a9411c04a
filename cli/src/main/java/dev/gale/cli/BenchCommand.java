package dev.gale.cli;

import dev.gale.bench.ConcurrencyBench;
import dev.gale.bench.OverheadBench;
import dev.gale.bench.QualityBench;
import dev.gale.bench.SamplerOverheadBench;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code gale bench overhead|concurrency|...|transports [options]}: runs a benchmark and prints its figures. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Run a benchmark and print its figures.",
                "  overhead     10,000 no-op trials (trials/s) and 1,000 trials x 100 reports (results/s)",
                "               options: --trials N --result-trials N --reports N --rounds N --cpus C --dir DIR",
                "  concurrency  one DJL training trial alone, then two at once on the cores (samples/s)",
                "               options: see `gale bench concurrency --help`",
                "  quality      every sampler x test functions x seeds: simple regret at 50 and 200 trials",
                "               options: --samplers a,b --functions x,y --seeds N --trials N --threads N",
                "  quality --vs-optuna  Gale's samplers (through Study.optimize) and Optuna 3.1's on 33 functions",
                "               options: --functions public,tuning,held-out-1,held-out,development|names --gale a,b --optuna a,b|none",
                "               --seeds N --first-seed S --trials N --at a,b --threads N --driver study|direct",
                "  sampler-overhead  ask + tell time per trial at 1-100, 901-1000, 4901-5000 trials (10-D)",
                "               options: --samplers a,b --trials N",
                "  placement    lease request -> work running on a worker JVM (p50/p99), cross-node results/s",
                "               options: --placements N --results N --trials N --dir DIR",
                "  study        a define-by-run Study: the first optimize's start-up, a second optimize of 200 trivial",
                "               trials (ms, ms/trial), and Optuna 3.1's time for the same study when python3-optuna is there",
                "               options: --trials N --rounds N --dir DIR (a storage path; default: trials kept in memory)",
                "  autoscaler   simulated tuning day (nodes, pending p50/p99, cost, idle node-hours) vs a fixed cluster,",
                "               one reconcile of 10,000 specs x 50 types x 1,000 nodes, demand -> trial on a new local node",
                "               options: --trials N --max-nodes N --seed N --no-local",
                "  train        data-parallel training: one worker vs bare DJL, 2 workers vs 1 (samples/s), all-reduce bus",
                "               bandwidth 1-64 MiB on 2 and 3 ranks vs raw loopback TCP, PyTorch DDP beside it when installed",
                "               options: --rounds N --steps N --reps N --only overhead,scaling,allreduce,tls,ddp",
                "  transports   the ring's data-plane candidates between two JVMs on 127.0.0.1: plain NIO (blocking,",
                "               selector), Netty (NIO, epoll), Aeron (UDP, IPC), a shared-memory ring: one-way and",
                "               exchange GB/s, round trips of 4 B and 64 KiB, CPU s/GB, ratios to the ring's NIO",
                "               options: --reps N --only nio,netty,aeron,shm --size-mib N --rtt N",
                "  observability  PED-ANOVA importance of 10,000 trials x 10 params (ms); the dashboard page with them",
                "               in headless Chromium (s); results reaching an open page at 1,000 results/s (ms)",
                "               options: --trials N --params N --rounds N --rate N --seconds N --importance-only --page-only"})
final class BenchCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NAME", description = "overhead | concurrency | quality | sampler-overhead | placement | study | autoscaler | train | transports | observability")
    String name;

    @picocli.CommandLine.Unmatched
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        return switch (name) {
            case "overhead" -> OverheadBench.run(args, System.out);
            case "concurrency" -> ConcurrencyBench.run(args, System.out);
            case "quality" -> QualityBench.run(args, System.out);
            case "sampler-overhead" -> SamplerOverheadBench.run(args, System.out);
            case "placement" -> dev.gale.bench.PlacementBench.run(args, System.out);
            case "study" -> dev.gale.bench.StudyBench.run(args, System.out);
            case "autoscaler" -> dev.gale.bench.AutoscalerBench.run(args, System.out);
            case "train" -> dev.gale.bench.train.TrainBench.run(args, System.out);
            case "transports" -> dev.gale.bench.train.TransportBench.run(args, System.out);
            case "observability" -> dev.gale.bench.ObservabilityBench.run(args, System.out);
            default -> throw new IllegalArgumentException("unknown benchmark '" + name
                    + "': use overhead, concurrency, quality, sampler-overhead, placement, study, autoscaler, train, transports or observability");
        };
    }
}
