package dev.gale.tune.internal;

import dev.gale.tune.Checkpoint;
import dev.gale.tune.Result;
import dev.gale.tune.callback.Callback;
import dev.gale.tune.callback.ExperimentEnd;
import dev.gale.tune.callback.ExperimentInfo;
import dev.gale.tune.callback.TrialInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Delivers an experiment's events to its {@link Callback}s on a thread of its own, so that the
 * controller never waits for a callback. Implements the promises of {@link Callback}: events in
 * order, result events dropped (and counted) when {@code capacity} events wait, every other event
 * always delivered, a callback that throws logged once and disabled.
 *
 * <p>Called from the controller's thread only (the {@code on...} methods); {@link #close} waits a
 * bounded time for the queue to drain.
 */
final class CallbackDispatcher {
    private static final Logger LOG = LoggerFactory.getLogger(CallbackDispatcher.class);

    /** Events as they wait in the queue. */
    private sealed interface Event {
    }

    private record Start(ExperimentInfo info) implements Event {
    }

    private record TrialStart(TrialInfo trial) implements Event {
    }

    private record TrialResult(TrialInfo trial, Result result) implements Event {
    }

    private record TrialCheckpoint(TrialInfo trial, Checkpoint checkpoint, Result result) implements Event {
    }

    private record TrialComplete(TrialInfo trial) implements Event {
    }

    private record TrialError(TrialInfo trial, String error) implements Event {
    }

    private record TrialStatusChange(TrialInfo trial) implements Event {
    }

    private record Tick(double elapsedS) implements Event {
    }

    private record End(ExperimentEnd end) implements Event {
    }

    private enum Stop implements Event { INSTANCE }

    /** Implemented by built-in callbacks that redraw periodically (the progress table). */
    interface Ticking {
        /** Called about once per progress interval while the experiment runs. */
        void onTick(double elapsedS);
    }

    private final Callback[] callbacks;
    private final boolean[] disabled;
    private final int capacity;
    private final LinkedBlockingQueue<Event> queue = new LinkedBlockingQueue<>();
    private final AtomicBoolean tickPending = new AtomicBoolean();
    private final String name;
    private Thread thread;
    private long dropped;

    /**
     * @param callbacks the experiment's callbacks, called in this order
     * @param capacity  events that may wait before result events are dropped (at least 1)
     * @param name      the experiment's name (names the thread)
     */
    CallbackDispatcher(List<Callback> callbacks, int capacity, String name) {
        this.callbacks = callbacks.toArray(new Callback[0]);
        this.disabled = new boolean[this.callbacks.length];
        this.capacity = Math.max(1, capacity);
        this.name = name;
    }

    /** True when there is no callback: callers may skip building events. */
    boolean isEmpty() {
        return callbacks.length == 0;
    }

    /** Result events dropped so far because the queue was full. */
    long dropped() {
        return dropped;
    }

    void experimentStart(ExperimentInfo info) {
        offer(new Start(info));
    }

    void trialStart(TrialInfo t) {
        offer(new TrialStart(t));
    }

    void trialResult(TrialInfo t, Result r) {
        if (callbacks.length == 0) return;
        if (queue.size() >= capacity) {
            dropped++;
            return;
        }
        offer(new TrialResult(t, r));
    }

    void checkpoint(TrialInfo t, Checkpoint c, Result r) {
        offer(new TrialCheckpoint(t, c, r));
    }

    void trialComplete(TrialInfo t) {
        offer(new TrialComplete(t));
    }

    void trialError(TrialInfo t, String error) {
        offer(new TrialError(t, error));
    }

    void trialStatus(TrialInfo t) {
        offer(new TrialStatusChange(t));
    }

    /** A periodic tick for {@link Ticking} callbacks; coalesced (one waits at most). */
    void tick(double elapsedS) {
        if (callbacks.length == 0 || !tickPending.compareAndSet(false, true)) return;
        offer(new Tick(elapsedS));
    }

    /**
     * Delivers {@code end} after everything queued, then stops the thread; waits at most
     * {@code timeoutMillis} for that (a callback that hangs is left behind on its daemon thread,
     * with a warning).
     */
    void close(ExperimentEnd end, long timeoutMillis) {
        if (callbacks.length == 0) return;
        offer(new End(end));
        queue.offer(Stop.INSTANCE);
        Thread t = thread;
        if (t == null) return;
        try {
            t.join(timeoutMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (t.isAlive()) {
            LOG.warn("experiment {}: callbacks still busy {} ms after the end ({} events left); not waiting for them",
                    name, timeoutMillis, queue.size());
        }
        if (dropped > 0) {
            LOG.warn("experiment {}: {} result events were not delivered to callbacks because their queue was full"
                    + " (a slow callback; every result is in the trials' result.jsonl)", name, dropped);
        }
    }

    private void offer(Event e) {
        if (callbacks.length == 0) return;
        if (thread == null) {
            thread = Thread.ofPlatform().daemon().name("gale-callbacks-" + name).start(this::loop);
        }
        queue.offer(e);
    }

    private void loop() {
        try {
            while (true) {
                Event e = queue.poll(1, TimeUnit.HOURS);
                if (e == null) continue;
                if (e == Stop.INSTANCE) return;
                if (e instanceof Tick) tickPending.set(false);
                for (int i = 0; i < callbacks.length; i++) {
                    if (disabled[i]) continue;
                    try {
                        deliver(callbacks[i], e);
                    } catch (Throwable t) {
                        disabled[i] = true;
                        LOG.warn("experiment {}: callback {} threw on {} and is disabled for the rest of the experiment",
                                name, callbacks[i].getClass().getName(), e.getClass().getSimpleName(), t);
                    }
                }
            }
        } catch (InterruptedException ignored) {
            // the JVM is ending
        }
    }

    private static void deliver(Callback c, Event e) {
        switch (e) {
            case Start s -> c.onExperimentStart(s.info());
            case TrialStart s -> c.onTrialStart(s.trial());
            case TrialResult r -> c.onTrialResult(r.trial(), r.result());
            case TrialCheckpoint k -> c.onCheckpoint(k.trial(), k.checkpoint(), k.result());
            case TrialComplete k -> c.onTrialComplete(k.trial());
            case TrialError k -> c.onTrialError(k.trial(), k.error());
            case TrialStatusChange k -> c.onTrialStatus(k.trial());
            case Tick k -> {
                if (c instanceof Ticking t) t.onTick(k.elapsedS());
            }
            case End k -> c.onExperimentEnd(k.end());
            case Stop k -> {
                // handled by the loop
            }
        }
    }
}
