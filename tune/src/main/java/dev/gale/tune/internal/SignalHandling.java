package dev.gale.tune.internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Ctrl-C and SIGTERM while an experiment runs: the first signal interrupts the experiment (its
 * running trials are stopped and recorded INTERRUPTED, then {@code Tuner.fit()} returns with an
 * {@code ExperimentStoppedException}); a second one exits the JVM at once with status 130 (the
 * experiment directory holds what was recorded up to then; a resume continues from it). While
 * installed, the JVM does not start its own shutdown on these signals. {@link #close()} puts the
 * previous handlers back.
 *
 * <p>Uses {@code sun.misc.Signal} (module {@code jdk.unsupported}); where it is missing the
 * experiment runs without this handling (the JVM's default: exit at once, a resume continues from
 * the snapshot and the checkpoints on disk).
 */
public final class SignalHandling implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SignalHandling.class);
    /** The exit status of a forced exit (128 + SIGINT). */
    public static final int EXIT_FORCED = 130;

    private final List<Object[]> previous = new ArrayList<>();
    private final AtomicInteger received = new AtomicInteger();

    private SignalHandling() {
    }

    /**
     * Installs handlers for SIGINT and SIGTERM.
     *
     * @param interrupt called (on the signal's thread) with "interrupted (SIGINT)" on the first signal
     * @param out       where the messages go
     * @param forcedHint what the forced-exit message says to do next (e.g. the resume command)
     */
    public static SignalHandling install(Consumer<String> interrupt, PrintStream out, String forcedHint) {
        SignalHandling h = new SignalHandling();
        for (String name : new String[]{"INT", "TERM"}) {
            try {
                sun.misc.Signal sig = new sun.misc.Signal(name);
                sun.misc.SignalHandler old = sun.misc.Signal.handle(sig, s -> h.on(name, interrupt, out, forcedHint));
                h.previous.add(new Object[]{sig, old});
            } catch (IllegalArgumentException | LinkageError e) {
                LOG.debug("cannot handle SIG{} ({}): the JVM's default applies", name, e.toString());
            }
        }
        return h;
    }

    private void on(String name, Consumer<String> interrupt, PrintStream out, String forcedHint) {
        if (received.incrementAndGet() == 1) {
            out.println();
            out.println("gale: SIG" + name + " received: stopping the running trials and recording them as INTERRUPTED"
                    + " (press Ctrl-C again to exit at once)");
            out.flush();
            interrupt.accept("interrupted (SIG" + name + ")");
        } else {
            out.println("gale: second SIG" + name + ": exiting now. " + forcedHint);
            out.flush();
            System.err.flush();
            Runtime.getRuntime().halt(EXIT_FORCED);
        }
    }

    /** Puts the previous handlers back. */
    @Override
    public void close() {
        for (Object[] p : previous) {
            try {
                sun.misc.Signal.handle((sun.misc.Signal) p[0], (sun.misc.SignalHandler) p[1]);
            } catch (IllegalArgumentException e) {
                LOG.debug("cannot restore the handler of {}: {}", p[0], e.toString());
            }
        }
        previous.clear();
    }
}
