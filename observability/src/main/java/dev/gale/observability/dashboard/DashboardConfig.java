package dev.gale.observability.dashboard;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Where the dashboard listens and who may read it.
 *
 * <p>Promises: a config bound to an address other than the loopback one has a token (the compact
 * constructor refuses one without); with a token, every request must carry it ({@code ?token=} or
 * {@code Authorization: Bearer}), else it is refused with 401.
 *
 * @param host  the address to bind ({@code 127.0.0.1} by default)
 * @param port  the port (0: any free port, see {@link Dashboard#port()})
 * @param token the token requests must carry, or null for none (allowed only on a loopback address)
 */
public record DashboardConfig(String host, int port, String token) {
    /** The default port, as Ray's dashboard. */
    public static final int DEFAULT_PORT = 8265;

    public DashboardConfig {
        if (host == null || host.isBlank()) throw new IllegalArgumentException("dashboard host is blank: use 127.0.0.1");
        if (port < 0 || port > 65_535) throw new IllegalArgumentException("dashboard port = " + port + ": use 0..65535 (0 picks a free one)");
        if (token != null && token.isBlank()) token = null;
        if (token == null && !loopback(host)) {
            throw new IllegalArgumentException("dashboard bound to " + host
                    + " needs a token (--token): anyone who reaches that address could read the experiments");
        }
    }

    /** Bound to 127.0.0.1 on {@code port}, no token. */
    public static DashboardConfig local(int port) {
        return new DashboardConfig("127.0.0.1", port, null);
    }

    /** True when {@code host} names a loopback address. */
    static boolean loopback(String host) {
        if (host.equals("localhost")) return true;
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
