package dev.gale.train.loops;

import ai.djl.Model;
import ai.djl.ndarray.NDManager;
import ai.djl.training.EasyTrain;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.Batch;
import ai.djl.training.optimizer.Adam;
import ai.djl.training.tracker.Tracker;
import dev.gale.train.CheckpointableAdam;
import dev.gale.train.TrainContext;
import dev.gale.train.TrainLoop;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * TinyModel (seeded initial parameters) with {@link CheckpointableAdam}, data-parallel, config "epochs" x "steps" steps of a
 * global batch "batch" (each rank its half); rank 0 checkpoints parameters, Adam's state and the
 * epoch after every epoch. Resumes from ctx.checkpoint(). With "killAfter" = k, rank 1 of attempt
 * 0 writes its pid to out/pid after epoch k and parks (the test kills it). Rank 0 writes its final
 * parameters to out/final_&lt;attempt&gt;.
 */
public final class AdamResumeLoop implements TrainLoop {
    @Override
    public void run(TrainContext ctx) throws Exception {
        Path out = Path.of(ctx.configString("out", "."));
        int epochs = ctx.configInt("epochs", 4);
        int steps = ctx.configInt("steps", 3);
        int batch = ctx.configInt("batch", 16);
        int killAfter = ctx.configInt("killAfter", -1);
        int per = batch / ctx.worldSize();
        CheckpointableAdam adam = CheckpointableAdam.of(Adam.builder().optLearningRateTracker(Tracker.fixed(1e-2f)));
        try (Model m = TinyModel.model(); Trainer t = TinyModel.trainer(m, adam)) {
            int start = 0;
            if (ctx.checkpoint().isPresent()) {
                Path ck = ctx.checkpoint().get();
                TinyModel.setParams(t, TinyModel.read(ck.resolve("params")));
                adam.loadState(m.getBlock(), ck.resolve("adam.state"));
                start = Integer.parseInt(Files.readString(ck.resolve("epoch")).strip()) + 1;
            } else { // the same start in every run, so two runs can be compared
                float[] p = new float[TinyModel.params(t).length];
                java.util.SplittableRandom r = new java.util.SplittableRandom(99);
                for (int i = 0; i < p.length; i++) p[i] = (float) (0.2 * r.nextGaussian());
                TinyModel.setParams(t, p);
            }
            ctx.distribute(t);
            NDManager mgr = t.getManager();
            for (int epoch = start; epoch < epochs; epoch++) {
                for (int s = 0; s < steps; s++) {
                    int from = (epoch * steps + s) * batch + ctx.worldRank() * per;
                    try (NDManager sub = mgr.newSubManager()) {
                        Batch b = new Batch(sub, TinyModel.data(sub, from, per), TinyModel.label(sub, from, per), 1, null, null, 0, 1);
                        EasyTrain.trainBatch(t, b);
                        t.step();
                    }
                }
                Map<String, Object> metrics = new LinkedHashMap<>();
                metrics.put("epoch", epoch);
                metrics.put("resumedFrom", start);
                metrics.put("adamUpdates", adam.updates());
                metrics.put("attempt", ctx.attempt());
                if (ctx.worldRank() == 0) {
                    Path ck = ctx.scratchDir().resolve("ck-" + epoch);
                    Files.createDirectories(ck);
                    TinyModel.write(ck.resolve("params"), TinyModel.params(t));
                    adam.saveState(m.getBlock(), ck.resolve("adam.state"));
                    Files.writeString(ck.resolve("epoch"), Integer.toString(epoch));
                    ctx.report(metrics, ck);
                } else {
                    ctx.report(metrics);
                }
                ctx.collective().barrier(); // rank 0's checkpoint of this epoch is with the driver
                if (ctx.worldRank() == 1 && ctx.attempt() == 0 && epoch == killAfter) {
                    Files.createDirectories(out);
                    Files.writeString(out.resolve("pid.tmp"), Long.toString(ProcessHandle.current().pid()));
                    Files.move(out.resolve("pid.tmp"), out.resolve("pid"), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                    Thread.sleep(120_000); // parked until killed
                }
            }
            if (ctx.worldRank() == 0) TinyModel.write(out.resolve("final_" + ctx.attempt()), TinyModel.params(t));
        }
    }
}
