package dev.gale.train.loops;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.dataset.RandomAccessDataset;
import dev.gale.train.DatasetFactory;
import dev.gale.train.TrainContext;

/** Records 0..size-1 (config "size", default 50) whose one feature is the record's own index. */
public final class IndexDataset implements DatasetFactory {
    @Override
    public RandomAccessDataset create(NDManager manager, TrainContext ctx) {
        int n = ctx.configInt("size", 50);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = i;
        return new ArrayDataset.Builder().setData(manager.create(x, new Shape(n, 1)))
                .optLabels(manager.create(x, new Shape(n))).setSampling(1, false).build();
    }

    /** The same records, twice as many (a second registered name). */
    public static final class Double implements DatasetFactory {
        @Override
        public RandomAccessDataset create(NDManager manager, TrainContext ctx) {
            int n = 2 * ctx.configInt("size", 50);
            float[] x = new float[n];
            for (int i = 0; i < n; i++) x[i] = i;
            return new ArrayDataset.Builder().setData(manager.create(x, new Shape(n, 1)))
                    .optLabels(manager.create(x, new Shape(n))).setSampling(1, false).build();
        }
    }
}
