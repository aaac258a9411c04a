package dev.gale.train.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.training.Trainer;
import ai.djl.training.listener.TrainingListener;
import ai.djl.training.listener.TrainingListenerAdapter;
import ai.djl.util.Pair;

import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Makes a DJL trainer data-parallel over a {@link Ring}: broadcasts rank 0's parameters (in the
 * block's ordered, named parameter list; names and shapes checked equal on every rank first), and,
 * as a {@link TrainingListener}, averages every gradient over the ranks after each backward pass
 * (EasyTrain calls {@code onTrainingBatch} after backward and before {@code trainer.step()}): the
 * gradients are gathered into one flat buffer, all-reduced in buckets of {@value #BUCKET_FLOATS}
 * floats, scaled by 1/worldSize and written back in place into each {@code getGradient()} — on
 * the CPU straight through a view of the gradient's memory (one copy each way), elsewhere through
 * copies.
 */
public final class GradientSync extends TrainingListenerAdapter {
    /** Floats per all-reduce bucket (16 MiB). */
    static final int BUCKET_FLOATS = 4 << 20;

    private final Ring ring;
    private List<Parameter> known = List.of();
    private boolean[] direct = new boolean[0];

    public GradientSync(Ring ring) {
        this.ring = ring;
    }

    @Override
    public void onTrainingBatch(Trainer trainer, BatchData batchData) {
        syncGradients(trainer);
    }

    /** Averages the gradients of {@code trainer}'s parameters over all ranks, in place. */
    public void syncGradients(Trainer trainer) {
        if (ring.worldSize() == 1) return;
        List<Parameter> params = trainable(trainer);
        if (!params.equals(known)) {
            known = params;
            direct = new boolean[params.size()];
            for (int i = 0; i < direct.length; i++) direct[i] = aliases(params.get(i));
        }
        int total = 0;
        for (Parameter p : params) total = Math.addExact(total, Math.toIntExact(p.getArray().size()));
        float[] flat = ring.scratch(total);
        int pos = 0;
        for (int i = 0; i < params.size(); i++) {
            Parameter p = params.get(i);
            try (NDArray g = p.getArray().getGradient()) {
                int n = Math.toIntExact(g.size());
                if (direct[i]) {
                    g.toByteBuffer(true).asFloatBuffer().get(0, flat, pos, n);
                } else {
                    System.arraycopy(g.toFloatArray(), 0, flat, pos, n);
                }
                pos += n;
            }
        }
        for (int off = 0; off < total; off += BUCKET_FLOATS) {
            ring.allReduce(flat, off, Math.min(BUCKET_FLOATS, total - off));
        }
        float scale = 1f / ring.worldSize();
        for (int i = 0; i < total; i++) flat[i] *= scale;
        pos = 0;
        for (int i = 0; i < params.size(); i++) {
            Parameter p = params.get(i);
            int n = Math.toIntExact(p.getArray().size());
            try (NDArray g = p.getArray().getGradient()) {
                if (direct[i]) g.toByteBuffer(true).asFloatBuffer().put(0, flat, pos, n);
                else NdCopy.copyInto(g, flat, pos);
            }
            pos += n;
        }
    }

    /**
     * Whether {@code toByteBuffer(true)} of this parameter's gradient is a view of the gradient's own
     * memory (PyTorch on the CPU, a contiguous float32 tensor), so that it can be read and written
     * in place with one copy each way. Two views are taken; a value written through one must be
     * seen through the other (a GPU or non-contiguous tensor gives two separate copies instead);
     * the value is put back.
     */
    private static boolean aliases(Parameter p) {
        try (NDArray g = p.getArray().getGradient()) {
            if (g.getDataType() != ai.djl.ndarray.types.DataType.FLOAT32 || g.size() == 0) return false;
            java.nio.ByteBuffer view = g.toByteBuffer(true);
            if (!view.isDirect()) return false;
            java.nio.FloatBuffer a = view.asFloatBuffer();
            java.nio.FloatBuffer b = g.toByteBuffer(true).asFloatBuffer();
            float was = a.get(0);
            float probe = was == 12345.5f ? -12345.5f : 12345.5f;
            a.put(0, probe);
            boolean same = b.get(0) == probe;
            a.put(0, was);
            return same;
        } catch (RuntimeException e) {
            return false; // an engine without direct buffers: copy
        }
    }

    private static List<Parameter> trainable(Trainer trainer) {
        List<Parameter> out = new ArrayList<>();
        for (Pair<String, Parameter> e : trainer.getModel().getBlock().getParameters()) {
            Parameter p = e.getValue();
            if (p.requiresGradient() && p.isInitialized()) out.add(p);
        }
        return out;
    }

    /** Copies rank 0's parameter values to every rank, after checking that all ranks have the same parameter list. */
    public void broadcastParameters(Trainer trainer) {
        StringBuilder sig = new StringBuilder();
        List<Parameter> all = new ArrayList<>();
        for (Pair<String, Parameter> e : trainer.getModel().getBlock().getParameters()) {
            Parameter p = e.getValue();
            if (!p.isInitialized()) {
                throw new IllegalStateException("parameter " + e.getKey() + " is not initialised: call trainer.initialize(inputShape)"
                        + " before distributing the trainer");
            }
            sig.append(e.getKey()).append(p.getArray().getShape()).append(';');
            all.add(p);
        }
        byte[] mine = sig.toString().getBytes(StandardCharsets.UTF_8);
        byte[] root = ring.broadcastBytes(mine, 0);
        if (!java.util.Arrays.equals(mine, root)) {
            throw new IllegalStateException("rank " + ring.rank() + "'s model has the parameters " + sig
                    + " but rank 0's has " + new String(root, StandardCharsets.UTF_8)
                    + ": every rank must build the same model");
        }
        for (Parameter p : all) ring.broadcast(p.getArray(), 0);
    }

    /**
     * Adds this listener to an existing trainer. DJL's Trainer keeps its listeners in a private
     * list taken from its config, with no public way to add one later, so this reaches it by
     * reflection (DJL is on the class path, an unnamed module).
     */
    @SuppressWarnings("unchecked")
    public void attachTo(Trainer trainer) {
        try {
            Field f = Trainer.class.getDeclaredField("listeners");
            f.setAccessible(true);
            List<TrainingListener> list = (List<TrainingListener>) f.get(trainer);
            if (list.contains(this)) return;
            List<TrainingListener> withThis = new ArrayList<>(list); // the trainer's list may be immutable: replace it
            withThis.add(this);
            f.set(trainer, withThis);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("cannot add the gradient all-reduce to this DJL Trainer (" + e
                    + "): build it with config.addTrainingListeners(ctx.gradientSync()) and call"
                    + " ctx.broadcastParameters(trainer) after initialize", e);
        }
    }
}
