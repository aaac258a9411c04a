package dev.gale.tune.internal;

import dev.gale.tune.ResultGrid;
import org.apache.pekko.actor.typed.ActorRef;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The experiment a {@code Tuner} runs, seen from outside its controller: the wait of
 * {@code Tuner.fit} for the result, and the ways a stop reaches the controller while it runs —
 * {@code Tuner.interrupt} from another thread, Ctrl-C or SIGTERM (when the run handles signals),
 * and the interruption of the thread waiting in {@code fit}. One instance lives as long as its
 * Tuner.
 *
 * <p>Promises: an interrupt asked before the controller started is told to it as soon as
 * {@link #started} is called; one asked after {@link #ended} does nothing; every stop reaches the
 * controller as a {@link TuneController.Interrupt} with its reason, so the trials that were
 * running are recorded INTERRUPTED and a restore continues them.
 */
public final class RunningExperiment {
    private final AtomicReference<ActorRef<TuneController.Command>> running = new AtomicReference<>();
    private volatile String interruptBeforeStart;
    private volatile boolean fitEnded;

    /**
     * Stops the running experiment, or the next one to start when none runs yet and none has ended.
     *
     * @param reason why, for messages; blank or null says "Tuner.interrupt"
     */
    public void interrupt(String reason) {
        String why = "interrupted (" + (reason == null || reason.isBlank() ? "Tuner.interrupt" : reason) + ")";
        ActorRef<TuneController.Command> c = running.get();
        if (c != null) c.tell(new TuneController.Interrupt(why));
        else if (!fitEnded) interruptBeforeStart = why;
    }

    /** The controller now runs the experiment: it receives the interrupts from here on (and one asked before). */
    public void started(ActorRef<TuneController.Command> controller) {
        running.set(controller);
        if (interruptBeforeStart != null) controller.tell(new TuneController.Interrupt(interruptBeforeStart));
    }

    /**
     * Waits for the experiment's result, with Ctrl-C and SIGTERM handled ({@link SignalHandling})
     * while it waits when {@code handleSignals} is set.
     *
     * @param done the result the controller completes
     * @param out  where the signal handling's messages go
     * @param dir  the experiment directory, named in messages
     * @throws RuntimeException      the cause with which the experiment failed, as thrown by the controller
     * @throws IllegalStateException when the waiting thread is interrupted (the experiment is then stopped)
     */
    public ResultGrid await(ActorRef<TuneController.Command> controller, CompletableFuture<ResultGrid> done,
                            boolean handleSignals, PrintStream out, Path dir) {
        try (SignalHandling signals = handleSignals
                ? SignalHandling.install(reason -> controller.tell(new TuneController.Interrupt(reason)), out,
                "Trials that were running continue from their last checkpoint when the experiment is resumed ("
                        + dir + ").")
                : null) {
            return done.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) throw re;
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            controller.tell(new TuneController.Interrupt("interrupted (the thread running Tuner.fit)"));
            throw new IllegalStateException("interrupted while the experiment ran; results so far are in " + dir, e);
        }
    }

    /** The run ended (however): later interrupts do nothing. */
    public void ended() {
        running.set(null);
        fitEnded = true;
    }
}
