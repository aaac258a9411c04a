package dev.gale.tune.multinode;

import dev.gale.tune.Mode;
import dev.gale.tune.ResultGrid;
import dev.gale.tune.RunConfig;
import dev.gale.tune.TuneConfig;
import dev.gale.tune.Tuner;
import dev.gale.tune.search.Domains;
import dev.gale.tune.search.Searchers;
import dev.gale.gpu.ResourceSpec;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A driver JVM for the driver-kill test: {@code <address> <storageDir> <name> <samples> [resume]}
 * runs (or, with {@code resume}, restores) a search of {@link StepTrainable} against the cluster
 * at {@code address}, then prints {@code DRIVER DONE <terminated> <errors>}.
 */
public final class DriverMain {
    private DriverMain() {
    }

    public static void main(String[] args) {
        String address = args[0];
        Path storage = Path.of(args[1]);
        String name = args[2];
        int samples = Integer.parseInt(args[3]);
        boolean resume = args.length > 4 && args[4].equals("resume");
        Map<String, Object> space = new LinkedHashMap<>();
        space.put("x", Domains.uniform(0, 1));
        space.put("steps", 6);
        space.put("sleep_ms", 400);
        space.put("log", storage.resolve(name + "-runs.log").toString());
        Tuner.Builder b = Tuner.builder(StepTrainable.class).paramSpace(space)
                .tuneConfig(TuneConfig.builder().metric("loss").mode(Mode.MIN).numSamples(samples).maxConcurrentTrials(2)
                        .searcher(Searchers.byName("random")).seed(3).maxFailures(2).build())
                .runConfig(new RunConfig(name, storage, true, 200))
                .resources(ResourceSpec.ofCpus(1))
                .address(address);
        if (resume) b.restore(storage.resolve(name));
        ResultGrid g = b.build().fit();
        System.out.println("DRIVER DONE " + g.count(dev.gale.tune.TrialStatus.TERMINATED) + " " + g.errors().size());
        System.exit(0);
    }
}
