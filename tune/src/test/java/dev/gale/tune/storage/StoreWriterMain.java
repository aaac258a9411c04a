package dev.gale.tune.storage;

import dev.gale.tune.Mode;
import dev.gale.tune.TrialStatus;
import dev.gale.tune.storage.internal.FileExperimentStore;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A child JVM for {@link FileExperimentStoreKillTest}: drives a {@link FileExperimentStore} as a
 * controller would — 3 trials at a time, each reporting {@value #ITERATIONS} results with a
 * checkpoint every 3rd (copied in as a runner does: a {@code .tmp} directory renamed), a journal
 * entry per transition, a flush and a snapshot every 20 steps — until it is killed. Prints
 * {@code READY} once its first snapshot is written, and {@code PAST_FIRST_TRIALS} after the first
 * flush that includes a fourth trial.
 */
public final class StoreWriterMain {
    static final int ITERATIONS = 30;

    private StoreWriterMain() {
    }

    private static final class T {
        final String id;
        TrialStatus status = TrialStatus.PENDING;
        long iteration;
        Map<String, Object> last = Map.of();
        String checkpoint;
        Map<String, Object> checkpointResult = Map.of();

        T(String id) {
            this.id = id;
        }

        TrialSnapshot snap() {
            return new TrialSnapshot(id, status, Map.of("x", id), 1, 0, last, last, checkpoint, checkpointResult, null);
        }
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        FileExperimentStore store = new FileExperimentStore(dir);
        List<T> trials = new ArrayList<>();
        long[] seq = {0};
        java.util.function.Supplier<ExperimentSnapshot> state = () -> {
            List<TrialSnapshot> list = new ArrayList<>();
            for (T t : trials) list.add(t.snap());
            return new ExperimentSnapshot(ExperimentSnapshot.VERSION, "killed", "loss", Mode.MIN, 1000, 1, false, 0, null,
                    Map.of(), new ComponentState("random", Map.of("n", trials.size())), new ComponentState("fifo", null), seq[0], list);
        };
        store.snapshotNow(state.get());
        System.out.println("READY");
        System.out.flush();
        long step = 0;
        boolean past = false;
        while (true) {
            while (trials.stream().filter(t -> !t.status.isFinished()).count() < 3) {
                T t = new T(String.format("trial_%05d", trials.size() + 1));
                trials.add(t);
                store.trialConfig(t.id, Map.of("x", t.id));
                store.journal(new JournalEntry(++seq[0], System.currentTimeMillis(), JournalEntry.Event.CREATED, t.snap()));
                t.status = TrialStatus.RUNNING;
                store.journal(new JournalEntry(++seq[0], System.currentTimeMillis(), JournalEntry.Event.STARTED, t.snap()));
            }
            for (T t : trials) {
                if (t.status != TrialStatus.RUNNING) continue;
                t.iteration++;
                String ck = null;
                if (t.iteration % 3 == 0) {
                    ck = String.format("checkpoint_%06d", t.iteration);
                    Path tmp = store.trialDir(t.id).resolve(ck + ".tmp");
                    Files.createDirectories(tmp);
                    Files.writeString(tmp.resolve("state"), Long.toString(t.iteration));
                    Files.move(tmp, store.trialDir(t.id).resolve(ck), StandardCopyOption.ATOMIC_MOVE);
                }
                Map<String, Object> metrics = new LinkedHashMap<>();
                metrics.put("loss", 1.0 / t.iteration);
                metrics.put("pad", "p".repeat(64));
                ResultRow row = new ResultRow(t.id, t.iteration, t.iteration * 0.01, System.currentTimeMillis(), metrics, ck);
                store.result(t.id, row);
                t.last = row.resultMap();
                if (ck != null) {
                    t.checkpoint = ck;
                    t.checkpointResult = t.last;
                }
                if (t.iteration == ITERATIONS) {
                    store.trialClosed(t.id);
                    t.status = TrialStatus.TERMINATED;
                    store.journal(new JournalEntry(++seq[0], System.currentTimeMillis(), JournalEntry.Event.TERMINATED, t.snap()));
                }
            }
            if (++step % 20 == 0) {
                store.flush();
                store.snapshot(state, false);
                if (!past && trials.size() > 3) {
                    // the first trials ended and a fourth is on disk: the kill may come now
                    past = true;
                    System.out.println("PAST_FIRST_TRIALS");
                    System.out.flush();
                }
            }
            Thread.sleep(1);
        }
    }
}
