package dev.gale.tune.callback;

import java.net.URI;

/**
 * The service that serves the web dashboard during a run. {@code tune} cannot name the dashboard
 * (it lives in {@code gale-observability}, which depends on {@code tune}), so the Tuner finds an
 * implementation with {@link java.util.ServiceLoader} (listed in
 * {@code META-INF/services/dev.gale.tune.callback.DashboardProvider}) when a run asks for one with
 * {@link DashboardOptions}.
 *
 * <p>Promises (of an implementation): {@link #open} returns only once the page is served at
 * {@link Live#url()}; a port in use fails it with an {@link IllegalStateException} whose message is
 * one line naming the port and the fix.
 */
public interface DashboardProvider {
    /**
     * Starts serving a dashboard for one run, with the cluster view of {@code cluster} (the node the
     * run uses: its nodes, waiting demand and autoscaler).
     *
     * @throws IllegalStateException when the port is in use
     * @throws java.io.UncheckedIOException when the address cannot be bound for another reason
     */
    Live open(DashboardOptions options, dev.gale.cluster.GaleNode cluster);

    /**
     * A dashboard being served: its address, the callback that shows the run on it, and the hook
     * that stops it.
     */
    interface Live extends AutoCloseable {
        /** The page's address (with the token when there is one). */
        URI url();

        /** A callback showing the experiment it is registered with live on this dashboard. */
        Callback callback();

        /** Stops serving (idempotent). */
        @Override
        void close();
    }
}
