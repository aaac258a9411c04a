package dev.gale.train.loops;

import ai.djl.Model;
import ai.djl.ndarray.NDManager;
import ai.djl.training.EasyTrain;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.Batch;
import dev.gale.train.TrainContext;
import dev.gale.train.TrainLoop;

import java.nio.file.Path;

/**
 * Trains TinyModel on this rank's slice of a global batch of {@code batch} samples for
 * {@code steps} steps (EasyTrain.trainBatch, then step), data-parallel through ctx.distribute.
 * Writes params0 (after the broadcast), grad_&lt;rank&gt; (the averaged gradients of the first
 * step) and params_&lt;rank&gt; (after the last step) into config "out".
 */
public final class SyncLoop implements TrainLoop {
    @Override
    public void run(TrainContext ctx) throws Exception {
        Path out = Path.of(ctx.configString("out", "."));
        int batch = ctx.configInt("batch", 32);
        int steps = ctx.configInt("steps", 1);
        boolean adam = ctx.configInt("adam", 0) == 1;
        int per = batch / ctx.worldSize();
        try (Model m = TinyModel.model(); Trainer t = TinyModel.trainer(m, adam)) {
            ctx.distribute(t);
            if (ctx.worldRank() == 0) TinyModel.write(out.resolve("params0"), TinyModel.params(t));
            NDManager mgr = t.getManager();
            for (int s = 0; s < steps; s++) {
                int from = s * batch + ctx.worldRank() * per;
                try (NDManager sub = mgr.newSubManager()) {
                    Batch b = new Batch(sub, TinyModel.data(sub, from, per), TinyModel.label(sub, from, per), 1, null, null, 0, 1);
                    EasyTrain.trainBatch(t, b);
                    if (s == 0) TinyModel.write(out.resolve("grad_" + ctx.worldRank()), TinyModel.grads(t));
                    t.step();
                }
            }
            TinyModel.write(out.resolve("params_" + ctx.worldRank()), TinyModel.params(t));
            ctx.report(java.util.Map.of("steps", steps));
        }
    }
}
