package dev.gale.bench.train;

import ai.djl.Model;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.Batch;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import dev.gale.train.TrainContext;
import dev.gale.train.TrainLoop;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The worker side of {@code gale bench train}, by config {@code mode}:
 * <ul>
 *   <li>{@code mlp}: the 784-256-10 MLP, Adam 1e-3, {@code batch} samples per rank per step on
 *       synthetic data, {@code warmup} steps then {@code steps} timed steps; {@code distribute}
 *       false runs the bare DJL loop (no Gale call per step; with several workers each trains
 *       alone, started and stopped by a barrier). Rank 0 reports the aggregate samples/s
 *       (world x batch x steps / time: ranks step in lockstep, or end at the same barrier);
 *       {@code lockstep} adds a barrier to every step of the bare loop (ranks step together but
 *       exchange no gradients).</li>
 *   <li>{@code allreduce}: for each size in {@code sizes} (MiB), {@code reps} timed all-reduces
 *       after two untimed ones; rank 0 reports the median seconds per size.</li>
 * </ul>
 */
public final class TrainBenchLoop implements TrainLoop {
    @Override
    public void run(TrainContext ctx) throws Exception {
        if (ctx.configString("mode", "mlp").equals("allreduce")) {
            allReduce(ctx);
        } else {
            mlp(ctx);
        }
    }

    private static void mlp(TrainContext ctx) {
        int batch = ctx.configInt("batch", 128);
        int warmup = ctx.configInt("warmup", 30);
        int steps = ctx.configInt("steps", 300);
        boolean distribute = ctx.configInt("distribute", 1) == 1;
        boolean lockstep = ctx.configInt("lockstep", 0) == 1;
        SequentialBlock block = new SequentialBlock()
                .add(Linear.builder().setUnits(256).build())
                .add(Activation::relu)
                .add(Linear.builder().setUnits(10).build());
        try (Model m = Model.newInstance("bench")) {
            m.setBlock(block);
            DefaultTrainingConfig cfg = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                    .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(1e-3f)).build());
            try (Trainer t = m.newTrainer(cfg)) {
                t.initialize(new Shape(1, 784));
                if (distribute) ctx.distribute(t);
                int pool = 16;
                float[][] xs = new float[pool][batch * 784];
                float[][] ys = new float[pool][batch];
                SplittableRandom r = new SplittableRandom(17 + ctx.worldRank());
                for (int p = 0; p < pool; p++) {
                    for (int i = 0; i < xs[p].length; i++) xs[p][i] = (float) r.nextDouble();
                    for (int i = 0; i < batch; i++) ys[p][i] = r.nextInt(10);
                }
                long t0 = 0;
                for (int s = 0; s < warmup + steps; s++) {
                    if (s == warmup) {
                        if (ctx.worldSize() > 1) ctx.collective().barrier(); // ranks that never all-reduce start together too
                        t0 = System.nanoTime();
                    }
                    try (NDManager sub = t.getManager().newSubManager()) {
                        Batch b = new Batch(sub, new ai.djl.ndarray.NDList(sub.create(xs[s % pool], new Shape(batch, 784))),
                                new ai.djl.ndarray.NDList(sub.create(ys[s % pool], new Shape(batch))), 1, null, null, 0, 1);
                        EasyTrain.trainBatch(t, b);
                        if (lockstep) ctx.collective().barrier();
                        t.step();
                    }
                }
                if (ctx.worldSize() > 1) ctx.collective().barrier();
                double sec = (System.nanoTime() - t0) / 1e9;
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("samples_per_s", (double) ctx.worldSize() * batch * steps / sec);
                out.put("seconds", sec);
                ctx.report(out);
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static void allReduce(TrainContext ctx) {
        List<Object> sizes = (List<Object>) ctx.config().get("sizes");
        int reps = ctx.configInt("reps", 10);
        Map<String, Object> out = new LinkedHashMap<>();
        float[] warm = new float[4 << 20];
        for (int k = 0; k < 5; k++) ctx.collective().allReduce(warm); // the JIT compiles the ring's loops before any size is timed
        for (Object o : sizes) {
            int mib = ((Number) o).intValue();
            float[] buf = new float[mib * (1 << 20) / 4];
            for (int i = 0; i < buf.length; i++) buf[i] = 1e-3f * (i % 1000);
            double[] secs = new double[reps];
            for (int k = -2; k < reps; k++) {
                ctx.collective().barrier();
                long t0 = System.nanoTime();
                ctx.collective().allReduce(buf);
                if (k >= 0) secs[k] = (System.nanoTime() - t0) / 1e9;
            }
            // every rank's time ends when its own copy is complete; take the slowest rank's per repetition
            ctx.collective().allReduce(new float[0]);
            java.util.Arrays.sort(secs);
            float[] med = {(float) secs[reps / 2]};
            float[] all = new float[ctx.worldSize()];
            all[ctx.worldRank()] = med[0];
            ctx.collective().allReduce(all);
            double worst = 0;
            for (float v : all) worst = Math.max(worst, v);
            out.put("s_" + mib, worst);
        }
        out.put("data_plane", ctx.collective().dataPlane());
        ctx.report(out);
    }
}
