package dev.gale.train.loops;

import dev.gale.train.TrainContext;
import dev.gale.train.TrainLoop;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Failure scenarios, chosen by config "mode":
 * <ul>
 *   <li>{@code throw}: rank "rank" throws after a barrier; the others loop in all-reduces;</li>
 *   <li>{@code park}: rank "rank" writes its pid to out/pid and then sleeps (the test kills or
 *       stops it); the others loop in all-reduces.</li>
 * </ul>
 */
public final class FailLoop implements TrainLoop {
    @Override
    public void run(TrainContext ctx) throws Exception {
        String mode = ctx.configString("mode", "throw");
        int victim = ctx.configInt("rank", 1);
        ctx.collective().barrier();
        if (ctx.worldRank() == victim) {
            if (mode.equals("throw")) throw new IllegalStateException("boom on purpose in rank " + victim);
            Path out = Path.of(ctx.configString("out", "."));
            Files.createDirectories(out);
            Files.writeString(out.resolve("pid.tmp"), Long.toString(ProcessHandle.current().pid()));
            Files.move(out.resolve("pid.tmp"), out.resolve("pid"), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            Thread.sleep(600_000);
            return;
        }
        float[] buf = new float[1 << 16];
        long deadline = System.nanoTime() + 600_000_000_000L;
        while (System.nanoTime() < deadline) ctx.collective().allReduce(buf);
    }
}
