package dev.gale.autoscaler.internal;

import dev.gale.autoscaler.AutoscalerStatus;
import dev.gale.autoscaler.ClusterConfig;
import dev.gale.autoscaler.InstanceState;
import dev.gale.autoscaler.LaunchRequest;
import dev.gale.autoscaler.NodeType;
import dev.gale.cluster.Bundle;
import dev.gale.cluster.DemandSnapshot;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What the autoscaler launches: from a demand snapshot and the capacity requested, the
 * {@link Planner}'s plan within the limits, the nodes queued for it and for each type's min (in the
 * {@link InstanceTable}), and the queued ones dispatched as launch calls.
 *
 * <p>Promises:
 * <ul>
 *   <li>Never more nodes of a type than its max, nor in all than {@code maxNodes}; instances not
 *       joined (pending) at most {@code max(5, upscalingSpeed × nodes in the cluster)}; launch
 *       calls in flight at most {@code maxConcurrentLaunches}.</li>
 *   <li>A type backing off ({@link LaunchBackoff}) is neither planned nor launched for its min.</li>
 *   <li>Demand nothing can hold launches nothing; it is reported (the plan, one warning and one
 *       event per kind while it stays unsatisfiable).</li>
 * </ul>
 * Not thread-safe.
 */
final class ScaleUp {
    private static final Logger log = LoggerFactory.getLogger("dev.gale.autoscaler");

    private final ClusterConfig cfg;
    private final String joinAddress;
    private final boolean tls;
    private final Planner planner;
    private final InstanceTable instances;
    private final LaunchBackoff backoff;
    private final EventLog events;
    private final Set<String> reportedUnsat = new HashSet<>();
    private Planner.Plan lastPlan;

    /**
     * @param joinAddress the head's {@code host:port} that launched nodes join
     * @param tls         whether the cluster talks TLS
     */
    ScaleUp(ClusterConfig cfg, String joinAddress, boolean tls, InstanceTable instances, LaunchBackoff backoff, EventLog events) {
        this.cfg = cfg;
        this.joinAddress = joinAddress;
        this.tls = tls;
        this.planner = new Planner(cfg.nodeTypes(), cfg.autoscaler().maxNodes());
        this.instances = instances;
        this.backoff = backoff;
        this.events = events;
    }

    /** The last plan, or null before the first {@link #plan}. */
    Planner.Plan lastPlan() {
        return lastPlan;
    }

    /** Plans {@code snapshot}'s waiting demand and the {@code requested} capacity; queues the nodes to launch. */
    void plan(DemandSnapshot snapshot, List<Bundle> requested, Instant now) {
        List<NodeType> types = cfg.nodeTypes();
        int[] available = new int[types.size()];
        boolean[] backingOff = new boolean[types.size()];
        int alive = 0;
        int pending = 0;
        List<NodeType> pendingTypes = new ArrayList<>();
        int[] existing = new int[types.size()];
        int[] active = new int[types.size()];
        for (Instance i : instances.all()) {
            if (i.state == InstanceState.TERMINATED) continue;
            alive++;
            int t = types.indexOf(i.type);
            if (t >= 0) {
                existing[t]++;
                if (i.state != InstanceState.DRAINING) active[t]++;
            }
            if (i.state.pending()) {
                pending++;
                pendingTypes.add(i.type);
            }
        }
        for (int t = 0; t < types.size(); t++) {
            available[t] = Math.max(0, types.get(t).max() - existing[t]);
            backingOff[t] = backoff.backingOff(types.get(t).name(), now);
        }
        int clusterRoom = Math.max(0, cfg.autoscaler().maxNodes() - alive);
        int maxPending = (int) Math.max(5, Math.ceil(cfg.autoscaler().upscalingSpeed() * snapshot.nodes().size()));
        int launchRoom = Math.max(0, maxPending - pending);
        List<Planner.Demand> demand = new ArrayList<>(snapshot.waiting().size());
        for (DemandSnapshot.Waiting w : snapshot.waiting()) {
            if (w.count() > 0) demand.add(new Planner.Demand(w.bundle(), w.count()));
        }
        Planner.Plan p = planner.plan(snapshot.nodes(), pendingTypes, demand, requested,
                new Planner.Limits(available, backingOff, clusterRoom, launchRoom));
        lastPlan = p;
        for (int t = 0; t < types.size(); t++) {
            NodeType type = types.get(t);
            int n = p.launch()[t];
            if (n > 0) events.add("launching " + n + " x " + type.name() + " for waiting demand");
            for (int k = 0; k < n; k++) instances.queue(type, "waiting demand", now);
            clusterRoom -= n;
            active[t] += n;
            int deficit = type.min() - active[t];
            if (deficit > 0 && !backingOff[t] && clusterRoom > 0) {
                int m = Math.min(deficit, clusterRoom);
                events.add("launching " + m + " x " + type.name() + " to keep its min of " + type.min());
                for (int k = 0; k < m; k++) instances.queue(type, "min " + type.min(), now);
                clusterRoom -= m;
            }
        }
        Set<String> unsatNow = new HashSet<>();
        for (AutoscalerStatus.DemandStatus d : p.unsatisfiable()) {
            unsatNow.add(d.bundle());
            if (reportedUnsat.add(d.bundle())) {
                if (events.logging()) log.warn("unsatisfiable demand in cluster {}: {} bundle(s) of {}: {}; nothing is launched for it", cfg.name(), d.count(),
                        d.bundle(), d.reason());
                events.add("unsatisfiable: " + d.count() + " x " + d.bundle() + ": " + d.reason());
            }
        }
        reportedUnsat.retainAll(unsatNow);
    }

    /** QUEUED → REQUESTED while fewer than {@code maxConcurrentLaunches} launch calls are in flight. */
    List<AutoscalerCore.Action> dispatch(Instant now) {
        int inFlight = 0;
        for (Instance i : instances.all()) if (i.state == InstanceState.REQUESTED) inFlight++;
        List<AutoscalerCore.Action> out = new ArrayList<>();
        for (Instance i : instances.all()) {
            if (inFlight >= cfg.autoscaler().maxConcurrentLaunches()) break;
            if (i.state != InstanceState.QUEUED) continue;
            i.requestedAt = now;
            instances.move(i, InstanceState.REQUESTED, "asking the provider", now);
            inFlight++;
            out.add(new AutoscalerCore.Action.Launch(i.id, new LaunchRequest(cfg.name(), i.id, i.type, joinAddress, tls)));
        }
        return out;
    }
}
