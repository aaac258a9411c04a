package dev.gale.tune.study;

import dev.gale.tune.Mode;

import java.nio.file.Path;

/**
 * A user's program as the quick start shows it: {@code <storageDir>} runs a small study on the
 * shared embedded node, prints {@code STUDY RETURNED <trials>}, and returns from {@code main}
 * without {@code System.exit}: the JVM must then end by itself.
 */
public final class StudyReturnMain {
    private StudyReturnMain() {
    }

    public static void main(String[] args) {
        Study study = Study.builder().name("returns").storagePath(Path.of(args[0])).mode(Mode.MIN).seed(3).quiet(true).build();
        study.optimize(t -> {
            double x = t.suggestFloat("x", -1, 1);
            return x * x;
        }, 5);
        System.out.println("STUDY RETURNED " + study.trials().size());
    }
}
