package dev.gale.cluster.internal;

import dev.gale.cluster.GaleNode;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * The JVM's shared embedded node behind {@link GaleNode#shared()}: at most one running, started
 * once however many threads ask for it (or by {@link #prestart()} on a background thread), and
 * started anew after it was closed or stopped. Implementation detail of {@code GaleNode}; not a
 * stable API.
 *
 * <p>Promises: thread-safe; {@link #get()} returns the same running node until {@link #close()}
 * (or a close of the node) stops it; a start under way is waited for, never repeated; a start that
 * failed is thrown to its waiters and the next {@link #get()} tries again.
 */
public final class SharedNode {
    /** Guards {@link #shared} and {@link #sharedStart}. */
    private final Object lock = new Object();
    private final Supplier<GaleNode> start;
    private final Duration startTimeout;
    /** The JVM's shared embedded node, or null before the first {@link #get()}. */
    private GaleNode shared;
    /** The start of the shared node under way (by {@link #get()} or {@link #prestart()}), or null. */
    private CompletableFuture<GaleNode> sharedStart;

    /**
     * @param start        starts the node (on the calling thread), or throws
     * @param startTimeout how long {@code start} may take by its own deadlines; waiters give it 60 s more
     */
    public SharedNode(Supplier<GaleNode> start, Duration startTimeout) {
        this.start = start;
        this.startTimeout = startTimeout;
    }

    /** The running shared node: started by the first call, waited for while a start is under way. */
    public GaleNode get() {
        CompletableFuture<GaleNode> f;
        boolean starter = false;
        synchronized (lock) {
            if (shared != null && !shared.isTerminated()) return shared;
            f = sharedStart;
            if (f == null) {
                f = sharedStart = new CompletableFuture<>();
                starter = true;
            }
        }
        if (starter) startInto(f);
        return await(f);
    }

    /** Begins starting the node on a background thread, unless it runs or is starting already; returns at once. */
    public void prestart() {
        CompletableFuture<GaleNode> f;
        synchronized (lock) {
            if ((shared != null && !shared.isTerminated()) || sharedStart != null) return;
            f = sharedStart = new CompletableFuture<>();
        }
        Thread t = new Thread(() -> startInto(f), "gale-shared-node-start");
        t.setDaemon(true);
        t.start();
    }

    private void startInto(CompletableFuture<GaleNode> f) {
        try {
            GaleNode n = start.get();
            synchronized (lock) {
                shared = n;
                sharedStart = null;
            }
            f.complete(n);
        } catch (Throwable e) {
            synchronized (lock) {
                sharedStart = null;
            }
            f.completeExceptionally(e);
        }
    }

    private GaleNode await(CompletableFuture<GaleNode> f) {
        Duration wait = startTimeout.plusSeconds(60); // the start's own deadlines (bind, registration) come first
        try {
            return f.get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException re) throw re;
            if (c instanceof Error err) throw err;
            throw new IllegalStateException("the shared embedded node did not start: " + c, c);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the shared embedded node to start", e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("the shared embedded node did not start within " + wait.toSeconds() + " s", e);
        }
    }

    /** Stops the shared node, if it runs (a start under way is waited for first); the next {@link #get()} starts a new one. */
    public void close() {
        GaleNode n;
        CompletableFuture<GaleNode> starting;
        synchronized (lock) {
            starting = sharedStart;
        }
        if (starting != null) {
            try {
                await(starting);
            } catch (RuntimeException e) {
                // it did not start: nothing to stop
            }
        }
        synchronized (lock) {
            n = shared;
            shared = null;
        }
        if (n != null) n.close();
    }

    /** True when {@code node} is the running shared node. */
    public boolean is(GaleNode node) {
        synchronized (lock) {
            return node != null && node == shared;
        }
    }
}
