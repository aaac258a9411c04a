package dev.gale.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * The {@code gale} command's logging, set up in code (found by logback through
 * {@code META-INF/services}): warnings and errors on standard error as
 * {@code HH:mm:ss LEVEL logger - message}, DJL's CUDA probe only on errors. Parsing the same
 * configuration from XML took 0.1-0.2 s of every start on 2 cores, much of a Study's first call.
 *
 * <p>Promises: steps aside (logback then reads its files as usual) when
 * {@code -Dlogback.configurationFile} is set or a {@code logback-test.xml} is on the classpath, so
 * a user's or a test's configuration wins.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_NORMAL_PRIORITY)
public final class CliLogging extends ContextAwareBase implements Configurator {
    /** The pattern of every line. */
    static final String PATTERN = "%d{HH:mm:ss} %-5level %logger{20} - %msg%n";

    /** For logback's ServiceLoader. */
    public CliLogging() {
    }

    @Override
    public ExecutionStatus configure(LoggerContext ctx) {
        if (System.getProperty("logback.configurationFile") != null
                || CliLogging.class.getClassLoader().getResource("logback-test.xml") != null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(ctx);
        encoder.setPattern(PATTERN);
        encoder.start();
        ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
        stderr.setContext(ctx);
        stderr.setName("STDERR");
        stderr.setTarget("System.err");
        stderr.setEncoder(encoder);
        stderr.start();
        Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.WARN);
        root.addAppender(stderr);
        ctx.getLogger("ai.djl.util.cuda.CudaUtils").setLevel(Level.ERROR);
        ctx.getLogger("ai.djl.pytorch").setLevel(Level.WARN);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }
}
