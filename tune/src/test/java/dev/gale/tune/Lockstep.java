package dev.gale.tune;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Keeps the trials of a population test within one step of each other, so that what a population
 * scheduler decides (who is in the bottom quantile at a perturbation) does not depend on how a
 * loaded machine schedules the trials' threads. Every wait is bounded (10 s): a trial that stopped
 * for good never holds the others up for longer.
 */
public final class Lockstep {
    private final int size;
    private final Map<String, Long> at = new ConcurrentHashMap<>();

    /** For a population of {@code size} trials. */
    public Lockstep(int size) {
        this.size = size;
    }

    /** Called by trial {@code id} before it reports {@code step}: waits until every other trial has reported {@code step - 1}. */
    public void before(String id, long step) throws InterruptedException {
        at.put(id, step - 1);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline && (at.size() < size || behind(step - 1))) Thread.sleep(2);
    }

    /** Trial {@code id} has run its last step. */
    public void finished(String id) {
        at.put(id, Long.MAX_VALUE);
    }

    private boolean behind(long step) {
        for (long s : at.values()) if (s < step) return true;
        return false;
    }
}
