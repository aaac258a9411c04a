package dev.gale.examples.train;

import ai.djl.ndarray.NDManager;
import ai.djl.training.dataset.BatchSampler;
import ai.djl.training.dataset.RandomAccessDataset;
import ai.djl.training.dataset.SequenceSampler;
import dev.gale.examples.FashionMnist;
import dev.gale.train.DatasetFactory;
import dev.gale.train.TrainContext;

/**
 * Fashion-MNIST as named data sets of a {@code DataParallelTrainer}: each worker reads the files
 * of Debian's {@code dataset-fashion-mnist} itself (a DJL data set cannot cross JVMs) and Gale
 * shards it ({@code ctx.datasetShard("train", batch)}).
 */
public final class FashionMnistData {
    private FashionMnistData() {
    }

    /** The first {@code train_subset} (config, default all 60,000) training images. */
    public static final class Train implements DatasetFactory {
        @Override
        public RandomAccessDataset create(NDManager manager, TrainContext ctx) {
            FashionMnist.Split s = FashionMnist.train();
            int n = Math.min(s.size(), ctx.configInt("train_subset", s.size()));
            return FashionMnistModels.dataset(manager, s, n, new BatchSampler(new SequenceSampler(), 1, false));
        }
    }
}
