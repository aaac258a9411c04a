package dev.gale.autoscaler.internal;

import dev.gale.autoscaler.AutoscalerStatus;
import dev.gale.autoscaler.ClusterConfig;
import dev.gale.autoscaler.InstanceState;
import dev.gale.autoscaler.LaunchException;
import dev.gale.autoscaler.LaunchRequest;
import dev.gale.autoscaler.NodeType;
import dev.gale.autoscaler.ProviderInstance;
import dev.gale.cluster.Bundle;
import dev.gale.cluster.DemandSnapshot;
import dev.gale.cluster.ResourceManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * The autoscaler's state and decisions without actors or I/O: the reconcile step (joins, losses,
 * timeouts, launches, scale down) and the answers to what it asked for, over the parts that own
 * the state: the instances and their state machine ({@link InstanceTable}), per-type back-off
 * ({@link LaunchBackoff}), what to launch ({@link ScaleUp}), which nodes to retire
 * ({@link ScaleDown}) and the recent events ({@link EventLog}). Callers feed it demand snapshots,
 * the provider's answers and the time (an injected {@link Clock}); it answers with
 * {@link Action}s to carry out. The live autoscaler actor and the simulation run exactly this code.
 *
 * <p>Promises:
 * <ul>
 *   <li>Every state change follows {@link InstanceState#next()}, is logged and kept in the recent
 *       events; an illegal one throws {@link IllegalStateException}.</li>
 *   <li>Never more nodes of a type than its max, nor in all than {@code maxNodes}; instances not
 *       joined (pending) at most {@code max(5, upscalingSpeed × nodes in the cluster)}; launch
 *       calls in flight at most {@code maxConcurrentLaunches}.</li>
 *   <li>A node is drained only when it has held no lease for {@code idleTimeout}, no demand was
 *       planned onto it, and its type keeps at least its min; it is terminated only once the
 *       ResourceManager answered that it holds nothing.</li>
 *   <li>A launch refused by the provider, or a node not joined within {@code joinTimeout}, backs
 *       its type off for {@code launchBackoff × 2^(failures in a row − 1)} (at most
 *       {@code maxLaunchBackoff}); the next type that fits serves the demand meanwhile. A join
 *       resets the type's failures.</li>
 *   <li>Demand nothing can hold launches nothing; it is reported (status, one warning per kind).</li>
 * </ul>
 * Not thread-safe.
 */
public final class AutoscalerCore {
    private static final Logger log = LoggerFactory.getLogger("dev.gale.autoscaler");

    /** What the caller must do. */
    public sealed interface Action {
        /** Ask the provider to launch this node; answer with {@link #launched} or {@link #launchFailed}. */
        record Launch(String instanceId, LaunchRequest request) implements Action {
        }

        /** Ask the ResourceManager to drain this node; answer with {@link #drained}. */
        record Drain(String instanceId, String nodeId, Duration deadline) implements Action {
        }

        /**
         * Ask the ResourceManager to empty up to {@code maxNodes} of {@code only} by moving their work
         * ({@code ResourceManager.Consolidate}); answer with {@link #consolidating} (also with no
         * nodes when the ask failed).
         */
        record Consolidate(int maxNodes, Duration deadline, Set<String> only) implements Action {
        }

        /** Ask the provider to terminate this node; answer with {@link #terminated} or {@link #terminateFailed}. */
        record Terminate(String instanceId, ProviderInstance target, String reason) implements Action {
        }
    }

    private final ClusterConfig cfg;
    private final Clock clock;
    private final EventLog events;
    private final InstanceTable instances;
    private final LaunchBackoff backoff;
    private final ScaleUp scaleUp;
    private final ScaleDown scaleDown;
    private DemandSnapshot snapshot = DemandSnapshot.EMPTY;
    private List<Bundle> requested = List.of();

    /**
     * @param joinAddress the head's {@code host:port} that launched nodes join
     * @param tls         whether the cluster talks TLS
     * @param random      makes instance ids unique across heads (seed it in tests)
     */
    public AutoscalerCore(ClusterConfig cfg, String joinAddress, boolean tls, Clock clock, RandomGenerator random) {
        this.cfg = cfg;
        this.clock = clock;
        this.events = new EventLog(clock);
        this.instances = new InstanceTable(cfg.name(), random, events);
        this.backoff = new LaunchBackoff(cfg.nodeTypes(), cfg.autoscaler(), events);
        this.scaleUp = new ScaleUp(cfg, joinAddress, tls, instances, backoff, events);
        this.scaleDown = new ScaleDown(cfg, instances);
    }

    /** Stops logging (a simulation replays thousands of transitions); events and status are kept as before. */
    public void quiet() {
        events.quiet();
    }

    /** The node types as the ResourceManager should know them ({@link ResourceManager.SetLaunchable}). */
    public List<ResourceManager.Launchable> launchable() {
        List<ResourceManager.Launchable> out = new ArrayList<>();
        for (NodeType t : cfg.nodeTypes()) {
            out.add(new ResourceManager.Launchable(t.name(), t.resources().shape(), Math.min(t.max(), cfg.autoscaler().maxNodes())));
        }
        return out;
    }

    /** The latest demand snapshot (acted on at the next {@link #reconcile()}). */
    public void snapshot(DemandSnapshot s) {
        snapshot = s;
    }

    /** The demand snapshot last given. */
    public DemandSnapshot lastSnapshot() {
        return snapshot;
    }

    /**
     * Capacity to keep ready (as Ray's {@code request_resources}): the cluster is grown until
     * these bundles would all fit at once on empty nodes, and nodes holding part of them are not
     * retired. Replaces the previous request; an empty list withdraws it.
     */
    public void requestResources(List<Bundle> bundles) {
        requested = List.copyOf(bundles);
        events.add("requested capacity: " + (bundles.isEmpty() ? "none" : bundles.size() + " bundles"));
    }

    // ------------------------------------------------------------------ reconcile

    /** One reconcile: joins and losses, timeouts, launches (queued, then dispatched), scale down. */
    public List<Action> reconcile() {
        Instant now = clock.instant();
        List<Action> out = new ArrayList<>();
        Map<String, DemandSnapshot.NodeState> byInstance = new HashMap<>();
        Set<String> nodeIds = new HashSet<>();
        for (DemandSnapshot.NodeState n : snapshot.nodes()) {
            nodeIds.add(n.nodeId());
            String id = n.labels().get(NodeType.LABEL_INSTANCE);
            if (id != null && cfg.name().equals(n.labels().get(NodeType.LABEL_CLUSTER))) byInstance.put(id, n);
        }
        joins(byInstance, now);
        losses(nodeIds, byInstance, now, out);
        timeouts(now, out);
        retryTerminates(now, out);
        scaleUp.plan(snapshot, requested, now);
        Planner.Plan lastPlan = scaleUp.lastPlan();
        scaleDown.idle(byInstance, lastPlan == null ? Set.of() : lastPlan.busy(), now, out);
        scaleDown.consolidate(snapshot, byInstance, requested, out);
        out.addAll(dispatch());
        instances.prune();
        return out;
    }

    private void joins(Map<String, DemandSnapshot.NodeState> byInstance, Instant now) {
        for (Map.Entry<String, DemandSnapshot.NodeState> e : byInstance.entrySet()) {
            DemandSnapshot.NodeState n = e.getValue();
            Instance i = instances.get(e.getKey());
            if (i == null) {
                if (instances.wasTerminated(e.getKey())) continue;
                NodeType t = cfg.type(n.labels().get(NodeType.LABEL_TYPE));
                if (t == null) continue;
                i = new Instance(e.getKey(), t, now);
                i.requestedAt = now;
                instances.add(i);
                i.state = InstanceState.ALLOCATED;
                events.add(i.id + " (" + t.name() + "): found in the cluster, launched before this autoscaler started; adopted");
            }
            if (i.state == InstanceState.TERMINATED) continue;
            i.lostSince = null;
            i.idleSince = n.idleSince();
            if (n.leases() > 0) i.everBusy = true;
            if (i.state == InstanceState.REQUESTED || i.state == InstanceState.ALLOCATED) {
                i.nodeId = n.nodeId();
                if (i.state == InstanceState.REQUESTED) instances.move(i, InstanceState.ALLOCATED, "its node joined before the launch call returned", now);
                instances.move(i, InstanceState.JOINED, "node " + shortId(n.nodeId()) + " joined after "
                        + Durations.format(Duration.between(i.requestedAt, now)), now);
                backoff.joined(i.type);
            }
        }
    }

    private void losses(Set<String> nodeIds, Map<String, DemandSnapshot.NodeState> byInstance, Instant now, List<Action> out) {
        Duration grace = lostGrace();
        for (Instance i : instances.all()) {
            if (i.state != InstanceState.JOINED && i.state != InstanceState.DRAINING) continue;
            if (byInstance.containsKey(i.id) || nodeIds.contains(i.nodeId)) continue;
            if (i.lostSince == null) i.lostSince = now;
            if (Duration.between(i.lostSince, now).compareTo(grace) < 0) continue;
            String why = "its node " + shortId(i.nodeId) + " left the cluster";
            if (i.state == InstanceState.DRAINING && i.terminateSent) continue; // being terminated: confirmed by terminated()
            terminateNow(i, why, now, out);
        }
    }

    private void timeouts(Instant now, List<Action> out) {
        Duration join = cfg.autoscaler().joinTimeout();
        for (Instance i : instances.all()) {
            if (i.state != InstanceState.REQUESTED && i.state != InstanceState.ALLOCATED) continue;
            if (Duration.between(i.requestedAt, now).compareTo(join) < 0) continue;
            String why = "did not join within " + Durations.format(join);
            backoff.failure(i.type, why, now);
            if (i.state == InstanceState.REQUESTED) {
                i.terminateWhenLaunched = true;
                instances.move(i, InstanceState.TERMINATED, why + " (its launch call had not returned; terminated when it does)", now);
            } else {
                terminateNow(i, why, now, out);
            }
        }
    }

    private void retryTerminates(Instant now, List<Action> out) {
        for (Instance i : instances.all()) {
            if (i.terminateRetryAt != null && !now.isBefore(i.terminateRetryAt)) {
                i.terminateRetryAt = null;
                i.terminateSent = true;
                out.add(new Action.Terminate(i.id, target(i), i.reason));
            }
        }
    }

    /** Moves {@code i} to TERMINATED and asks the provider to terminate it (cleanup; idempotent). */
    private void terminateNow(Instance i, String why, Instant now, List<Action> out) {
        boolean hasTarget = !i.providerId.isEmpty();
        instances.move(i, InstanceState.TERMINATED, why, now);
        if (hasTarget) {
            i.terminateSent = true;
            out.add(new Action.Terminate(i.id, target(i), why));
        }
    }

    private ProviderInstance target(Instance i) {
        return new ProviderInstance(i.id, i.providerId.isEmpty() ? i.id : i.providerId, i.type.name(), ProviderInstance.State.RUNNING, "");
    }

    /**
     * The ResourceManager is emptying {@code nodeIds} (its answer to {@link Action.Consolidate}):
     * they are DRAINING and each is terminated once it holds nothing ({@link #drained}).
     */
    public List<Action> consolidating(List<String> nodeIds) {
        return scaleDown.consolidating(nodeIds, clock.instant());
    }

    /** QUEUED → REQUESTED while fewer than {@code maxConcurrentLaunches} launch calls are in flight. */
    public List<Action> dispatch() {
        return scaleUp.dispatch(clock.instant());
    }

    // ------------------------------------------------------------------ answers

    /** The provider accepted a launch. */
    public List<Action> launched(String instanceId, ProviderInstance at) {
        Instant now = clock.instant();
        Instance i = instances.get(instanceId);
        List<Action> out = new ArrayList<>();
        if (i == null || i.state == InstanceState.TERMINATED) {
            // cancelled or timed out while the call ran: it must not run on
            out.add(new Action.Terminate(instanceId, at, "launched after it was given up"));
            if (i != null) {
                i.providerId = at.providerId();
                i.terminateSent = true;
            }
            out.addAll(dispatch());
            return out;
        }
        i.providerId = at.providerId();
        if (i.state == InstanceState.REQUESTED) instances.move(i, InstanceState.ALLOCATED, "provider id " + at.providerId(), now);
        out.addAll(dispatch());
        return out;
    }

    /** The provider refused a launch: the type backs off; queued instances of it are cancelled. */
    public List<Action> launchFailed(String instanceId, LaunchException e) {
        Instant now = clock.instant();
        Instance i = instances.get(instanceId);
        if (i != null && i.state != InstanceState.TERMINATED) {
            String why = "launch refused (" + e.kind() + "): " + e.getMessage();
            instances.move(i, InstanceState.TERMINATED, why, now);
            backoff.failure(i.type, e.kind() + ": " + e.getMessage(), now);
            for (Instance q : instances.all()) {
                if (q.type.equals(i.type) && q.state == InstanceState.QUEUED) {
                    instances.move(q, InstanceState.TERMINATED, "cancelled: " + i.type.name() + " is backing off", now);
                }
            }
        }
        return dispatch();
    }

    /** The ResourceManager drained a node: it holds nothing; it is terminated now. */
    public List<Action> drained(String nodeId, int revoked) {
        for (Instance i : instances.all()) {
            if (i.state == InstanceState.DRAINING && i.nodeId.equals(nodeId) && !i.terminateSent) {
                i.terminateSent = true;
                if (revoked > 0) events.add(i.id + ": " + revoked + " leases were revoked at the drain deadline");
                return List.of(new Action.Terminate(i.id, target(i), i.reason));
            }
        }
        return List.of();
    }

    /** The ResourceManager does not know a node being drained (it left already): it is terminated now. */
    public List<Action> drainedUnknown(String nodeId) {
        return drained(nodeId, 0);
    }

    /** The provider terminated a node. */
    public void terminated(String instanceId) {
        Instance i = instances.get(instanceId);
        if (i == null) return;
        i.terminateRetryAt = null;
        if (i.state != InstanceState.TERMINATED) instances.move(i, InstanceState.TERMINATED, i.reason, clock.instant());
    }

    /** A terminate call failed: tried again after a tick. */
    public void terminateFailed(String instanceId, String message) {
        Instance i = instances.get(instanceId);
        if (i == null) return;
        i.terminateRetryAt = clock.instant().plus(cfg.autoscaler().tick());
        events.add(i.id + ": terminate failed (" + message + "); trying again");
        if (events.logging()) log.warn("instance {}: terminate failed ({}); trying again in {}", i.id, message, Durations.format(cfg.autoscaler().tick()));
    }

    /**
     * What the provider lists for the cluster: instances it lost are terminated in the table,
     * nodes of this cluster it does not know are adopted (or terminated, when given up before).
     */
    public List<Action> providerInstances(List<ProviderInstance> listed) {
        Instant now = clock.instant();
        List<Action> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (ProviderInstance p : listed) {
            seen.add(p.instanceId());
            Instance i = instances.get(p.instanceId());
            boolean gone = p.state() == ProviderInstance.State.TERMINATED || p.state() == ProviderInstance.State.TERMINATING;
            if (i == null) {
                if (gone) continue;
                if (instances.wasTerminated(p.instanceId())) {
                    out.add(new Action.Terminate(p.instanceId(), p, "given up before; still running at the provider"));
                    continue;
                }
                NodeType t = cfg.type(p.nodeType());
                if (t == null) {
                    out.add(new Action.Terminate(p.instanceId(), p, "of node type '" + p.nodeType() + "', which the config no longer has"));
                    continue;
                }
                i = new Instance(p.instanceId(), t, now);
                i.requestedAt = now;
                i.providerId = p.providerId();
                i.state = InstanceState.ALLOCATED;
                i.reason = "adopted from the provider";
                instances.add(i);
                events.add(i.id + " (" + t.name() + "): found at the provider, launched before this autoscaler started; adopted as ALLOCATED");
                continue;
            }
            i.missingSince = null;
            if (i.providerId.isEmpty()) i.providerId = p.providerId();
            if (gone && i.state == InstanceState.ALLOCATED) {
                backoff.failure(i.type, "the provider ended it before it joined: " + p.detail(), now);
                instances.move(i, InstanceState.TERMINATED, "the provider ended it before it joined (" + p.detail() + ")", now);
            }
        }
        Duration grace = lostGrace();
        for (Instance i : instances.all()) {
            if (i.state != InstanceState.ALLOCATED || seen.contains(i.id)) continue;
            if (i.missingSince == null) i.missingSince = now;
            if (Duration.between(i.missingSince, now).compareTo(grace) >= 0) {
                backoff.failure(i.type, "the provider no longer lists it", now);
                instances.move(i, InstanceState.TERMINATED, "the provider no longer lists it and it never joined", now);
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ helpers

    private Duration lostGrace() {
        Duration threeTicks = cfg.autoscaler().tick().multipliedBy(3);
        Duration floor = Duration.ofSeconds(15);
        return threeTicks.compareTo(floor) > 0 ? threeTicks : floor;
    }

    private static String shortId(String nodeId) {
        int at = nodeId.indexOf('@');
        return at >= 0 ? nodeId.substring(at + 1) : nodeId;
    }

    // ------------------------------------------------------------------ status

    /** Instances in {@code state} now. */
    public int count(InstanceState state) {
        return instances.count(state);
    }

    /** The ids of the instances in {@code state}, oldest first. */
    public List<String> ids(InstanceState state) {
        return instances.ids(state);
    }

    /** The state of an instance, or null when unknown (never launched, or pruned long after it ended). */
    public InstanceState state(String instanceId) {
        Instance i = instances.get(instanceId);
        return i == null ? null : i.state;
    }

    /** The type of an instance, or null. */
    public NodeType typeOf(String instanceId) {
        Instance i = instances.get(instanceId);
        return i == null ? null : i.type;
    }

    /** Whether the node of an instance ever held a lease. */
    public boolean everBusy(String instanceId) {
        Instance i = instances.get(instanceId);
        return i != null && i.everBusy;
    }

    /** The status as {@code gale cluster status} shows it. */
    public AutoscalerStatus status() {
        Instant now = clock.instant();
        List<AutoscalerStatus.TypeStatus> types = new ArrayList<>();
        double cost = 0;
        for (NodeType t : cfg.nodeTypes()) {
            int pending = 0, joined = 0, draining = 0;
            for (Instance i : instances.all()) {
                if (!i.type.equals(t)) continue;
                if (i.state.pending()) pending++;
                else if (i.state == InstanceState.JOINED) joined++;
                else if (i.state == InstanceState.DRAINING) draining++;
            }
            cost += (pending + joined + draining) * t.costPerHour();
            Instant until = backoff.until(t.name(), now);
            types.add(new AutoscalerStatus.TypeStatus(t.name(), t.min(), t.max(), t.costPerHour(), pending, joined, draining,
                    backoff.failures(t.name()), until, backoff.lastFailure(t.name())));
        }
        List<AutoscalerStatus.InstanceStatus> list = new ArrayList<>();
        for (Instance i : instances.all()) {
            Duration idle = i.state == InstanceState.JOINED && i.idleSince != null ? Duration.between(i.idleSince, now) : null;
            if (idle != null && idle.isNegative()) idle = Duration.ZERO;
            list.add(new AutoscalerStatus.InstanceStatus(i.id, i.type.name(), i.state, i.providerId, i.nodeId, i.since, idle, i.reason));
        }
        Planner.Plan lastPlan = scaleUp.lastPlan();
        List<String> req = new ArrayList<>();
        for (Bundle b : requested) req.add(b.describe());
        return new AutoscalerStatus(cfg.name(), cfg.provider().type(), now, types, list, snapshot.waitingBundles(),
                lastPlan == null ? List.of() : lastPlan.waiting(), lastPlan == null ? List.of() : lastPlan.unsatisfiable(), req, cost,
                events.lines());
    }
}
