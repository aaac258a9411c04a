package dev.gale.cli;

import dev.gale.bench.ConcurrencyBench;
import dev.gale.bench.OverheadBench;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code gale bench overhead|concurrency [options]}: runs a benchmark and prints its figures. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Run a benchmark and print its figures.",
                "  overhead     10,000 no-op trials (trials/s) and 1,000 trials x 100 reports (results/s)",
                "               options: --trials N --result-trials N --reports N --rounds N --cpus C --dir DIR",
                "  concurrency  one DJL training trial alone, then two at once on the cores (samples/s)",
                "               options: see `gale bench concurrency --help`"})
final class BenchCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NAME", description = "overhead | concurrency")
    String name;

    @picocli.CommandLine.Unmatched
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        return switch (name) {
            case "overhead" -> OverheadBench.run(args, System.out);
            case "concurrency" -> ConcurrencyBench.run(args, System.out);
            default -> throw new IllegalArgumentException("unknown benchmark '" + name + "': use overhead or concurrency");
        };
    }
}
