package dev.gale.tune.schedulers;

import dev.gale.tune.Mode;
import dev.gale.tune.Result;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SchedulersTest {

    @Test
    void fifoAlwaysContinuesWithoutAMetric() {
        FifoScheduler f = new FifoScheduler();
        f.setup(null, null);
        for (int i = 1; i <= 100; i++) {
            // no metric at all, and absurd values: FIFO never looks
            assertSame(Decision.CONTINUE, f.onTrialResult("t" + (i % 3), new Result("t", i, i, i, Map.of())));
        }
        f.restore(f.save());
        assertThrows(IllegalArgumentException.class, () -> f.restore(Map.of("type", "asha")));
    }

    @Test
    void byName() {
        assertInstanceOf(FifoScheduler.class, Schedulers.byName("fifo"));
        assertInstanceOf(AshaScheduler.class, Schedulers.byName("ASHA"));
        assertInstanceOf(AshaScheduler.class, Schedulers.byName("async_hyperband"));
        assertInstanceOf(MedianStoppingRule.class, Schedulers.byName(" median "));
        assertEquals("median", Schedulers.byName("median_stopping_rule").name());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Schedulers.byName("pbt2"));
        assertTrue(e.getMessage().contains("pbt2") && e.getMessage().contains("fifo") && e.getMessage().contains("asha")
                && e.getMessage().contains("median"), e.getMessage());
    }

    @Test
    void freshInstancesEachTime() {
        TrialScheduler a = Schedulers.byName("asha");
        a.setup("acc", Mode.MAX);
        assertTrue(a != Schedulers.byName("asha"));
    }
}
