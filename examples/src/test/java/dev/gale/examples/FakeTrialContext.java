package dev.gale.examples;

import ai.djl.Device;
import dev.gale.gpu.Allocation;
import dev.gale.gpu.ResourceSpec;
import dev.gale.tune.Checkpoint;
import dev.gale.tune.Config;
import dev.gale.tune.TrialContext;
import dev.gale.tune.TrialStoppedException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A TrialContext for tests: records reports, copies reported checkpoints into
 * {@code trialDir/checkpoint_NNNNNN} (as the real one does), and can stop the trial after a
 * given number of reports.
 */
final class FakeTrialContext implements TrialContext {
    final Config config;
    final Path trialDir;
    final Checkpoint resumeFrom;
    final List<Map<String, Object>> reports = new ArrayList<>();
    final List<Path> checkpoints = new ArrayList<>();
    int stopAfter = Integer.MAX_VALUE;

    FakeTrialContext(Map<String, ?> config, Path trialDir, Checkpoint resumeFrom) {
        this.config = new Config(config);
        this.trialDir = trialDir;
        this.resumeFrom = resumeFrom;
    }

    @Override
    public String trialId() {
        return "trial_00000";
    }

    @Override
    public Config config() {
        return config;
    }

    @Override
    public Path trialDir() {
        return trialDir;
    }

    @Override
    public Optional<Checkpoint> checkpoint() {
        return Optional.ofNullable(resumeFrom);
    }

    @Override
    public Allocation resources() {
        return new Allocation(ResourceSpec.ofCpus(1), 1, 0, List.of(), Map.of());
    }

    @Override
    public Device device() {
        return Device.cpu();
    }

    @Override
    public int attempt() {
        return resumeFrom == null ? 0 : 1;
    }

    @Override
    public void report(Map<String, ?> metrics) {
        if (reports.size() >= stopAfter) throw new TrialStoppedException(trialId());
        reports.add(Map.copyOf(metrics));
    }

    @Override
    public void report(Map<String, ?> metrics, Checkpoint checkpoint) {
        if (reports.size() >= stopAfter) throw new TrialStoppedException(trialId());
        Path dst = trialDir.resolve(String.format("checkpoint_%06d", checkpoints.size()));
        copyTree(checkpoint.path(), dst);
        checkpoints.add(dst);
        reports.add(Map.copyOf(metrics));
    }

    @Override
    public boolean shouldStop() {
        return reports.size() >= stopAfter;
    }

    private static void copyTree(Path src, Path dst) {
        try (Stream<Path> s = Files.walk(src)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Path t = dst.resolve(src.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
