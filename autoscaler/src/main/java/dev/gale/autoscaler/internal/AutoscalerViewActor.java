package dev.gale.autoscaler.internal;

import dev.gale.autoscaler.AutoscalerStatus;
import dev.gale.cluster.AutoscalerView;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The autoscaler's {@link AutoscalerView}: registered under {@link AutoscalerView#KEY}, it answers
 * each query with the autoscaler's status, mapped to the cluster module's records (a child of the
 * {@link AutoscalerActor}, so it stops with it).
 */
public final class AutoscalerViewActor {
    private AutoscalerViewActor() {
    }

    /** The view of {@code autoscaler}; a status not answered within {@code timeout} gets no reply (the asker has its own deadline). */
    public static Behavior<AutoscalerView.Query> create(ActorRef<AutoscalerActor.Command> autoscaler, Duration timeout) {
        return Behaviors.setup(ctx -> {
            ctx.getSystem().receptionist().tell(Receptionist.register(AutoscalerView.KEY, ctx.getSelf()));
            return Behaviors.receive(AutoscalerView.Query.class)
                    .onMessage(AutoscalerView.Query.class, q -> {
                        AskPattern.<AutoscalerActor.Command, AutoscalerStatus>ask(autoscaler, AutoscalerActor.GetStatus::new, timeout,
                                        ctx.getSystem().scheduler())
                                .thenAccept(s -> q.replyTo().tell(view(s)));
                        return Behaviors.same();
                    })
                    .build();
        });
    }

    /** The status as the view's records. */
    public static AutoscalerView.Snapshot view(AutoscalerStatus s) {
        List<AutoscalerView.Instance> instances = new ArrayList<>(s.instances().size());
        for (AutoscalerStatus.InstanceStatus i : s.instances()) {
            instances.add(new AutoscalerView.Instance(i.instanceId(), i.nodeType(), i.state().name(),
                    i.nodeId() == null ? "" : i.nodeId(), i.since(), i.reason() == null ? "" : i.reason()));
        }
        List<String> unsatisfiable = new ArrayList<>(s.unsatisfiable().size());
        for (AutoscalerStatus.DemandStatus d : s.unsatisfiable()) unsatisfiable.add(d.count() + " x " + d.bundle() + ": " + d.reason());
        return new AutoscalerView.Snapshot(s.cluster(), s.provider(), s.at(), s.costPerHour(), instances, unsatisfiable);
    }
}
