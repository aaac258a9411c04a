package dev.gale.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.optimizer.Adam;
import ai.djl.util.Pair;
import dev.gale.train.internal.NdCopy;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * DJL's {@link Adam} whose state (first and second moments of every parameter, and the update
 * count that drives the bias correction) can be saved into a checkpoint and restored, so a group
 * restarted from a checkpoint goes on with the same optimizer state instead of fresh moments.
 * DJL 0.36 keeps that state in private fields with no public accessor; this subclass sees it
 * through the protected hooks every DJL optimizer uses ({@code withDefaultState},
 * {@code updateCount}), with no reflection. The update itself is DJL's own Adam, unchanged.
 *
 * <p>Use it in place of {@code Optimizer.adam()...build()}:
 * <pre>{@code
 * CheckpointableAdam adam = CheckpointableAdam.of(Adam.builder().optLearningRateTracker(Tracker.fixed(lr)));
 * ... new DefaultTrainingConfig(loss).optOptimizer(adam) ...
 * adam.saveState(model.getBlock(), ckDir.resolve("adam.state"));     // rank 0, with the parameters
 * adam.loadState(model.getBlock(), ck.resolve("adam.state"));        // on resume, before the first step
 * }</pre>
 *
 * <p>Promises: {@link #saveState} then {@link #loadState} into a fresh instance over a block of the
 * same structure makes the next updates equal (bit for bit on one device) to those the saved
 * instance would have made. State is matched by the block's ordered parameter names, never by
 * DJL's per-JVM parameter ids. A parameter that has taken no step yet has no state and is saved as
 * such. One device per parameter (one worker per JVM).
 */
public final class CheckpointableAdam extends Adam {
    private static final int MAGIC = 0x47414441; // "GADA"
    private static final int SLOTS = 2;          // Adam asks for its means, then its variances, on every update

    private final IdentityHashMap<Map<String, Map<Device, NDArray>>, Integer> slotOf = new IdentityHashMap<>();
    private final List<Map<String, Map<Device, NDArray>>> slots = new ArrayList<>();
    private final List<Map<String, float[]>> pending = List.of(new HashMap<>(), new HashMap<>());
    private int countOffset;
    private int lastCount;

    private CheckpointableAdam(Adam.Builder builder) {
        super(builder);
    }

    /** An Adam built from {@code builder} (learning rate, betas, epsilon, weight decay, clipping, rescaling). */
    public static CheckpointableAdam of(Adam.Builder builder) {
        if (builder == null) throw new IllegalArgumentException("builder is null: pass Adam.builder()...");
        return new CheckpointableAdam(builder);
    }

    /** The update count of the last step (Adam's {@code t}; 0 before the first step). */
    public synchronized int updates() {
        return lastCount;
    }

    @Override
    protected synchronized int updateCount(String parameterId) {
        lastCount = super.updateCount(parameterId) + countOffset;
        return lastCount;
    }

    @Override
    protected synchronized NDArray withDefaultState(Map<String, Map<Device, NDArray>> state, String key, Device device,
                                                    Function<String, NDArray> defaultFunction) {
        Integer slot = slotOf.get(state);
        if (slot == null) {
            slot = slots.size();
            slotOf.put(state, slot);
            slots.add(state);
        }
        float[] restored = slot < SLOTS ? pending.get(slot).remove(key) : null;
        if (restored == null) return super.withDefaultState(state, key, device, defaultFunction);
        return super.withDefaultState(state, key, device, k -> {
            NDArray a = defaultFunction.apply(k);
            if (a.size() != restored.length) {
                throw new IllegalStateException("optimizer state for parameter " + key + " has " + restored.length
                        + " values, the parameter has " + a.size() + ": the checkpoint is of another model");
            }
            NdCopy.copyInto(a, restored, 0);
            return a;
        });
    }

    /**
     * Writes the moments of every parameter of {@code block} (in the block's parameter order, by
     * name) and the update count to {@code file}, atomically.
     */
    public synchronized void saveState(Block block, Path file) throws IOException {
        List<Pair<String, Parameter>> params = block.getParameters().stream().toList();
        Path parent = file.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = parent.resolve(file.getFileName() + ".tmp");
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp)))) {
            out.writeInt(MAGIC);
            out.writeInt(lastCount);
            out.writeInt(params.size());
            for (Pair<String, Parameter> p : params) {
                out.writeUTF(p.getKey());
                String id = p.getValue().getId();
                for (int s = 0; s < SLOTS; s++) {
                    float[] v = current(s, id);
                    if (v == null) {
                        out.writeInt(-1);
                        continue;
                    }
                    out.writeInt(v.length);
                    for (float x : v) out.writeFloat(x);
                }
            }
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private float[] current(int slot, String id) {
        if (slot < slots.size()) {
            Map<Device, NDArray> byDevice = slots.get(slot).get(id);
            if (byDevice != null && !byDevice.isEmpty()) return byDevice.values().iterator().next().toFloatArray();
        }
        return pending.get(slot).get(id); // restored but not used yet
    }

    /**
     * Restores what {@link #saveState} wrote, for {@code block} (the same structure: the same
     * parameter names in the same order). Call before the first step; calling later overwrites the
     * moments in place.
     *
     * @throws IOException           when the file is not a saved Adam state
     * @throws IllegalStateException when the parameter names differ from the block's
     */
    public synchronized void loadState(Block block, Path file) throws IOException {
        List<Pair<String, Parameter>> params = block.getParameters().stream().toList();
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
            if (in.readInt() != MAGIC) throw new IOException(file + " is not an optimizer state written by CheckpointableAdam.saveState");
            int count = in.readInt();
            int n = in.readInt();
            if (n != params.size()) {
                throw new IllegalStateException(file + " holds the state of " + n + " parameters, the block has " + params.size());
            }
            for (Pair<String, Parameter> p : params) {
                String name = in.readUTF();
                if (!name.equals(p.getKey())) {
                    throw new IllegalStateException(file + " holds parameter " + name + " where the block has " + p.getKey()
                            + ": the checkpoint is of another model");
                }
                String id = p.getValue().getId();
                for (int s = 0; s < SLOTS; s++) {
                    int len = in.readInt();
                    if (len < 0) continue;
                    float[] v = new float[len];
                    for (int i = 0; i < len; i++) v[i] = in.readFloat();
                    Map<Device, NDArray> live = s < slots.size() ? slots.get(s).get(id) : null;
                    if (live != null && !live.isEmpty()) {
                        for (NDArray a : live.values()) NdCopy.copyInto(a, v, 0);
                    } else {
                        pending.get(s).put(id, v);
                    }
                }
            }
            countOffset = count - (lastCount - countOffset);
            lastCount = count;
        }
    }
}
