package dev.gale.tune.internal;

import dev.gale.tune.callback.DashboardProvider;

import java.util.Iterator;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/** Finds the {@link DashboardProvider} (the module gale-observability) on the classpath. */
public final class Dashboards {
    private Dashboards() {
    }

    /**
     * The first provider found.
     *
     * @param option what asked for it (for the message, e.g. "RunConfig.withDashboard(...)")
     * @throws IllegalArgumentException when there is none, naming the module to add
     */
    public static DashboardProvider provider(String option) {
        try {
            Iterator<DashboardProvider> it = ServiceLoader.load(DashboardProvider.class,
                    Thread.currentThread().getContextClassLoader()).iterator();
            if (it.hasNext()) return it.next();
            it = ServiceLoader.load(DashboardProvider.class, Dashboards.class.getClassLoader()).iterator();
            if (it.hasNext()) return it.next();
        } catch (ServiceConfigurationError e) {
            throw new IllegalArgumentException(option + ": cannot load the dashboard (" + e.getMessage()
                    + "): check that gale-observability matches this version of gale-tune", e);
        }
        throw new IllegalArgumentException(option + " needs the dashboard module, which is not on the classpath:"
                + " add the dependency dev.gale:gale-observability (or remove the dashboard option)");
    }
}
