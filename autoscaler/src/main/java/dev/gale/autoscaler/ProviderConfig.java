package dev.gale.autoscaler;

import java.util.Map;
import java.util.TreeMap;

/**
 * Which {@link NodeProvider} launches the nodes, and its cluster-wide settings (a Kubernetes
 * namespace, an AWS region, the name of the secret holding the cluster's TLS keystore, ...).
 * Never holds credentials: each provider takes them from its standard chain.
 *
 * @param type     {@code local}, {@code kubernetes}, {@code aws-ec2} or the type of a provider found with {@link java.util.ServiceLoader}
 * @param settings flat settings (nested YAML maps as {@code key.sub}, lists joined with commas)
 */
public record ProviderConfig(String type, Map<String, String> settings) {
    public ProviderConfig {
        if (type == null || type.isBlank()) throw new IllegalArgumentException("provider.type is required: local, kubernetes or aws-ec2");
        type = type.strip();
        settings = settings == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(settings));
    }

    /** The local provider with no settings. */
    public static ProviderConfig local() {
        return new ProviderConfig("local", Map.of());
    }

    /** A setting, or {@code fallback} when absent or blank. */
    public String setting(String key, String fallback) {
        String v = settings.get(key);
        return v == null || v.isBlank() ? fallback : v;
    }
}
