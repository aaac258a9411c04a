package dev.gale.tune.internal;

import dev.gale.tune.CheckpointConfig;
import dev.gale.tune.Mode;
import dev.gale.tune.Result;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CheckpointRetentionTest {
    static Result result(long it, double acc) {
        return new Result("t", it, it, it, Map.of("acc", acc));
    }

    static String name(long it) {
        return String.format("checkpoint_%06d", it);
    }

    @Test
    void keepAllDeletesNothing() {
        CheckpointRetention r = new CheckpointRetention(CheckpointConfig.KEEP_ALL);
        for (int i = 1; i <= 50; i++) assertEquals(List.of(), r.added("t", name(i), result(i, i)));
    }

    @Test
    void keepLatestKeepsTheNewestN() {
        CheckpointRetention r = new CheckpointRetention(CheckpointConfig.keepLatest(2));
        assertEquals(List.of(), r.added("t", name(1), result(1, 0)));
        assertEquals(List.of(), r.added("t", name(2), result(2, 0)));
        assertEquals(List.of(name(1)), r.added("t", name(3), result(3, 0)));
        assertEquals(List.of(name(2)), r.added("t", name(4), result(4, 0)));
        assertEquals(List.of(), r.added("other", name(1), result(1, 0)), "trials are counted apart");
    }

    @Test
    void keepBestKeepsTheBestByScoreAndAlwaysTheNewest() {
        CheckpointRetention r = new CheckpointRetention(CheckpointConfig.keepBest(1, "acc", Mode.MAX));
        assertEquals(List.of(), r.added("t", name(1), result(1, 0.9)));
        // the newest (worse) one stays: a retry or a resume starts from it
        assertEquals(List.of(), r.added("t", name(2), result(2, 0.5)));
        // a third, still worse: the second is neither best nor newest any more
        assertEquals(List.of(name(2)), r.added("t", name(3), result(3, 0.4)));
        // a better one: the old best goes, and the previous newest too
        List<String> gone = r.added("t", name(4), result(4, 0.95));
        assertEquals(List.of(name(1), name(3)), gone);
    }

    @Test
    void minimizingAndUnscoredCheckpoints() {
        CheckpointRetention r = new CheckpointRetention(CheckpointConfig.keepBest(1, "loss", Mode.MIN));
        r.added("t", name(1), new Result("t", 1, 1, 1, Map.of("loss", 0.3)));
        r.added("t", name(2), new Result("t", 2, 2, 2, Map.of()));
        assertEquals(List.of(name(2)), r.added("t", name(3), new Result("t", 3, 3, 3, Map.of("loss", 0.5))),
                "a checkpoint without the score ranks last");
    }

    @Test
    void aPinnedCheckpointIsKeptUntilUnpinned() {
        CheckpointRetention r = new CheckpointRetention(CheckpointConfig.keepLatest(1));
        r.added("donor", name(1), result(1, 0));
        r.pin("donor", name(1));
        assertEquals(List.of(), r.added("donor", name(2), result(2, 0)), "an exploit starts from checkpoint 1");
        r.unpin("donor", name(1));
        assertEquals(List.of(name(1), name(2)), r.added("donor", name(3), result(3, 0)));
    }

    @Test
    void randomSequencesNeverDeleteTheNewestOrAPinnedOneOrTheSameTwice() {
        SplittableRandom rnd = new SplittableRandom(42);
        for (int run = 0; run < 200; run++) {
            int keep = 1 + rnd.nextInt(4);
            CheckpointRetention r = new CheckpointRetention(rnd.nextBoolean() ? CheckpointConfig.keepLatest(keep)
                    : CheckpointConfig.keepBest(keep, "acc", rnd.nextBoolean() ? Mode.MAX : Mode.MIN));
            List<String> alive = new ArrayList<>();
            List<String> pinned = new ArrayList<>();
            for (int i = 1; i <= 60; i++) {
                if (!alive.isEmpty() && rnd.nextInt(10) == 0) {
                    String p = alive.get(rnd.nextInt(alive.size()));
                    r.pin("t", p);
                    pinned.add(p);
                }
                if (!pinned.isEmpty() && rnd.nextInt(10) == 0) r.unpin("t", pinned.remove(rnd.nextInt(pinned.size())));
                String n = name(i);
                alive.add(n);
                List<String> gone = r.added("t", n, result(i, rnd.nextDouble()));
                assertFalse(gone.contains(n), "the newest checkpoint is never deleted");
                for (String g : gone) {
                    assertTrue(alive.remove(g), g + " deleted twice, or never added");
                    assertFalse(pinned.contains(g), g + " is pinned");
                }
                assertTrue(alive.size() <= keep + 1 + pinned.size(), "kept " + alive + " with keep " + keep + ", pinned " + pinned);
            }
        }
    }

    @Test
    void invalidConfigsNameTheField() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new CheckpointConfig(-1, null, null))
                .getMessage().contains("numToKeep"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new CheckpointConfig(2, "acc", null))
                .getMessage().contains("scoreOrder"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> CheckpointConfig.keepLatest(0))
                .getMessage().contains("keepLatest"));
    }
}
