package dev.gale.autoscaler.internal;

import dev.gale.autoscaler.NodeProvider;
import dev.gale.autoscaler.NodeProviderFactory;
import dev.gale.autoscaler.ProviderContext;

/** Makes the {@code local} provider ({@link LocalNodeProvider}). */
public final class LocalProviderFactory implements NodeProviderFactory {
    @Override
    public String type() {
        return "local";
    }

    @Override
    public NodeProvider create(ProviderContext context) {
        return new LocalNodeProvider(context);
    }
}
