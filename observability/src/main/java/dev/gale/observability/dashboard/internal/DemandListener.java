package dev.gale.observability.dashboard.internal;

import dev.gale.cluster.DemandSnapshot;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

import java.util.function.Consumer;

/**
 * Receives the ResourceManager's demand snapshots for the dashboard's cluster view and hands each
 * to {@code sink} (in memory: it keeps the latest).
 */
public final class DemandListener {
    private DemandListener() {
    }

    /** A listener handing every snapshot to {@code sink}. */
    public static Behavior<DemandSnapshot> create(Consumer<DemandSnapshot> sink) {
        return Behaviors.receive(DemandSnapshot.class).onMessage(DemandSnapshot.class, s -> {
            sink.accept(s);
            return Behaviors.same();
        }).build();
    }
}
