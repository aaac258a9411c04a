package dev.gale.autoscaler;

import java.nio.file.Path;
import java.time.Clock;

/**
 * What a {@link NodeProvider} is made for.
 *
 * @param cluster  the cluster (its name tags every node; its provider settings and node types)
 * @param stateDir a directory the provider may keep files in (node logs of the local provider)
 * @param clock    the clock to date what it reports
 */
public record ProviderContext(ClusterConfig cluster, Path stateDir, Clock clock) {
    public ProviderContext {
        if (cluster == null) throw new IllegalArgumentException("cluster is null");
        if (stateDir == null) throw new IllegalArgumentException("stateDir is null: give a directory for the provider's files");
        if (clock == null) clock = Clock.systemUTC();
    }

    /** The cluster's name. */
    public String clusterName() {
        return cluster.name();
    }

    /** The provider's settings. */
    public ProviderConfig config() {
        return cluster.provider();
    }
}
