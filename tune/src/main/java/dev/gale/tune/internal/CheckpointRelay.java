package dev.gale.tune.internal;

import dev.gale.tune.storage.ExperimentStore;

import java.nio.file.Path;

/**
 * Checkpoints of trials on nodes that do not share the experiment's storage: chunks sent ahead of
 * the result naming them are unpacked into the trial directory, and a retried attempt's checkpoint
 * is read back to it in chunks. Confined to the controller; the store does the I/O in order.
 */
final class CheckpointRelay {
    private final ExperimentStore store;

    CheckpointRelay(ExperimentStore store) {
        this.store = store;
    }

    /** A chunk of a running trial's checkpoint (names outside {@code checkpoint_*} are refused). */
    void chunk(TrialProtocol.CheckpointChunk c) {
        String n = c.name();
        if (!n.startsWith("checkpoint_") || n.contains("/") || n.contains("..")) return;
        store.checkpointChunk(c.trialId(), n, c.seq(), c.last(), c.data());
    }

    /** A node asks for a checkpoint directory; only directories inside the experiment are sent. */
    void fetch(TrialProtocol.CheckpointFetch f) {
        Path want = Path.of(f.path()).normalize();
        AttemptInbox to = f.replyTo();
        if (!want.startsWith(store.dir())) {
            to.tell(new CheckpointTransfer.Data(0, true, new byte[0], "checkpoint " + f.path()
                    + " is outside the experiment directory " + store.dir()));
            return;
        }
        store.readCheckpoint(want, new ExperimentStore.ChunkSink() {
            @Override
            public void chunk(int seq, boolean last, byte[] data) {
                to.tell(new CheckpointTransfer.Data(seq, last, data, null));
            }

            @Override
            public void failed(String error) {
                to.tell(new CheckpointTransfer.Data(0, true, new byte[0], error));
            }
        });
    }
}
