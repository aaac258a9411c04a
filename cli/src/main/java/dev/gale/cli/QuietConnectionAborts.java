package dev.gale.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import org.slf4j.Marker;

/**
 * Drops Pekko's warning that a TCP connection between members was aborted
 * ({@code WARN o.a.p.s.Materializer - [outbound connection to [...], control stream] Upstream failed,
 * cause: StreamTcpException: The connection has been aborted}). A member that leaves the cluster
 * (every client command when it ends, and every node at {@code gale cluster stop}) is removed and
 * quarantined by the others, which abort its connections: the warning is the expected end of a
 * connection, not a fault, and it used to end every {@code gale cluster status}, {@code gale tune
 * --address} and {@code gale cluster stop}. The same end sometimes arrives as a reset
 * ({@code StreamTcpException: The connection closed with error: Connection reset}, seen once in CI
 * at the end of {@code gale tune --address}): dropped too.
 *
 * <p>Promises: only WARN (or lower) events of Pekko's loggers whose message or cause says
 * {@value #ABORTED} or {@value #RESET} are dropped; errors and every other warning pass. Installed once per JVM by
 * {@link #install()}, whatever logback configuration is in use.
 */
final class QuietConnectionAborts extends TurboFilter {
    /** The text of the dropped warnings. */
    static final String ABORTED = "StreamTcpException: The connection has been aborted";
    /** The same end of a connection, as a reset. */
    static final String RESET = "StreamTcpException: The connection closed with error: Connection reset";

    /** Adds the filter to logback's context (once); does nothing when SLF4J is not bound to logback. */
    static void install() {
        if (org.slf4j.LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx) {
            synchronized (QuietConnectionAborts.class) {
                for (TurboFilter f : ctx.getTurboFilterList()) {
                    if (f instanceof QuietConnectionAborts) return;
                }
                QuietConnectionAborts f = new QuietConnectionAborts();
                f.setName("gale-quiet-connection-aborts");
                f.setContext(ctx);
                f.start();
                ctx.addTurboFilter(f);
            }
        }
    }

    @Override
    public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
        if (level == null || level.isGreaterOrEqual(Level.ERROR) || logger == null || !logger.getName().startsWith("org.apache.pekko")) {
            return FilterReply.NEUTRAL;
        }
        if (format != null && endOfConnection(format)) return FilterReply.DENY;
        if (params != null) {
            for (Object p : params) {
                if (p != null && endOfConnection(String.valueOf(p))) return FilterReply.DENY;
            }
        }
        if (t != null && endOfConnection(String.valueOf(t))) return FilterReply.DENY;
        return FilterReply.NEUTRAL;
    }

    private static boolean endOfConnection(String text) {
        return text.contains("The connection has been aborted") || text.contains("The connection closed with error: Connection reset");
    }
}
