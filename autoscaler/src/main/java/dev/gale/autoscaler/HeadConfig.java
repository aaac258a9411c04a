package dev.gale.autoscaler;

import dev.gale.cluster.Bundle;
import dev.gale.cluster.NodeConfig;

import java.nio.file.Path;
import java.util.Map;

/**
 * The head node {@code gale cluster up} starts: where other nodes reach it, what it offers, and
 * the cluster secret when members talk TLS.
 *
 * @param host             the address launched nodes join (must be reachable from them)
 * @param port             its Artery port (0: a free one)
 * @param resources        {@code --resources} of the head (e.g. {@code cpus=2,memory=4GiB}); null: discovered
 * @param labels           its node labels
 * @param tlsKeystore      the cluster secret (PKCS12), or null for plain TCP
 * @param tlsPasswordFile  the file holding its password (null: environment variable {@code GALE_CLUSTER_SECRET})
 */
public record HeadConfig(String host, int port, String resources, Map<String, String> labels, Path tlsKeystore, Path tlsPasswordFile) {
    public HeadConfig {
        if (host == null || host.isBlank()) host = "127.0.0.1";
        if (port < 0 || port > 65535) throw new IllegalArgumentException("head.port = " + port + ": must be 0..65535 (0 = a free port)");
        labels = Bundle.checkLabels("head.labels", labels);
        if (tlsPasswordFile != null && tlsKeystore == null) {
            throw new IllegalArgumentException("head.tls.passwordFile needs head.tls.keystore");
        }
    }

    /** A head on 127.0.0.1 and port 25520, resources discovered, plain TCP. */
    public static HeadConfig defaults() {
        return new HeadConfig("127.0.0.1", 25520, null, Map.of(), null, null);
    }

    /** This head on another port. */
    public HeadConfig withPort(int p) {
        return new HeadConfig(host, p, resources, labels, tlsKeystore, tlsPasswordFile);
    }

    /** The head's {@code host:port} (only meaningful with a fixed port). */
    public String address() {
        return host + ":" + port;
    }

    /** Checks {@code host:port}-ness for a fixed port. */
    void check() {
        if (port > 0) NodeConfig.checkHostPort("head", address());
    }
}
