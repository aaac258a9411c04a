package dev.gale.train.loops;

import dev.gale.train.TrainContext;
import dev.gale.train.TrainLoop;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Epochs of all-reduces with a checkpoint (the epoch and a running sum) reported by rank 0 after
 * each; resumes from ctx.checkpoint(). With config "killAfter" = k, rank 1 of attempt 0 writes its
 * pid to out/pid after epoch k (the test then kills it). Each epoch sleeps "epochMillis".
 */
public final class CheckpointLoop implements TrainLoop {
    @Override
    public void run(TrainContext ctx) throws Exception {
        int epochs = ctx.configInt("epochs", 6);
        int killAfter = ctx.configInt("killAfter", -1);
        long epochMillis = ctx.configInt("epochMillis", 100);
        Path out = Path.of(ctx.configString("out", "."));
        int start = 0;
        double sum = 0;
        if (ctx.checkpoint().isPresent()) {
            String[] s = Files.readString(ctx.checkpoint().get().resolve("state.txt")).strip().split(" ");
            start = Integer.parseInt(s[0]) + 1;
            sum = Double.parseDouble(s[1]);
        }
        for (int epoch = start; epoch < epochs; epoch++) {
            for (int step = 0; step < 5; step++) {
                float[] v = {ctx.worldRank() + 1f};
                ctx.collective().allReduce(v);
                sum += v[0];
                Thread.sleep(epochMillis / 5);
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("epoch", epoch);
            m.put("sum", sum);
            m.put("resumedFrom", start);
            m.put("world", ctx.worldSize());
            m.put("attempt", ctx.attempt());
            if (ctx.worldRank() == 0) {
                Path ck = ctx.scratchDir().resolve("ck-" + epoch);
                Files.createDirectories(ck);
                Files.writeString(ck.resolve("state.txt"), epoch + " " + sum);
                ctx.report(m, ck);
            } else {
                ctx.report(m);
            }
            if (ctx.worldRank() == 1 && ctx.attempt() == 0 && epoch == killAfter) {
                Files.createDirectories(out);
                Files.writeString(out.resolve("pid.tmp"), Long.toString(ProcessHandle.current().pid()));
                Files.move(out.resolve("pid.tmp"), out.resolve("pid"), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            }
        }
    }
}
