package dev.gale.observability.experiment.internal;

import dev.gale.observability.experiment.BadLine;
import dev.gale.observability.experiment.ExperimentStatus;
import dev.gale.observability.experiment.Marker;
import dev.gale.tune.Result;
import dev.gale.tune.TrialStatus;
import dev.gale.tune.storage.ExperimentReader;
import dev.gale.tune.storage.ExperimentRecord;
import dev.gale.tune.storage.ExperimentSnapshot;
import dev.gale.tune.storage.JournalEntry;
import dev.gale.tune.storage.ResultRow;
import dev.gale.tune.storage.TrialSnapshot;

import java.nio.file.Path;
import java.util.List;


/**
 * Fills an {@link ExperimentModel} from an experiment directory, through the one reader
 * ({@link ExperimentReader}): the snapshot with the journal applied, every trial's results (lines
 * that are not JSON recorded as {@link BadLine}s), and the journal's pauses, resumptions, config
 * changes, retries, errors and interruptions as markers. Reads only; changes no file.
 */
public final class DirectoryLoader {
    private DirectoryLoader() {
    }

    /**
     * The experiment in {@code dir}, under the key {@code id}.
     *
     * @throws IllegalArgumentException when {@code dir} is not an experiment directory (the reader's message)
     */
    public static ExperimentModel load(Path dir, String id) {
        ExperimentRecord rec = ExperimentReader.read(dir);
        ExperimentSnapshot s = rec.snapshot();
        Path name = dir.toAbsolutePath().normalize().getFileName();
        ExperimentModel m = new ExperimentModel(id, s.name() != null && !s.name().isBlank() ? s.name()
                : name == null ? id : name.toString(), dir);
        m.describe(s.metric(), s.mode(), s.searcher().name(), s.scheduler().name());
        for (TrialSnapshot t : s.trials()) {
            m.trial(t.trialId(), t.status(), t.config(), t.attempts(), t.failures(), "", "", t.error(), false);
            Path trialDir = dir.resolve(t.trialId());
            List<ResultRow> rows = ExperimentReader.results(trialDir,
                    (line, text) -> m.badLine(t.trialId(), new BadLine(line, text)));
            for (ResultRow r : rows) m.result(t.trialId(), r.iteration(), r.timeTotalS(), r.timestamp(), r.metrics());
        }
        for (JournalEntry e : ExperimentReader.journal(dir)) {
            Marker.Kind kind = switch (e.event()) {
                case PAUSED -> Marker.Kind.PAUSED;
                case REQUEUED -> Marker.Kind.RESUMED;
                case CONFIG -> Marker.Kind.CONFIG_CHANGED;
                case RETRYING -> Marker.Kind.RETRIED;
                case ERROR -> Marker.Kind.ERROR;
                case INTERRUPTED -> Marker.Kind.INTERRUPTED;
                case CREATED, STARTED, TERMINATED -> null;
            };
            if (kind == null) continue;
            Object it = e.trial().lastResult().get(Result.TRAINING_ITERATION);
            String note = switch (kind) {
                case CONFIG_CHANGED -> String.valueOf(e.trial().config());
                case RETRIED, ERROR -> e.trial().error() == null ? "" : e.trial().error();
                default -> "";
            };
            m.marker(e.trial().trialId(), new Marker(it instanceof Number n ? n.longValue() : 0, kind, note));
        }
        m.status(status(rec), s.aborted());
        m.drain(); // nothing of a directory is news for a live feed
        return m;
    }

    private static ExperimentStatus status(ExperimentRecord rec) {
        if (rec.finished()) return ExperimentStatus.FINISHED;
        for (TrialSnapshot t : rec.snapshot().trials()) {
            if (t.status() == TrialStatus.INTERRUPTED) return ExperimentStatus.INTERRUPTED;
        }
        if (rec.snapshot().aborted() != null) return ExperimentStatus.ABORTED;
        return ExperimentStatus.INCOMPLETE;
    }

}
