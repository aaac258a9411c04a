package dev.gale.tune.storage.internal;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The one thread a store writes on: tasks run in submission order; the first failure is kept and
 * every write task after it is skipped (tasks queued with {@link #always} still run: reads,
 * barriers, closing files).
 */
final class StoreWriter {
    /** A write that may fail with an I/O error. */
    interface IoTask {
        void run() throws IOException;
    }

    private final String what;
    private final java.util.concurrent.ThreadPoolExecutor exec;
    private volatile IoTask idle = () -> { };
    private volatile IOException failure;
    private volatile boolean shutdown;

    /** A writer thread named {@code gale-storage-<name>}; {@code what} names the store in messages. */
    StoreWriter(String name, String what) {
        this.what = what;
        this.exec = new java.util.concurrent.ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
                new java.util.concurrent.LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "gale-storage-" + name);
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Sets what pushes out the effect of {@link #writeBatched} writes (the store's journal buffer):
     * run before any other task after them, and when the queue is empty. Skipped once a failure is kept.
     */
    void whenIdle(IoTask task) {
        this.idle = task;
    }

    /** The first failure, or null. */
    IOException failure() {
        return failure;
    }

    /** Keeps {@code e} as the failure unless there is one already. */
    synchronized void fail(IOException e) {
        if (failure == null) failure = e;
    }

    /** Queues a write (skipped once a failure is kept). */
    void write(IoTask task) {
        submit(() -> runWrite(task), false);
    }

    /**
     * Queues a write whose effect may wait in a buffer until the next write of another kind, the
     * next {@link #always} task or the moment the queue is empty, whichever comes first: the
     * {@link #whenIdle} task pushes it out then (a burst of journal lines costs one write, and
     * the order of writes across files is kept).
     */
    void writeBatched(IoTask task) {
        submit(() -> runWrite(task), true);
    }

    /** Writer thread only: a batched write waits for the idle task. */
    private boolean pending;

    /** Runs a write on the writer thread now (skipped once a failure is kept); only from a queued task. */
    void runWrite(IoTask task) {
        if (failure != null) return;
        try {
            task.run();
        } catch (IOException e) {
            fail(e);
        } catch (RuntimeException e) {
            fail(new IOException(e.toString(), e));
        } catch (Error e) {
            fail(new IOException(e.toString(), e));
            throw e;
        }
    }

    /** Queues a task that runs even after a failure. */
    void always(Runnable task) {
        submit(task, false);
    }

    private void flushPending() {
        pending = false;
        runWrite(idle);
    }

    /** True once {@link #shutdown} began. */
    boolean isShutdown() {
        return shutdown;
    }

    private void submit(Runnable r, boolean batched) {
        if (shutdown) throw new IllegalStateException(what + " is closed: nothing more can be written to it");
        try {
            exec.execute(() -> {
                if (!batched && pending) flushPending();
                try {
                    r.run();
                } finally {
                    if (batched) pending = true;
                    if (pending && exec.getQueue().isEmpty()) flushPending();
                }
            });
        } catch (RejectedExecutionException e) {
            throw new IllegalStateException(what + " is closed: nothing more can be written to it", e);
        }
    }

    /**
     * Stops taking tasks, runs those queued, and waits up to {@code timeout}.
     *
     * @return false when the time ran out (the thread is a daemon: it does not keep the JVM alive)
     */
    boolean shutdown(Duration timeout) {
        shutdown = true;
        exec.shutdown();
        try {
            return exec.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
