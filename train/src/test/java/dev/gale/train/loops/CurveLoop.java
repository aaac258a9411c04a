package dev.gale.train.loops;

import dev.gale.train.TrainContext;
import dev.gale.train.TrainLoop;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A synthetic learning curve trained by a group: every iteration all ranks all-reduce their rank
 * (a real collective), and rank 0 reports score = a + b * t with a checkpoint of t.
 */
public final class CurveLoop implements TrainLoop {
    /** Curve i: score(t) = A[i] + B[i] * t. */
    static final double[] A = {5, 1, 6};
    static final double[] B = {0, 1, -0.5};

    @Override
    public void run(TrainContext ctx) throws Exception {
        int curve = ctx.configInt("curve", 0);
        double a = A[curve];
        double b = B[curve];
        int start = 1;
        if (ctx.checkpoint().isPresent()) start = Integer.parseInt(Files.readString(ctx.checkpoint().get().resolve("t")).strip()) + 1;
        for (int t = start; t <= 100; t++) {
            float[] v = {1f};
            ctx.collective().allReduce(v);
            Map<String, Object> m = Map.of("score", a + b * t, "world", (double) v[0]);
            if (ctx.worldRank() == 0) {
                Path ck = ctx.scratchDir().resolve("ck");
                Files.createDirectories(ck);
                Files.writeString(ck.resolve("t"), Integer.toString(t));
                ctx.report(m, ck);
            }
        }
    }
}
