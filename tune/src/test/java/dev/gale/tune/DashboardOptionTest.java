package dev.gale.tune;

import dev.gale.tune.callback.DashboardOptions;
import dev.gale.tune.study.Study;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The dashboard options of {@link RunConfig} and {@link Study}: validated when made, kept by every
 * {@code with...}, and, without gale-observability on the classpath (as in this module's tests),
 * refused when the Tuner or Study is built, naming the module to add.
 */
class DashboardOptionTest {
    @Test
    void withoutTheObservabilityModuleTheTunerIsRefusedWhenBuilt() {
        RunConfig rc = RunConfig.defaults().withDashboard(DashboardOptions.local(0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Tuner.builder(ctx -> ctx.report(Map.of("loss", 1.0))).runConfig(rc).build());
        assertTrue(e.getMessage().startsWith("RunConfig.withDashboard(...) needs the dashboard module")
                && e.getMessage().contains("dev.gale:gale-observability"), e.getMessage());
    }

    @Test
    void withoutTheObservabilityModuleTheStudyIsRefusedWhenBuilt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Study.builder().dashboard(DashboardOptions.local(0)).quiet(true).seed(1).build());
        assertTrue(e.getMessage().startsWith("Study.builder().dashboard(...) needs the dashboard module")
                && e.getMessage().contains("dev.gale:gale-observability"), e.getMessage());
    }

    @Test
    void optionsAreValidatedAndKept() {
        assertThrows(IllegalArgumentException.class, () -> DashboardOptions.local(70_000));
        IllegalArgumentException open = assertThrows(IllegalArgumentException.class, () -> new DashboardOptions("0.0.0.0", 0, " "));
        assertTrue(open.getMessage().contains("needs a token"), open.getMessage());
        assertEquals("s3cret", new DashboardOptions("0.0.0.0", 0, "s3cret").token());
        DashboardOptions d = DashboardOptions.local(DashboardOptions.DEFAULT_PORT);
        RunConfig rc = new RunConfig("n", null, true, 1000).withDashboard(d);
        assertEquals(d, rc.withName("m").withQuiet(false).withCallbackQueueSize(5).withHandleSignals(false).dashboard());
        assertNull(new RunConfig("n", null, true, 1000).dashboard(), "none by default");
    }
}
