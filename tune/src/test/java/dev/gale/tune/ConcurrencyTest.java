package dev.gale.tune;

import dev.gale.cluster.GaleNode;
import dev.gale.gpu.ResourceSpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How many trials run at once: bounded by maxConcurrentTrials and by the node's resources, and reaching the bound. */
class ConcurrencyTest {
    /** A node with 2 CPUs (whatever the machine has). */
    static GaleNode node;

    @BeforeAll
    static void start() {
        node = TuneTestSupport.node(2);
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    record Interval(String trialId, long start, long end) {
    }

    /** Largest number of intervals open at one instant (an end and a start at the same instant do not overlap). */
    static int maxOverlap(List<Interval> intervals) {
        List<long[]> events = new ArrayList<>();
        for (Interval i : intervals) {
            events.add(new long[]{i.start(), +1});
            events.add(new long[]{i.end(), -1});
        }
        events.sort(Comparator.<long[]>comparingLong(e -> e[0]).thenComparingLong(e -> e[1]));
        int open = 0;
        int max = 0;
        for (long[] e : events) {
            open += (int) e[1];
            max = Math.max(max, open);
        }
        return max;
    }

    /**
     * Records its run interval; while running it waits (up to 30 s) for {@code want} trials to be
     * running at once, so that a bound that allows {@code want} is reached whatever the timing
     * (once it was, no later trial waits: the wait is on the maximum so far).
     */
    static Trainable recording(ConcurrentLinkedQueue<Interval> out, AtomicInteger active, AtomicInteger maxActive, int want) {
        return ctx -> {
            long start = System.nanoTime();
            int now = active.incrementAndGet();
            maxActive.accumulateAndGet(now, Math::max);
            try {
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (maxActive.get() < want && System.nanoTime() < deadline) Thread.sleep(5);
                for (int i = 1; i <= 3; i++) {
                    ctx.report(Map.of("score", i));
                    Thread.sleep(10);
                }
            } finally {
                active.decrementAndGet();
                out.add(new Interval(ctx.trialId(), start, System.nanoTime()));
            }
        };
    }

    @Test
    void maxConcurrentTrialsOneRunsTrialsOneAfterAnother(@TempDir Path tmp) {
        ConcurrentLinkedQueue<Interval> intervals = new ConcurrentLinkedQueue<>();
        AtomicInteger maxActive = new AtomicInteger();
        ResultGrid g = Tuner.builder(recording(intervals, new AtomicInteger(), maxActive, 1))
                .tuneConfig(TuneConfig.builder().numSamples(4).maxConcurrentTrials(1).build())
                .runConfig(TuneTestSupport.quiet("serial", tmp))
                .node(node)
                .build().fit();
        assertEquals(4, g.count(TrialStatus.TERMINATED), g.table());
        List<Interval> list = new ArrayList<>(intervals);
        assertEquals(4, list.size());
        list.sort(Comparator.comparingLong(Interval::start));
        for (int i = 1; i < list.size(); i++) {
            assertTrue(list.get(i - 1).end() <= list.get(i).start(), "trials overlap: " + list.get(i - 1) + " and " + list.get(i));
        }
        assertEquals(1, maxActive.get());
        // trials start in creation order
        assertEquals(g.trials().stream().map(TrialSummary::trialId).toList(), list.stream().map(Interval::trialId).toList());
    }

    @Test
    void oneCpuTrialsOnATwoCpuNodeRunTwoAtATime(@TempDir Path tmp) {
        ConcurrentLinkedQueue<Interval> intervals = new ConcurrentLinkedQueue<>();
        AtomicInteger maxActive = new AtomicInteger();
        ResultGrid g = Tuner.builder(recording(intervals, new AtomicInteger(), maxActive, 2))
                .resources(ResourceSpec.ofCpus(1))
                .tuneConfig(TuneConfig.builder().numSamples(5).build())
                .runConfig(TuneTestSupport.quiet("two", tmp))
                .node(node)
                .build().fit();
        assertEquals(5, g.count(TrialStatus.TERMINATED), g.table());
        assertEquals(5, intervals.size());
        assertEquals(2, maxActive.get(), "at most 2 at once, and 2 at some point");
        assertEquals(2, maxOverlap(new ArrayList<>(intervals)));
        assertEquals(2.0, node.status(Duration.ofSeconds(5)).nodes().getFirst().freeCpus(), 1e-9,
                "every lease was given back");
    }

    @Test
    void maxConcurrentTrialsBelowWhatResourcesAllow(@TempDir Path tmp) {
        ConcurrentLinkedQueue<Interval> intervals = new ConcurrentLinkedQueue<>();
        AtomicInteger maxActive = new AtomicInteger();
        ResultGrid g = Tuner.builder(recording(intervals, new AtomicInteger(), maxActive, 2))
                .resources(ResourceSpec.ofCpus(0.5))
                .tuneConfig(TuneConfig.builder().numSamples(4).maxConcurrentTrials(2).build())
                .runConfig(TuneTestSupport.quiet("cap", tmp))
                .node(node)
                .build().fit();
        assertEquals(4, g.count(TrialStatus.TERMINATED), g.table());
        assertEquals(2, maxActive.get(), "4 half-CPU trials would fit, the cap is 2");
        assertEquals(2, maxOverlap(new ArrayList<>(intervals)));
    }

    @Test
    void twoCpuTrialsOnATwoCpuNodeNeverOverlap(@TempDir Path tmp) {
        ConcurrentLinkedQueue<Interval> intervals = new ConcurrentLinkedQueue<>();
        AtomicInteger maxActive = new AtomicInteger();
        ResultGrid g = Tuner.builder(recording(intervals, new AtomicInteger(), maxActive, 1))
                .resources(ResourceSpec.ofCpus(2))
                .tuneConfig(TuneConfig.builder().numSamples(3).build())
                .runConfig(TuneTestSupport.quiet("wide", tmp))
                .node(node)
                .build().fit();
        assertEquals(3, g.count(TrialStatus.TERMINATED), g.table());
        assertEquals(1, maxOverlap(new ArrayList<>(intervals)));
        for (TrialSummary t : g.trials()) assertEquals(3, t.iterations());
    }
}
