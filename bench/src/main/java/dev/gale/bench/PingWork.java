package dev.gale.bench;

import dev.gale.cluster.ClusterMessage;
import dev.gale.cluster.Work;
import dev.gale.cluster.WorkContext;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The work of the placement-latency benchmark: as soon as it runs on its node it tells its owner
 * {@link Started}, then returns.
 */
public final class PingWork implements Work {
    /** Sent by a PingWork from the node it runs on. */
    public record Started(String workId, long nodeNanos) implements ClusterMessage {
    }

    /** Created by class name. */
    public PingWork() {
    }

    @Override
    @SuppressWarnings("unchecked")
    public void run(WorkContext ctx) {
        ((ActorRef<Started>) ctx.owner()).tell(new Started(ctx.workId(), System.nanoTime()));
    }
}
