package dev.gale.autoscaler.internal;

import dev.gale.autoscaler.NodeProvider;
import dev.gale.autoscaler.NodeProviderFactory;
import dev.gale.autoscaler.ProviderContext;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;

/** Makes the {@code kubernetes} provider with the fabric8 client's standard configuration chain. */
public final class KubernetesProviderFactory implements NodeProviderFactory {
    @Override
    public String type() {
        return "kubernetes";
    }

    @Override
    public NodeProvider create(ProviderContext context) {
        return new KubernetesNodeProvider(context, new KubernetesClientBuilder().build(), true);
    }
}
