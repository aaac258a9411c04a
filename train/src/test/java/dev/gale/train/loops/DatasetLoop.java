package dev.gale.train.loops;

import ai.djl.ndarray.NDManager;
import ai.djl.training.dataset.Batch;
import dev.gale.train.ShardedDataset;
import dev.gale.train.TrainContext;
import dev.gale.train.TrainLoop;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads this rank's shard of data set "train" (batch config "batch", seed config "seed") for
 * config "epochs" epochs and writes the indexes of each epoch, in batch order, to
 * out/r&lt;rank&gt;_e&lt;epoch&gt;; writes the size of the whole "test" set to out/test_size, and the
 * message of asking for an unknown data set to out/unknown.
 */
public final class DatasetLoop implements TrainLoop {
    @Override
    public void run(TrainContext ctx) throws Exception {
        Path out = Path.of(ctx.configString("out", "."));
        Files.createDirectories(out);
        int epochs = ctx.configInt("epochs", 2);
        ShardedDataset train = ctx.datasetShard("train", ctx.configInt("batch", 4));
        try (NDManager mgr = NDManager.newBaseManager(ctx.device())) {
            for (int e = 0; e < epochs; e++) {
                List<String> idx = new ArrayList<>();
                int batches = 0;
                for (Batch b : train.getData(mgr)) {
                    for (float v : b.getData().head().toFloatArray()) idx.add(Integer.toString((int) v));
                    batches++;
                    b.close();
                }
                Files.writeString(out.resolve("r" + ctx.worldRank() + "_e" + e), String.join(" ", idx));
                if (batches != train.stepsPerEpoch()) throw new IllegalStateException(batches + " batches, expected " + train.stepsPerEpoch());
            }
        }
        Files.writeString(out.resolve("test_size"), Long.toString(ctx.dataset("test").size()));
        try {
            ctx.datasetShard("nope", 2);
            Files.writeString(out.resolve("unknown"), "no error");
        } catch (IllegalArgumentException e) {
            Files.writeString(out.resolve("unknown"), e.getMessage());
        }
        ctx.collective().barrier();
        ctx.report(java.util.Map.of("epochs", epochs));
    }
}
