package dev.gale.train.internal;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.RandomAccessDataset;
import ai.djl.training.listener.TrainingListener;
import dev.gale.train.Collective;
import dev.gale.train.DatasetFactory;
import dev.gale.train.ShardedDataset;
import dev.gale.train.GroupStoppedException;
import dev.gale.train.ShardSampler;
import dev.gale.train.TrainContext;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/** The {@link TrainContext} of a worker JVM: its place in the group, its ring, its control link. */
final class WorkerContext implements TrainContext {
    /** How long rank 0 waits for the driver to acknowledge a report (the driver may be storing a checkpoint). */
    static final long ACK_TIMEOUT_MS = 600_000;

    private final int rank;
    private final int world;
    private final int localRank;
    private final int nodeRank;
    private final int attempt;
    private final Device device;
    private final Map<String, Object> config;
    private final Ring ring;
    private final ControlWire wire;
    private final Path checkpoint;
    private final Path scratch;
    final BlockingQueue<ControlWire.Frame> acks = new LinkedBlockingQueue<>();
    private GradientSync sync;
    private final Map<String, String> datasetFactories;
    private final List<String> datasetOrder;
    private final Map<String, RandomAccessDataset> datasets = new HashMap<>();
    private NDManager datasetManager;

    WorkerContext(int rank, int world, int localRank, int nodeRank, int attempt, Device device, Map<String, Object> config,
                  Ring ring, ControlWire wire, Path checkpoint, Path scratch, Map<String, String> datasetFactories) {
        this.datasetFactories = Map.copyOf(datasetFactories);
        this.datasetOrder = List.copyOf(datasetFactories.keySet());
        this.rank = rank;
        this.world = world;
        this.localRank = localRank;
        this.nodeRank = nodeRank;
        this.attempt = attempt;
        this.device = device;
        this.config = Map.copyOf(config);
        this.ring = ring;
        this.wire = wire;
        this.checkpoint = checkpoint;
        this.scratch = scratch;
    }

    @Override public int worldRank() { return rank; }
    @Override public int worldSize() { return world; }
    @Override public int localRank() { return localRank; }
    @Override public int nodeRank() { return nodeRank; }
    @Override public int attempt() { return attempt; }
    @Override public Device device() { return device; }
    @Override public Map<String, Object> config() { return config; }
    @Override public Collective collective() { return ring; }
    @Override public Optional<Path> checkpoint() { return Optional.ofNullable(checkpoint); }
    @Override public Path scratchDir() { return scratch; }

    @Override
    public ShardSampler shardSampler(int batchSize, long seed) {
        return new ShardSampler(batchSize, rank, world, seed, 0);
    }

    @Override
    public ShardedDataset datasetShard(String name, int batchSize, long seed) {
        return ShardedDataset.of(dataset(name), shardSampler(batchSize, seed));
    }

    @Override
    public synchronized RandomAccessDataset dataset(String name) {
        RandomAccessDataset d = datasets.get(name);
        if (d != null) return d;
        String factory = datasetFactories.get(name);
        if (factory == null) {
            throw new IllegalArgumentException("no data set named \"" + name + "\": the trainer has "
                    + (datasetOrder.isEmpty() ? "none (register one with DataParallelTrainer.builder(...).dataset(name, factory))"
                    : datasetOrder.stream().map(n -> "\"" + n + "\"").collect(Collectors.joining(", "))));
        }
        try {
            DatasetFactory f = (DatasetFactory) Class.forName(factory).getDeclaredConstructor().newInstance();
            if (datasetManager == null) datasetManager = NDManager.newBaseManager(device);
            d = f.create(datasetManager, this);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("data set \"" + name + "\" (" + factory + ") could not be built on rank " + rank + ": " + e, e);
        }
        if (d == null) throw new IllegalStateException(factory + ".create returned null for data set \"" + name + "\"");
        datasets.put(name, d);
        return d;
    }

    @Override
    public List<String> datasetNames() {
        return datasetOrder;
    }

    /** Frees the data sets' arrays (the worker is ending). */
    synchronized void closeDatasets() {
        if (datasetManager != null) datasetManager.close();
        datasetManager = null;
        datasets.clear();
    }

    @Override
    public synchronized TrainingListener gradientSync() {
        if (sync == null) sync = new GradientSync(ring);
        return sync;
    }

    @Override
    public void distribute(Trainer trainer) {
        GradientSync s = (GradientSync) gradientSync();
        s.broadcastParameters(trainer);
        s.attachTo(trainer);
    }

    @Override
    public void broadcastParameters(Trainer trainer) {
        ((GradientSync) gradientSync()).broadcastParameters(trainer);
    }

    @Override
    public void report(Map<String, ?> metrics) {
        send(metrics, null);
    }

    @Override
    public void report(Map<String, ?> metrics, Path checkpointDir) {
        if (checkpointDir == null) throw new IllegalArgumentException("checkpointDir is null: use report(metrics) without a checkpoint");
        send(metrics, checkpointDir);
    }

    private void send(Map<String, ?> metrics, Path ck) {
        if (metrics == null) throw new IllegalArgumentException("metrics is null: pass a map of numbers");
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("rank", rank);
        body.put("metrics", new LinkedHashMap<>(metrics));
        body.put("checkpoint", ck != null && rank == 0);
        try {
            byte[] blob = ck != null && rank == 0 ? DirectoryBlob.pack(ck) : null;
            wire.send(ControlWire.REPORT, body, blob);
        } catch (IOException e) {
            throw new UncheckedIOException("rank " + rank + " cannot report to the driver: " + e.getMessage(), e);
        }
        if (rank != 0) return;
        ControlWire.Frame ack;
        try {
            ack = acks.poll(ACK_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GroupStoppedException("interrupted while waiting for the driver to acknowledge a report");
        }
        if (ack == null) {
            throw new IllegalStateException("the driver did not acknowledge rank 0's report within " + ACK_TIMEOUT_MS / 1000 + " s");
        }
        if (ack.type() == ControlWire.STOP || Boolean.TRUE.equals(ack.body().get("stop"))) {
            throw new GroupStoppedException("the group was stopped: " + ack.body().getOrDefault("reason", "by the driver"));
        }
    }
}
