package dev.gale.tune.study;

import dev.gale.tune.search.TpeSearcher;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A driver JVM for the study crash test: {@code <storageDir> <name> <nTrials> <log>} runs
 * {@code optimize} of {@link #objective} on an embedded cluster, one trial at a time, then prints
 * {@code STUDY DONE <trials>}. The test kills it with {@code kill -9} while it runs.
 */
public final class StudyDriverMain {
    /** Steps each trial reports; each takes {@link #STEP_MS}, so a trial outlives a snapshot period. */
    static final int STEPS = 4;
    static final long STEP_MS = 300;

    private StudyDriverMain() {
    }

    /** The study both the child and the test open. */
    static Study.Builder study(Path storage, String name) {
        return Study.builder().name(name).storagePath(storage).quiet(true).seed(5).maxConcurrentTrials(1)
                .sampler(TpeSearcher.builder().nStartupTrials(3).build());
    }

    /** Logs {@code start <trial id> <x>} to {@code log}, reports {@link #STEPS} steps, returns a quadratic in x. */
    static Objective objective(Path log) {
        return trial -> {
            double x = trial.suggestFloat("x", 0, 1);
            append(log, "start " + trial.id() + " " + x);
            double v = Double.NaN;
            for (int step = 1; step <= STEPS; step++) {
                Thread.sleep(STEP_MS);
                v = (x - 0.25) * (x - 0.25) + 1.0 / step;
                trial.report(step, v);
            }
            return v;
        };
    }

    static synchronized void append(Path log, String line) {
        try {
            Files.writeString(log, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static void main(String[] args) {
        Path storage = Path.of(args[0]);
        String name = args[1];
        int n = Integer.parseInt(args[2]);
        Path log = Path.of(args[3]);
        Study study = study(storage, name).build();
        System.out.println("STUDY STARTED " + study.dir());
        study.optimize(objective(log), n);
        System.out.println("STUDY DONE " + study.trials().size());
        System.exit(0);
    }
}
