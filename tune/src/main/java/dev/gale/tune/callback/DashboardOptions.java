package dev.gale.tune.callback;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Asks for the web dashboard to be served while an experiment runs
 * ({@code RunConfig.withDashboard(...)}, {@code Study.builder().dashboard(...)}, {@code gale tune --dashboard}).
 * The dashboard itself lives in the module {@code gale-observability}, found through
 * {@link DashboardProvider}.
 *
 * <p>Promises: valid on construction: a port in 0..65535 (0 picks a free one), a host that is not
 * blank, and a token whenever the host is not a loopback address (anyone who reaches that address
 * could otherwise read the experiment). A blank token means none.
 *
 * @param host  the address to bind ({@code 127.0.0.1} for {@link #local})
 * @param port  the port (0: any free port; the printed URL says which)
 * @param token the token every request must carry, or null (allowed only on a loopback address)
 */
public record DashboardOptions(String host, int port, String token) {
    /** The dashboard's default port, as Ray's dashboard. */
    public static final int DEFAULT_PORT = 8265;

    public DashboardOptions {
        if (host == null || host.isBlank()) throw new IllegalArgumentException("dashboard host is blank: use 127.0.0.1");
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("dashboard port = " + port + ": use 0..65535 (0 picks a free one)");
        }
        if (token != null && token.isBlank()) token = null;
        if (token == null && !loopback(host)) {
            throw new IllegalArgumentException("dashboard bound to " + host
                    + " needs a token: anyone who reaches that address could read the experiments");
        }
    }

    /** Bound to 127.0.0.1 on {@code port} (0: any free port), no token. */
    public static DashboardOptions local(int port) {
        return new DashboardOptions("127.0.0.1", port, null);
    }

    private static boolean loopback(String host) {
        if (host.equals("localhost")) return true;
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
