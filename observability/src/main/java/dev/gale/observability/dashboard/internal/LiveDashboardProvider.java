package dev.gale.observability.dashboard.internal;

import dev.gale.cluster.GaleNode;
import dev.gale.observability.dashboard.Dashboard;
import dev.gale.observability.dashboard.DashboardConfig;
import dev.gale.tune.callback.Callback;
import dev.gale.tune.callback.DashboardOptions;
import dev.gale.tune.callback.DashboardProvider;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;

/**
 * The {@link DashboardProvider} of gale-observability (listed in
 * {@code META-INF/services/dev.gale.tune.callback.DashboardProvider}): serves a {@link Dashboard}
 * for the run that asked for it with {@link DashboardOptions}, fed by its callback, showing the
 * run's cluster ({@link Dashboard#watch}), and stops it when the run ends.
 */
public final class LiveDashboardProvider implements DashboardProvider {
    /** For {@link java.util.ServiceLoader}. */
    public LiveDashboardProvider() {
    }

    @Override
    public Live open(DashboardOptions options, GaleNode node) {
        Dashboard d;
        try {
            d = Dashboard.start(new DashboardConfig(options.host(), options.port(), options.token()));
        } catch (IOException e) {
            throw new UncheckedIOException("dashboard: cannot listen on " + options.host() + ":" + options.port()
                    + ": " + e.getMessage(), e);
        }
        try {
            if (node != null) d.watch(node);
        } catch (RuntimeException e) {
            d.close();
            throw e;
        }
        Callback callback = d.callback();
        return new Live() {
            @Override
            public URI url() {
                return d.url();
            }

            @Override
            public Callback callback() {
                return callback;
            }

            @Override
            public void close() {
                d.close();
            }
        };
    }
}
