package dev.gale.train.loops;

import dev.gale.train.TrainContext;
import dev.gale.train.TrainLoop;

import java.util.Map;

/**
 * Every rank reports its own samples/s ({@code rank_samples_per_s} = 100 x (rank + 1)) before a
 * barrier; after it, rank 0 reports "reports" times (each acknowledged by the driver).
 */
public final class RateLoop implements TrainLoop {
    @Override
    public void run(TrainContext ctx) throws Exception {
        int reports = ctx.configInt("reports", 10);
        if (ctx.worldRank() != 0) ctx.report(Map.of("rank_samples_per_s", 100.0 * (ctx.worldRank() + 1)));
        ctx.collective().barrier();
        if (ctx.worldRank() != 0) return;
        for (int i = 1; i <= reports; i++) ctx.report(Map.of("step", i, "rank_samples_per_s", 100.0));
    }
}
