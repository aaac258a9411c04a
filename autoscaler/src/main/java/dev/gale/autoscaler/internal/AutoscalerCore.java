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
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * The autoscaler's state and decisions without actors or I/O: the instances and their state
 * machine, per-type back-off, and the reconcile step (joins, losses, timeouts, launches, scale
 * down). Callers feed it demand snapshots, the provider's answers and the time (an injected
 * {@link Clock}); it answers with {@link Action}s to carry out. The live autoscaler actor and the
 * simulation run exactly this code.
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
    private static final int EVENTS = 200;
    private static final int TERMINATED_KEPT = 30;

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
    private final RandomGenerator random;
    private final String joinAddress;
    private final boolean tls;
    private final Planner planner;
    private final Map<String, Instance> instances = new LinkedHashMap<>();
    private final Map<String, TypeState> typeStates = new LinkedHashMap<>();
    private final ArrayDeque<String> events = new ArrayDeque<>();
    private final LinkedHashSet<String> terminatedIds = new LinkedHashSet<>();
    private final Set<String> reportedUnsat = new HashSet<>();
    private DemandSnapshot snapshot = DemandSnapshot.EMPTY;
    private List<Bundle> requested = List.of();
    private Planner.Plan lastPlan;
    private boolean consolidationAsked;
    private long counter;
    private boolean logging = true;

    private static final class TypeState {
        int failures;
        Instant backoffUntil;
        String lastFailure = "";
    }

    /**
     * @param joinAddress the head's {@code host:port} that launched nodes join
     * @param tls         whether the cluster talks TLS
     * @param random      makes instance ids unique across heads (seed it in tests)
     */
    public AutoscalerCore(ClusterConfig cfg, String joinAddress, boolean tls, Clock clock, RandomGenerator random) {
        this.cfg = cfg;
        this.clock = clock;
        this.random = random;
        this.joinAddress = joinAddress;
        this.tls = tls;
        this.planner = new Planner(cfg.nodeTypes(), cfg.autoscaler().maxNodes());
        for (NodeType t : cfg.nodeTypes()) typeStates.put(t.name(), new TypeState());
    }

    /** Stops logging (a simulation replays thousands of transitions); events and status are kept as before. */
    public void quiet() {
        logging = false;
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
        event("requested capacity: " + (bundles.isEmpty() ? "none" : bundles.size() + " bundles"));
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
        plan(now);
        scaleDown(byInstance, now, out);
        consolidate(byInstance, out);
        out.addAll(dispatch());
        prune();
        return out;
    }

    private void joins(Map<String, DemandSnapshot.NodeState> byInstance, Instant now) {
        for (Map.Entry<String, DemandSnapshot.NodeState> e : byInstance.entrySet()) {
            DemandSnapshot.NodeState n = e.getValue();
            Instance i = instances.get(e.getKey());
            if (i == null) {
                if (terminatedIds.contains(e.getKey())) continue;
                NodeType t = cfg.type(n.labels().get(NodeType.LABEL_TYPE));
                if (t == null) continue;
                i = new Instance(e.getKey(), t, now);
                i.requestedAt = now;
                instances.put(i.id, i);
                i.state = InstanceState.ALLOCATED;
                event(i.id + " (" + t.name() + "): found in the cluster, launched before this autoscaler started; adopted");
            }
            if (i.state == InstanceState.TERMINATED) continue;
            i.lostSince = null;
            i.idleSince = n.idleSince();
            if (n.leases() > 0) i.everBusy = true;
            if (i.state == InstanceState.REQUESTED || i.state == InstanceState.ALLOCATED) {
                i.nodeId = n.nodeId();
                if (i.state == InstanceState.REQUESTED) move(i, InstanceState.ALLOCATED, "its node joined before the launch call returned", now);
                move(i, InstanceState.JOINED, "node " + shortId(n.nodeId()) + " joined after "
                        + Durations.format(Duration.between(i.requestedAt, now)), now);
                TypeState ts = typeStates.get(i.type.name());
                ts.failures = 0;
                ts.backoffUntil = null;
            }
        }
    }

    private void losses(Set<String> nodeIds, Map<String, DemandSnapshot.NodeState> byInstance, Instant now, List<Action> out) {
        Duration grace = lostGrace();
        for (Instance i : instances.values()) {
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
        for (Instance i : instances.values()) {
            if (i.state != InstanceState.REQUESTED && i.state != InstanceState.ALLOCATED) continue;
            if (Duration.between(i.requestedAt, now).compareTo(join) < 0) continue;
            String why = "did not join within " + Durations.format(join);
            failure(i.type, why, now);
            if (i.state == InstanceState.REQUESTED) {
                i.terminateWhenLaunched = true;
                move(i, InstanceState.TERMINATED, why + " (its launch call had not returned; terminated when it does)", now);
            } else {
                terminateNow(i, why, now, out);
            }
        }
    }

    private void retryTerminates(Instant now, List<Action> out) {
        for (Instance i : instances.values()) {
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
        move(i, InstanceState.TERMINATED, why, now);
        if (hasTarget) {
            i.terminateSent = true;
            out.add(new Action.Terminate(i.id, target(i), why));
        }
    }

    private ProviderInstance target(Instance i) {
        return new ProviderInstance(i.id, i.providerId.isEmpty() ? i.id : i.providerId, i.type.name(), ProviderInstance.State.RUNNING, "");
    }

    private void plan(Instant now) {
        List<NodeType> types = cfg.nodeTypes();
        int[] available = new int[types.size()];
        boolean[] backingOff = new boolean[types.size()];
        int alive = 0;
        int pending = 0;
        List<NodeType> pendingTypes = new ArrayList<>();
        int[] existing = new int[types.size()];
        int[] active = new int[types.size()];
        for (Instance i : instances.values()) {
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
            TypeState ts = typeStates.get(types.get(t).name());
            backingOff[t] = ts.backoffUntil != null && now.isBefore(ts.backoffUntil);
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
            if (n > 0) event("launching " + n + " x " + type.name() + " for waiting demand");
            for (int k = 0; k < n; k++) queue(type, "waiting demand", now);
            clusterRoom -= n;
            active[t] += n;
            int deficit = type.min() - active[t];
            if (deficit > 0 && !backingOff[t] && clusterRoom > 0) {
                int m = Math.min(deficit, clusterRoom);
                event("launching " + m + " x " + type.name() + " to keep its min of " + type.min());
                for (int k = 0; k < m; k++) queue(type, "min " + type.min(), now);
                clusterRoom -= m;
            }
        }
        Set<String> unsatNow = new HashSet<>();
        for (AutoscalerStatus.DemandStatus d : p.unsatisfiable()) {
            unsatNow.add(d.bundle());
            if (reportedUnsat.add(d.bundle())) {
                if (logging) log.warn("unsatisfiable demand in cluster {}: {} bundle(s) of {}: {}; nothing is launched for it", cfg.name(), d.count(),
                        d.bundle(), d.reason());
                event("unsatisfiable: " + d.count() + " x " + d.bundle() + ": " + d.reason());
            }
        }
        reportedUnsat.retainAll(unsatNow);
    }

    private void queue(NodeType type, String why, Instant now) {
        String id = newId();
        Instance i = new Instance(id, type, now);
        i.reason = why;
        instances.put(id, i);
        event(id + " (" + type.name() + "): QUEUED (" + why + ")");
        if (logging) log.info("instance {} ({}): QUEUED ({})", id, type.name(), why);
    }

    private String newId() {
        String suffix = Long.toString(random.nextLong(36L * 36 * 36 * 36 * 36), 36);
        return cfg.name() + "-" + Long.toString(++counter, 36) + "-" + "0".repeat(5 - suffix.length()) + suffix;
    }

    private void scaleDown(Map<String, DemandSnapshot.NodeState> byInstance, Instant now, List<Action> out) {
        Duration idle = cfg.autoscaler().idleTimeout();
        Map<String, Integer> active = new HashMap<>();
        for (Instance i : instances.values()) {
            if (i.state != InstanceState.TERMINATED && i.state != InstanceState.DRAINING) active.merge(i.type.name(), 1, Integer::sum);
        }
        Set<String> busy = lastPlan == null ? Set.of() : lastPlan.busy();
        List<Instance> idleOnes = new ArrayList<>();
        for (Instance i : instances.values()) {
            if (i.state != InstanceState.JOINED) continue;
            DemandSnapshot.NodeState n = byInstance.get(i.id);
            if (n == null || n.draining() || n.leases() > 0 || n.idleSince() == null) continue;
            if (Duration.between(n.idleSince(), now).compareTo(idle) < 0) continue;
            if (busy.contains(n.nodeId())) continue;
            idleOnes.add(i);
        }
        idleOnes.sort((x, y) -> x.idleSince.compareTo(y.idleSince));
        for (Instance i : idleOnes) {
            int a = active.getOrDefault(i.type.name(), 0);
            if (a <= i.type.min()) continue;
            active.put(i.type.name(), a - 1);
            String why = "idle for " + Durations.format(Duration.between(i.idleSince, now).withNanos(0));
            move(i, InstanceState.DRAINING, why, now);
            out.add(new Action.Drain(i.id, i.nodeId, cfg.autoscaler().drainDeadline()));
        }
    }

    /**
     * While no demand waits and nothing is being launched: asks the ResourceManager to empty up to
     * a tenth of the joined nodes (at least one) by moving their work, among the nodes of types
     * that stay at or above their min without them. One ask at a time.
     */
    private void consolidate(Map<String, DemandSnapshot.NodeState> byInstance, List<Action> out) {
        if (!cfg.autoscaler().consolidation() || consolidationAsked || snapshot.waitingBundles() > 0 || !requested.isEmpty()) return;
        Map<String, Integer> spare = new HashMap<>(); // per type: joined nodes above its min
        int joined = 0;
        for (Instance i : instances.values()) {
            if (i.state.pending()) return; // scaling up: not now
            if (i.state != InstanceState.JOINED) continue;
            joined++;
            spare.merge(i.type.name(), 1, Integer::sum);
        }
        if (joined < 2) return;
        for (NodeType t : cfg.nodeTypes()) spare.computeIfPresent(t.name(), (n, c) -> c - t.min());
        int k = Math.max(1, joined / 10);
        Set<String> only = new HashSet<>();
        for (Instance i : instances.values()) {
            if (i.state != InstanceState.JOINED || spare.getOrDefault(i.type.name(), 0) < k) continue;
            DemandSnapshot.NodeState n = byInstance.get(i.id);
            if (n != null && !n.draining() && n.leases() > 0) only.add(i.nodeId);
        }
        if (only.isEmpty()) return;
        consolidationAsked = true;
        out.add(new Action.Consolidate(k, cfg.autoscaler().drainDeadline(), only));
    }

    /**
     * The ResourceManager is emptying {@code nodeIds} (its answer to {@link Action.Consolidate}):
     * they are DRAINING and each is terminated once it holds nothing ({@link #drained}).
     */
    public List<Action> consolidating(List<String> nodeIds) {
        consolidationAsked = false;
        Instant now = clock.instant();
        List<Action> out = new ArrayList<>();
        for (String nodeId : nodeIds) {
            for (Instance i : instances.values()) {
                if (i.state != InstanceState.JOINED || !nodeId.equals(i.nodeId)) continue;
                move(i, InstanceState.DRAINING, "consolidation: its work moves to other nodes", now);
                out.add(new Action.Drain(i.id, i.nodeId, cfg.autoscaler().drainDeadline()));
            }
        }
        return out;
    }

    /** QUEUED → REQUESTED while fewer than {@code maxConcurrentLaunches} launch calls are in flight. */
    public List<Action> dispatch() {
        Instant now = clock.instant();
        int inFlight = 0;
        for (Instance i : instances.values()) if (i.state == InstanceState.REQUESTED) inFlight++;
        List<Action> out = new ArrayList<>();
        for (Instance i : instances.values()) {
            if (inFlight >= cfg.autoscaler().maxConcurrentLaunches()) break;
            if (i.state != InstanceState.QUEUED) continue;
            i.requestedAt = now;
            move(i, InstanceState.REQUESTED, "asking the provider", now);
            inFlight++;
            out.add(new Action.Launch(i.id, new LaunchRequest(cfg.name(), i.id, i.type, joinAddress, tls)));
        }
        return out;
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
        if (i.state == InstanceState.REQUESTED) move(i, InstanceState.ALLOCATED, "provider id " + at.providerId(), now);
        out.addAll(dispatch());
        return out;
    }

    /** The provider refused a launch: the type backs off; queued instances of it are cancelled. */
    public List<Action> launchFailed(String instanceId, LaunchException e) {
        Instant now = clock.instant();
        Instance i = instances.get(instanceId);
        if (i != null && i.state != InstanceState.TERMINATED) {
            String why = "launch refused (" + e.kind() + "): " + e.getMessage();
            move(i, InstanceState.TERMINATED, why, now);
            failure(i.type, e.kind() + ": " + e.getMessage(), now);
            for (Instance q : instances.values()) {
                if (q.type.equals(i.type) && q.state == InstanceState.QUEUED) {
                    move(q, InstanceState.TERMINATED, "cancelled: " + i.type.name() + " is backing off", now);
                }
            }
        }
        return dispatch();
    }

    /** The ResourceManager drained a node: it holds nothing; it is terminated now. */
    public List<Action> drained(String nodeId, int revoked) {
        for (Instance i : instances.values()) {
            if (i.state == InstanceState.DRAINING && i.nodeId.equals(nodeId) && !i.terminateSent) {
                i.terminateSent = true;
                if (revoked > 0) event(i.id + ": " + revoked + " leases were revoked at the drain deadline");
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
        if (i.state != InstanceState.TERMINATED) move(i, InstanceState.TERMINATED, i.reason, clock.instant());
    }

    /** A terminate call failed: tried again after a tick. */
    public void terminateFailed(String instanceId, String message) {
        Instance i = instances.get(instanceId);
        if (i == null) return;
        i.terminateRetryAt = clock.instant().plus(cfg.autoscaler().tick());
        event(i.id + ": terminate failed (" + message + "); trying again");
        if (logging) log.warn("instance {}: terminate failed ({}); trying again in {}", i.id, message, Durations.format(cfg.autoscaler().tick()));
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
                if (terminatedIds.contains(p.instanceId())) {
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
                instances.put(i.id, i);
                event(i.id + " (" + t.name() + "): found at the provider, launched before this autoscaler started; adopted as ALLOCATED");
                continue;
            }
            i.missingSince = null;
            if (i.providerId.isEmpty()) i.providerId = p.providerId();
            if (gone && i.state == InstanceState.ALLOCATED) {
                failure(i.type, "the provider ended it before it joined: " + p.detail(), now);
                move(i, InstanceState.TERMINATED, "the provider ended it before it joined (" + p.detail() + ")", now);
            }
        }
        Duration grace = lostGrace();
        for (Instance i : instances.values()) {
            if (i.state != InstanceState.ALLOCATED || seen.contains(i.id)) continue;
            if (i.missingSince == null) i.missingSince = now;
            if (Duration.between(i.missingSince, now).compareTo(grace) >= 0) {
                failure(i.type, "the provider no longer lists it", now);
                move(i, InstanceState.TERMINATED, "the provider no longer lists it and it never joined", now);
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ state machine, back-off

    private void move(Instance i, InstanceState to, String why, Instant now) {
        if (!i.state.next().contains(to)) {
            throw new IllegalStateException("instance " + i.id + ": " + i.state + " -> " + to + " is not allowed (" + why + ")");
        }
        InstanceState from = i.state;
        i.state = to;
        i.since = now;
        i.reason = why;
        if (to == InstanceState.TERMINATED) {
            terminatedIds.add(i.id);
            if (terminatedIds.size() > 10_000) {
                Iterator<String> it = terminatedIds.iterator();
                it.next();
                it.remove();
            }
        }
        String line = i.id + " (" + i.type.name() + "): " + from + " -> " + to + " (" + why + ")";
        if (logging) log.info("instance {}", line);
        event(line);
    }

    private void failure(NodeType t, String why, Instant now) {
        TypeState ts = typeStates.get(t.name());
        if (ts == null) return;
        ts.failures++;
        Duration first = cfg.autoscaler().launchBackoff();
        Duration max = cfg.autoscaler().maxLaunchBackoff();
        long ms = first.toMillis() << Math.min(20, ts.failures - 1);
        Duration wait = ms <= 0 || ms > max.toMillis() ? max : Duration.ofMillis(ms);
        ts.backoffUntil = now.plus(wait);
        ts.lastFailure = why;
        event(t.name() + ": launch failure " + ts.failures + " in a row (" + why + "); backing off for " + Durations.format(wait));
        if (logging) log.warn("node type {}: launch failure {} in a row ({}); backing off for {}", t.name(), ts.failures, why, Durations.format(wait));
    }

    private Duration lostGrace() {
        Duration threeTicks = cfg.autoscaler().tick().multipliedBy(3);
        Duration floor = Duration.ofSeconds(15);
        return threeTicks.compareTo(floor) > 0 ? threeTicks : floor;
    }

    private void event(String line) {
        events.addLast(clock.instant() + " " + line);
        while (events.size() > EVENTS) events.removeFirst();
    }

    private void prune() {
        int terminated = 0;
        for (Instance i : instances.values()) if (i.state == InstanceState.TERMINATED && i.terminateRetryAt == null) terminated++;
        if (terminated <= TERMINATED_KEPT) return;
        for (Iterator<Instance> it = instances.values().iterator(); it.hasNext() && terminated > TERMINATED_KEPT; ) {
            Instance i = it.next();
            if (i.state == InstanceState.TERMINATED && i.terminateRetryAt == null && !i.terminateWhenLaunched) {
                it.remove();
                terminated--;
            }
        }
    }

    private static String shortId(String nodeId) {
        int at = nodeId.indexOf('@');
        return at >= 0 ? nodeId.substring(at + 1) : nodeId;
    }

    // ------------------------------------------------------------------ status

    /** Instances in {@code state} now. */
    public int count(InstanceState state) {
        int n = 0;
        for (Instance i : instances.values()) if (i.state == state) n++;
        return n;
    }

    /** The ids of the instances in {@code state}, oldest first. */
    public List<String> ids(InstanceState state) {
        List<String> out = new ArrayList<>();
        for (Instance i : instances.values()) if (i.state == state) out.add(i.id);
        return out;
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
            for (Instance i : instances.values()) {
                if (!i.type.equals(t)) continue;
                if (i.state.pending()) pending++;
                else if (i.state == InstanceState.JOINED) joined++;
                else if (i.state == InstanceState.DRAINING) draining++;
            }
            cost += (pending + joined + draining) * t.costPerHour();
            TypeState ts = typeStates.get(t.name());
            Instant until = ts.backoffUntil != null && now.isBefore(ts.backoffUntil) ? ts.backoffUntil : null;
            types.add(new AutoscalerStatus.TypeStatus(t.name(), t.min(), t.max(), t.costPerHour(), pending, joined, draining, ts.failures,
                    until, ts.lastFailure));
        }
        List<AutoscalerStatus.InstanceStatus> list = new ArrayList<>();
        for (Instance i : instances.values()) {
            Duration idle = i.state == InstanceState.JOINED && i.idleSince != null ? Duration.between(i.idleSince, now) : null;
            if (idle != null && idle.isNegative()) idle = Duration.ZERO;
            list.add(new AutoscalerStatus.InstanceStatus(i.id, i.type.name(), i.state, i.providerId, i.nodeId, i.since, idle, i.reason));
        }
        List<String> req = new ArrayList<>();
        for (Bundle b : requested) req.add(b.describe());
        return new AutoscalerStatus(cfg.name(), cfg.provider().type(), now, types, list, snapshot.waitingBundles(),
                lastPlan == null ? List.of() : lastPlan.waiting(), lastPlan == null ? List.of() : lastPlan.unsatisfiable(), req, cost,
                new ArrayList<>(events));
    }
}
