package dev.gale.observability.dashboard;

import dev.gale.observability.experiment.ExperimentStatus;
import dev.gale.observability.experiment.ExperimentView;
import dev.gale.observability.experiment.Marker;
import dev.gale.observability.experiment.TrialView;
import dev.gale.tune.Mode;
import dev.gale.tune.Result;
import dev.gale.tune.TrialStatus;
import dev.gale.tune.callback.ExperimentEnd;
import dev.gale.tune.callback.ExperimentInfo;
import dev.gale.tune.callback.TrialInfo;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The live callback turns a trial's events into its row, its curve and the decisions marked on it. */
class DashboardCallbackTest {
    private static TrialInfo t(TrialStatus s, Map<String, Object> config, int attempt, int failures, String error) {
        return new TrialInfo("t1", s, config, attempt, failures, Path.of("exp", "t1"), "node-a", "0", error);
    }

    private static Result r(long it, double loss) {
        return new Result("t1", it, it, 1_700_000_000_000L + it, Map.of("loss", loss, "val", Map.of("acc", it / 10.0)));
    }

    @Test
    void decisionsAreMarkedWhereTheyHappened() throws Exception {
        try (Dashboard d = Dashboard.start(DashboardConfig.local(0))) {
            DashboardCallback cb = d.callback();
            ExperimentInfo info = new ExperimentInfo("pbt run", Path.of("exp"), "loss", Mode.MIN, 1, "random", "pbt", false, 0);
            cb.onExperimentStart(info);
            assertEquals("pbt_run", cb.experimentId(), "a URL-safe id");
            assertEquals(ExperimentStatus.RUNNING, d.experiments().get(0).status());
            Map<String, Object> c1 = Map.of("lr", 0.1, "opt", Map.of("wd", 0.01));
            cb.onTrialStart(t(TrialStatus.RUNNING, c1, 1, 0, null));
            cb.onTrialResult(t(TrialStatus.RUNNING, c1, 1, 0, null), r(1, 0.9));
            cb.onTrialResult(t(TrialStatus.RUNNING, c1, 1, 0, null), r(2, 0.8));
            cb.onTrialStatus(t(TrialStatus.PAUSED, c1, 1, 0, null));
            cb.onTrialStatus(t(TrialStatus.PENDING, c1, 1, 0, null));
            Map<String, Object> c2 = Map.of("lr", 0.2, "opt", Map.of("wd", 0.01));
            cb.onTrialStart(t(TrialStatus.RUNNING, c2, 1, 0, null));
            cb.onTrialResult(t(TrialStatus.RUNNING, c2, 1, 0, null), r(3, 0.7));
            cb.onTrialStatus(t(TrialStatus.PENDING, c2, 2, 1, "worker lost"));
            cb.onTrialStart(t(TrialStatus.RUNNING, c2, 2, 1, null));
            cb.onTrialResult(t(TrialStatus.RUNNING, c2, 2, 1, null), r(4, 0.6));
            cb.onTrialError(t(TrialStatus.ERROR, c2, 2, 2, "diverged"), "diverged");
            cb.onTrialStatus(t(TrialStatus.ERROR, c2, 2, 2, "diverged"));
            cb.onExperimentEnd(new ExperimentEnd(info, ExperimentEnd.Outcome.FINISHED, "", List.of(), 1));

            ExperimentView e = d.experiments().get(0);
            assertEquals(ExperimentStatus.FINISHED, e.status());
            assertEquals(java.util.Set.of("lr", "opt.wd"), java.util.Set.copyOf(e.params()), "the config flattened with '.'");
            assertTrue(e.metrics().containsAll(List.of("loss", "val/acc", "training_iteration", "time_total_s")), e.metrics().toString());
            TrialView tv = e.trial("t1");
            assertEquals(TrialStatus.ERROR, tv.status());
            assertEquals("diverged", tv.error());
            assertEquals("node-a", tv.node());
            assertEquals(4, tv.curve().size());
            assertEquals(0.6, tv.metric("loss"));
            assertEquals(0.4, tv.curve().value("val/acc", 3), 1e-12);
            List<String> marks = tv.markers().stream().map(m -> m.kind() + "@" + m.iteration()).toList();
            assertEquals(List.of("PAUSED@2", "RESUMED@2", "CONFIG_CHANGED@2", "RETRIED@3", "ERROR@4"), marks);
            Marker change = tv.markers().get(2);
            assertEquals("lr: 0.1 → 0.2", change.note());
        }
    }
}
