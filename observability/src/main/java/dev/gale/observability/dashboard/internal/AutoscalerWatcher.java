package dev.gale.observability.dashboard.internal;

import dev.gale.cluster.AutoscalerView;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;

import java.time.Duration;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Finds the cluster's autoscaler through the receptionist ({@link AutoscalerView#KEY}, pushed as it
 * registers or goes) and, while there is one, asks it for its status every {@code every}, handing
 * each answer to {@code sink} (null when the autoscaler is gone). An answer not given within
 * {@code timeout} is skipped; the next tick asks again.
 */
public final class AutoscalerWatcher {
    /** What the watcher handles. */
    public sealed interface Command {
    }

    private record Listed(Receptionist.Listing listing) implements Command {
    }

    private enum Tick implements Command {
        INSTANCE
    }

    private record Answer(AutoscalerView.Snapshot snapshot) implements Command {
    }

    private record NoAnswer(String why) implements Command {
    }

    /** Stops watching. */
    public enum Stop implements Command {
        INSTANCE
    }

    private AutoscalerWatcher() {
    }

    /** A watcher that feeds {@code sink}. */
    public static Behavior<Command> create(Consumer<AutoscalerView.Snapshot> sink, Duration every, Duration timeout) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
            ActorRef<Receptionist.Listing> adapter = ctx.messageAdapter(Receptionist.Listing.class, Listed::new);
            ctx.getSystem().receptionist().tell(Receptionist.subscribe(AutoscalerView.KEY, adapter));
            timers.startTimerWithFixedDelay(Tick.INSTANCE, every);
            return new State(ctx, sink, timeout).behavior();
        }));
    }

    private static final class State {
        private final ActorContext<Command> ctx;
        private final Consumer<AutoscalerView.Snapshot> sink;
        private final Duration timeout;
        private ActorRef<AutoscalerView.Query> target;
        private boolean asking;

        State(ActorContext<Command> ctx, Consumer<AutoscalerView.Snapshot> sink, Duration timeout) {
            this.ctx = ctx;
            this.sink = sink;
            this.timeout = timeout;
        }

        Behavior<Command> behavior() {
            return Behaviors.receive(Command.class)
                    .onMessage(Listed.class, this::onListed)
                    .onMessageEquals(Tick.INSTANCE, this::onTick)
                    .onMessage(Answer.class, this::onAnswer)
                    .onMessage(NoAnswer.class, this::onNoAnswer)
                    .onMessageEquals(Stop.INSTANCE, Behaviors::stopped)
                    .build();
        }

        private Behavior<Command> onListed(Listed m) {
            Set<ActorRef<AutoscalerView.Query>> refs = m.listing().getServiceInstances(AutoscalerView.KEY);
            ActorRef<AutoscalerView.Query> before = target;
            target = refs.isEmpty() ? null : refs.iterator().next();
            if (target == null && before != null) sink.accept(null);
            if (target != null && !target.equals(before)) return onTick();
            return Behaviors.same();
        }

        private Behavior<Command> onTick() {
            if (target == null || asking) return Behaviors.same();
            asking = true;
            ctx.ask(AutoscalerView.Snapshot.class, target, timeout, AutoscalerView.Query::new,
                    (s, err) -> s != null ? new Answer(s) : new NoAnswer(String.valueOf(err)));
            return Behaviors.same();
        }

        private Behavior<Command> onAnswer(Answer a) {
            asking = false;
            if (target != null) sink.accept(a.snapshot());
            return Behaviors.same();
        }

        private Behavior<Command> onNoAnswer(NoAnswer n) {
            asking = false;
            ctx.getLog().debug("the autoscaler did not answer: {}", n.why());
            return Behaviors.same();
        }
    }
}
