package dev.gale.examples.train;

import ai.djl.Model;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Adam;
import ai.djl.training.tracker.Tracker;
import dev.gale.examples.FashionMnist;
import dev.gale.train.CheckpointableAdam;
import dev.gale.train.DataParallelTrainer;
import dev.gale.train.ShardedDataset;
import dev.gale.train.TrainContext;
import dev.gale.train.TrainLoop;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@link FashionMnistSingleProcess} made data-parallel: the same model, optimizer and EasyTrain
 * loop; each worker draws its shard of the named data set "train" ({@code ctx.datasetShard}, built in
 * the worker by {@link FashionMnistData.Train}), {@code ctx.distribute(trainer)}
 * broadcasts rank 0's parameters and averages the gradients every step, and rank 0 evaluates,
 * reports and checkpoints (parameters, Adam's state and epoch) after each epoch.
 *
 * <p>Config: {@code model} (mlp | cnn, default mlp), {@code epochs} (10), {@code batch} (per
 * worker, 64: the global batch is batch x workers), {@code lr} (1e-3), {@code seed} (42),
 * {@code train_subset} (60,000), {@code test_size} (10,000). Resumes from {@code ctx.checkpoint()}:
 * loads the parameters and Adam's state ({@link CheckpointableAdam}) and goes on with the next epoch.
 */
public final class FashionMnistLoop implements TrainLoop {
    static final String MODEL_NAME = "fmnist";
    static final String ADAM_STATE = "adam.state";

    /** A trainer builder for this loop with its data set registered (the shard's batch and seed come from the config). */
    public static DataParallelTrainer.Builder trainer() {
        return DataParallelTrainer.builder(FashionMnistLoop.class).dataset("train", FashionMnistData.Train.class);
    }

    @Override
    public void run(TrainContext ctx) throws Exception {
        String modelName = ctx.configString("model", "mlp");
        int epochs = ctx.configInt("epochs", 10);
        int batch = ctx.configInt("batch", 64);
        float lr = (float) ctx.configDouble("lr", 1e-3);
        long seed = ctx.configInt("seed", 42);
        FashionMnist.Split test = FashionMnist.test();
        int testSize = Math.min(test.size(), ctx.configInt("test_size", test.size()));
        int start = 1;
        try (Model model = Model.newInstance(MODEL_NAME, ctx.device())) {
            model.setBlock(FashionMnistModels.block(modelName));
            if (ctx.checkpoint().isPresent()) {                                     // resume
                Path ck = ctx.checkpoint().get();
                start = Integer.parseInt(Files.readString(ck.resolve("epoch")).strip()) + 1;
                model.load(ck, MODEL_NAME);
            }
            CheckpointableAdam adam = CheckpointableAdam.of(Adam.builder().optLearningRateTracker(Tracker.fixed(lr)));
            DefaultTrainingConfig cfg = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss()).optOptimizer(adam);
            try (Trainer trainer = model.newTrainer(cfg)) {
                trainer.initialize(new Shape(1, 784));
                if (ctx.checkpoint().isPresent() && Files.exists(ctx.checkpoint().get().resolve(ADAM_STATE))) {
                    adam.loadState(model.getBlock(), ctx.checkpoint().get().resolve(ADAM_STATE));
                }
                ctx.distribute(trainer);                                              // + the one line
                ShardedDataset data = ctx.datasetShard("train", batch, seed);        // this rank's shard
                data.sampler().setEpoch(start);
                for (int epoch = start; epoch <= epochs; epoch++) {
                    long t0 = System.nanoTime();
                    EasyTrain.fit(trainer, 1, data, null);
                    double seconds = (System.nanoTime() - t0) / 1e9;
                    long samples = (long) data.stepsPerEpoch() * batch * ctx.worldSize();
                    if (ctx.worldRank() != 0) continue;
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("epoch", epoch);
                    m.put("test_accuracy", FashionMnistModels.accuracy(trainer, test, testSize));
                    m.put("samples_per_s", samples / seconds);
                    m.put("train_s", seconds);
                    m.put("workers", ctx.worldSize());
                    Path ck = ctx.scratchDir().resolve("ck-" + epoch);
                    Files.createDirectories(ck);
                    model.save(ck, MODEL_NAME);
                    adam.saveState(model.getBlock(), ck.resolve(ADAM_STATE));            // Adam's moments and count
                    Files.writeString(ck.resolve("epoch"), Integer.toString(epoch));
                    ctx.report(m, ck);
                }
            }
        }
    }
}
