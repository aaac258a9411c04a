package dev.gale.examples.train;

import ai.djl.Model;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.dataset.BatchSampler;
import ai.djl.training.dataset.RandomSampler;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import dev.gale.examples.FashionMnist;
import dev.gale.gpu.DjlRuntime;

/**
 * The "before" of the conversion example: an ordinary single-process DJL script that trains the
 * Fashion-MNIST MLP with EasyTrain. {@link FashionMnistLoop} is the same script made data-parallel;
 * docs/train.md shows the lines that differ. Run: {@code java ... FashionMnistSingleProcess [epochs]}.
 */
public final class FashionMnistSingleProcess {
    private FashionMnistSingleProcess() {
    }

    public static void main(String[] args) throws Exception {
        DjlRuntime.ensureOffline();
        int epochs = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        int batch = 128;
        FashionMnist.Split train = FashionMnist.train();
        FashionMnist.Split test = FashionMnist.test();
        try (Model model = Model.newInstance("fmnist")) {
            model.setBlock(FashionMnistModels.block("mlp"));
            DefaultTrainingConfig cfg = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                    .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(1e-3f)).build());
            try (Trainer trainer = model.newTrainer(cfg)) {
                trainer.initialize(new Shape(1, 784));
                ArrayDataset data = FashionMnistModels.dataset(trainer.getManager(), train, train.size(),
                        new BatchSampler(new RandomSampler(), batch, true));
                for (int epoch = 1; epoch <= epochs; epoch++) {
                    EasyTrain.fit(trainer, 1, data, null);
                    System.out.printf("epoch %d: test accuracy %.4f%n", epoch,
                            FashionMnistModels.accuracy(trainer, test, test.size()));
                }
            }
        }
    }
}
