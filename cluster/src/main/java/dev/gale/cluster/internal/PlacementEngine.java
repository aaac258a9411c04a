package dev.gale.cluster.internal;

import dev.gale.cluster.Bundle;
import dev.gale.cluster.ResourceManager;
import dev.gale.gpu.Allocation;
import dev.gale.gpu.NodeInventory;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Placement as a pure class: the nodes (their allocators, labels, draining flags), the leases
 * granted on them, and the demand waiting for resources. No actors, no messages: the
 * ResourceManager routes messages to it and sends what its {@link Listener} is told. The leases
 * and the counts derived from them are kept by a {@link LeaseLedger}, the node types an autoscaler
 * may launch by {@link LaunchableTypes}.
 *
 * <p>Demand is kept as one {@link DemandEntry} per (holder, demand key): "this holder could use
 * {@code count} more grants of this bundle". The holder sends its count together with how many
 * grants of that key it has received; the engine counts the grants it has issued and subtracts
 * those still on their way, so a holder's updates and the engine's grants never over-grant:
 * {@code outstanding = count − max(0, issued − received)}.
 *
 * <p>Promises:
 * <ul>
 *   <li><b>All or nothing.</b> A bundle is granted whole (one lease per spec, in spec order) or
 *       not at all; STRICT_PACK puts every spec on one node, STRICT_SPREAD each on a distinct
 *       node (see {@link BundlePlacer}).</li>
 *   <li><b>Never over-commits.</b> Every lease is held by its node's allocator; a draining node
 *       gets no new lease; a node's leases go with it.</li>
 *   <li><b>Fair queueing.</b> When resources free up, the group holding the fewest leases is
 *       served first (ties: its oldest waiting entry first), in arrival order within a group; a
 *       bundle that cannot fit yet never blocks a later one that can. After every call that
 *       frees resources ({@link #drain()}) nothing waiting fits.</li>
 *   <li><b>Refusal.</b> An entry that asked for it and fits no node shape (not even empty, with
 *       the labels it needs; a draining node's shape counts) is refused when it arrives.</li>
 *   <li><b>Timeouts.</b> An entry with a pending timeout that waited that long while its group
 *       held no lease is timed out by {@link #expire()}.</li>
 *   <li>While {@linkplain #pause() paused} (a new ResourceManager rebuilding what is held) it
 *       neither grants nor refuses; {@link #resume()} catches up.</li>
 * </ul>
 * Not thread-safe: owned by one actor.
 *
 * @param <H> the holder handle the caller attaches to demand and leases (where replies go)
 */
public final class PlacementEngine<H> {

    /** What the engine decided, for the caller to tell holders. */
    public interface Listener<H> {
        /** {@code entry} was granted one bundle: {@code leases}, one per spec in spec order. */
        void granted(DemandEntry<H> entry, List<EngineLease<H>> leases);

        /** {@code entry} fits no node shape; it no longer waits. */
        void refused(DemandEntry<H> entry, String reason);

        /** {@code entry} waited past its pending timeout while its group held nothing; it no longer waits. */
        void timedOut(DemandEntry<H> entry, String reason);
    }


    private final Clock clock;
    private final Listener<H> listener;
    private final String leasePrefix;
    private final Map<String, NodeSlot> nodes = new LinkedHashMap<>();
    private final LeaseLedger<H> leases;
    private final Map<String, Map<String, DemandEntry<H>>> entries = new HashMap<>();
    private final Map<String, GroupQueue<H>> queues = new LinkedHashMap<>();
    private final List<Bundle> failed = new ArrayList<>();
    private final List<GroupQueue<H>> order = new ArrayList<>();
    private final List<DemandEntry<H>> heads = new ArrayList<>();
    private NodeSlot[] scratchNodes = new NodeSlot[4];
    private Allocation[] scratchAllocs = new Allocation[4];
    private long shapeVersion;
    private final LaunchableTypes launchable = new LaunchableTypes();
    private long seq;
    private long leaseCounter;
    private int waitingEntries;
    private int timedEntries;
    private boolean paused;

    /**
     * An engine with no nodes.
     *
     * @param leasePrefix prefix of the lease ids it issues (unique per engine incarnation)
     */
    public PlacementEngine(Clock clock, String leasePrefix, Listener<H> listener) {
        this.clock = clock;
        this.leasePrefix = leasePrefix;
        this.listener = listener;
        this.leases = new LeaseLedger<>(clock);
    }

    // ---------------------------------------------------------------- nodes

    /** Adds a node (replacing nothing: remove an old incarnation first). Call {@link #drain()} after. */
    public NodeSlot addNode(String id, NodeInventory inventory, Map<String, String> labels) {
        NodeSlot n = new NodeSlot(id, inventory, Bundle.checkLabels("labels", labels), clock.millis());
        nodes.put(id, n);
        shapeVersion++;
        return n;
    }

    /** The node, or null. */
    public NodeSlot node(String id) {
        return nodes.get(id);
    }

    /** Every node in registration order (read only). */
    public Collection<NodeSlot> nodes() {
        return Collections.unmodifiableCollection(nodes.values());
    }

    /** Removes a node; returns the leases it held (no longer accounted). Call {@link #drain()} after. */
    public List<EngineLease<H>> removeNode(String id) {
        NodeSlot n = nodes.remove(id);
        if (n == null) return List.of();
        shapeVersion++;
        return leases.removeOn(n);
    }

    /** Marks a node draining until {@code deadlineMs} (no new leases), or, with -1, not draining. */
    public void setDraining(String id, long deadlineMs) {
        NodeSlot n = nodes.get(id);
        if (n == null) return;
        boolean draining = deadlineMs >= 0;
        // feasibility counts draining nodes: no shape change
        n.draining = draining;
        n.drainDeadlineMs = deadlineMs;
    }

    /** Takes back every lease of a node that stays (a drain past its deadline). Call {@link #drain()} after. */
    public List<EngineLease<H>> revokeNode(String id) {
        NodeSlot n = nodes.get(id);
        if (n == null) return List.of();
        List<EngineLease<H>> out = leases.removeOn(n);
        for (EngineLease<H> h : out) n.allocator.release(h.allocation);
        return out;
    }

    // ---------------------------------------------------------------- leases

    /** The lease, or null. */
    public EngineLease<H> lease(String leaseId) {
        return leases.get(leaseId);
    }

    /** Every lease (read only). */
    public Collection<EngineLease<H>> leases() {
        return Collections.unmodifiableCollection(leases.all());
    }

    /** Leases whose holder matches (a copy). */
    public List<EngineLease<H>> leasesWhere(Predicate<EngineLease<H>> p) {
        List<EngineLease<H>> out = new ArrayList<>();
        for (EngineLease<H> h : leases.all()) if (p.test(h)) out.add(h);
        return out;
    }

    /**
     * Gives a lease back; returns it, or null when unknown (already released or revoked). Call
     * {@link #drain()} after.
     */
    public EngineLease<H> release(String leaseId) {
        EngineLease<H> h = leases.remove(leaseId);
        if (h == null) return null;
        h.node.allocator.release(h.allocation);
        return h;
    }

    /**
     * Accounts a lease granted by an earlier engine (a ResourceManager that failed over) with
     * exactly its allocation, if that is free on its node now.
     *
     * @param holder its holder, or null until one claims it
     * @return the lease, or null when the node is unknown or the allocation conflicts with what is held there
     */
    public EngineLease<H> adopt(String leaseId, String nodeId, Allocation allocation, String demandKey, String group, H holder) {
        EngineLease<H> known = leases.get(leaseId);
        if (known != null) return known;
        NodeSlot n = nodes.get(nodeId);
        if (n == null || !n.allocator.tryAdopt(allocation)) return null;
        EngineLease<H> h = new EngineLease<>(leaseId, n, allocation, demandKey, group == null ? "" : group, holder);
        leases.add(h);
        return h;
    }

    /** Sets the holder, group and demand key of a lease, e.g. a re-adopted one its holder claimed. */
    public void bind(EngineLease<H> h, H holder, String group, String demandKey) {
        leases.bind(h, holder, group, demandKey);
    }

    /**
     * Marks a lease's work as movable or not (its holder can stop it and resume it elsewhere, see
     * {@link Consolidator}); false when the lease is unknown.
     */
    public boolean setMovable(String leaseId, boolean movable) {
        EngineLease<H> h = leases.get(leaseId);
        if (h == null) return false;
        h.movable = movable;
        return true;
    }

    /** True when {@code leaseId} was issued by this engine (its prefix). */
    public boolean issuedHere(String leaseId) {
        return leaseId.startsWith(leasePrefix);
    }

    /** Leases held by {@code group}. */
    public int heldBy(String group) {
        return leases.heldBy(group);
    }

    /** Per group, the holders of its leases (read only). */
    public Map<String, Map<H, Integer>> holdersByGroup() {
        return leases.holdersByGroup();
    }

    // ---------------------------------------------------------------- demand

    /**
     * Sets one holder's demand for one key: it could use {@code count} more grants of
     * {@code bundle} beyond those it holds, having received {@code received} grants of this key
     * so far. New or grown demand is granted at once where it fits (nothing else waiting fits,
     * see {@link #drain()}); {@code count} 0 withdraws.
     *
     * @param timeoutMs        pending timeout, -1 for none
     * @param refuseInfeasible refuse at once when it fits no node shape (else it waits as unmet demand)
     * @param single           a request of the one-lease protocol (forgotten once granted)
     */
    public DemandEntry<H> want(String holderId, String demandKey, H holder, String group, Bundle bundle, int count, long received,
                         long timeoutMs, boolean refuseInfeasible, boolean single) {
        Map<String, DemandEntry<H>> mine = entries.computeIfAbsent(holderId, k -> new HashMap<>(4));
        DemandEntry<H> e = mine.get(demandKey);
        if (e == null) {
            e = new DemandEntry<>(holderId, demandKey, single);
            e.issued = received;
            e.group = group;
            e.bundle = bundle;
            mine.put(demandKey, e);
        } else if (!e.group.equals(group) || !e.bundle.equals(bundle)) {
            dequeue(e);
            e.group = group;
            e.bundle = bundle;
            e.checked = false;
            e.feasibleVersion = -1;
            e.launchableVersion = -1;
        }
        e.holder = holder;
        e.count = Math.max(0, count);
        e.received = Math.max(e.received, received);
        e.issued = Math.max(e.issued, e.received);
        if (e.waiting && (e.timeoutMs >= 0) != (timeoutMs >= 0)) timedEntries += timeoutMs >= 0 ? 1 : -1;
        e.timeoutMs = timeoutMs;
        e.refuseInfeasible = refuseInfeasible;
        if (e.outstanding() == 0) {
            dequeue(e);
            if (single) forget(e);
            return e;
        }
        if (e.waiting) {
            if (!paused && check(e)) tryEntry(e);
            return e;
        }
        e.checked = false; // new demand: checked against the node shapes again
        if (!paused) {
            if (!check(e)) return e;
            // nothing waiting fits now (see drain), so new demand that fits may be granted before it queues
            while (e.outstanding() > 0 && grantOnce(e)) {
                // granted one bundle
            }
            if (e.outstanding() == 0) {
                if (single) forget(e);
                return e;
            }
        }
        enqueue(e);
        return e;
    }

    /** The entry, or null. */
    public DemandEntry<H> entry(String holderId, String demandKey) {
        Map<String, DemandEntry<H>> mine = entries.get(holderId);
        return mine == null ? null : mine.get(demandKey);
    }

    /** The entries of a holder (a copy). */
    public List<DemandEntry<H>> entriesOf(String holderId) {
        Map<String, DemandEntry<H>> mine = entries.get(holderId);
        return mine == null ? List.of() : new ArrayList<>(mine.values());
    }

    /** Removes an entry and its counters (a withdrawn single request, or a holder that is gone). */
    public void remove(DemandEntry<H> e) {
        dequeue(e);
        forget(e);
    }

    /** Removes every entry whose holder matches; returns how many waited. */
    public int removeWhere(Predicate<DemandEntry<H>> p) {
        int dropped = 0;
        for (Iterator<Map<String, DemandEntry<H>>> hi = entries.values().iterator(); hi.hasNext(); ) {
            Map<String, DemandEntry<H>> mine = hi.next();
            for (Iterator<DemandEntry<H>> it = mine.values().iterator(); it.hasNext(); ) {
                DemandEntry<H> e = it.next();
                if (p.test(e)) {
                    if (e.waiting) dropped++;
                    dequeue(e);
                    it.remove();
                }
            }
            if (mine.isEmpty()) hi.remove();
        }
        return dropped;
    }

    private void forget(DemandEntry<H> e) {
        Map<String, DemandEntry<H>> mine = entries.get(e.holderId);
        if (mine != null && mine.get(e.demandKey) == e) {
            mine.remove(e.demandKey);
            if (mine.isEmpty()) entries.remove(e.holderId);
        }
    }

    private void enqueue(DemandEntry<H> e) {
        e.waiting = true;
        e.seq = ++seq;
        e.sinceMs = clock.millis();
        e.starvedSinceMs = heldBy(e.group) == 0 ? e.sinceMs : -1;
        GroupQueue<H> q = queues.computeIfAbsent(e.group, GroupQueue::new);
        q.byShape.computeIfAbsent(e.bundle, b -> new LinkedHashSet<>()).add(e); // the newest: last of its bucket
        q.size++;
        waitingEntries++;
        if (e.timeoutMs >= 0) timedEntries++;
    }

    private void dequeue(DemandEntry<H> e) {
        if (!e.waiting) return;
        e.waiting = false;
        GroupQueue<H> q = queues.get(e.group);
        if (q != null) {
            LinkedHashSet<DemandEntry<H>> bucket = q.byShape.get(e.bundle);
            if (bucket != null && bucket.remove(e)) {
                q.size--;
                if (bucket.isEmpty()) q.byShape.remove(e.bundle);
            }
            if (q.isEmpty()) queues.remove(e.group);
        }
        waitingEntries--;
        if (e.timeoutMs >= 0) timedEntries--;
    }

    /** Refuses {@code e} when it asked for it and fits no node shape; false when refused. */
    private boolean check(DemandEntry<H> e) {
        if (e.checked) return true;
        e.checked = true;
        if (!e.refuseInfeasible || feasible(e) || launchable.fits(e, nodes.values(), shapeVersion)) return true;
        dequeue(e);
        e.count = 0;
        listener.refused(e, "bundle " + e.bundle.describe() + " (" + e.holderId + " / " + e.demandKey
                + ") fits no node of this cluster, even empty: " + Feasibility.describeShapes(nodes.values())
                + (launchable.isEmpty() ? "" : "; nor nodes of the types an autoscaler may launch: " + launchable.text()));
        return false;
    }

    /**
     * Sets the node types an autoscaler may launch: their shapes and how many nodes of each it may
     * still add. Demand that fits no current node but fits nodes of these types (as many as
     * allowed, together with the current nodes) is not refused: it waits as unmet demand. An
     * empty list withdraws them; waiting demand that asked to be refused and now fits nothing is
     * refused then.
     *
     * @param types name, shape and the most nodes that may be added, per type
     */
    public void setLaunchable(List<ResourceManager.Launchable> types) {
        boolean shrank = launchable.set(types);
        if (shrank && !paused) {
            for (DemandEntry<H> e : waiting()) {
                if (!e.refuseInfeasible) continue;
                e.checked = false;
                check(e);
            }
        }
    }

    /** The node types an autoscaler may launch, as last set ({@link #setLaunchable}); empty when none. */
    public List<ResourceManager.Launchable> launchableTypes() {
        return launchable.types();
    }

    /** Whether the entry's bundle fits the cluster's node shapes, draining or not (cached until the nodes change). */
    public boolean feasible(DemandEntry<H> e) {
        if (e.feasibleVersion != shapeVersion) {
            e.feasible = Feasibility.feasibleOnEmpty(e.bundle, nodes.values());
            e.feasibleVersion = shapeVersion;
        }
        return e.feasible;
    }

    /** Waiting bundles (sum of outstanding counts). */
    public int waitingBundles() {
        int n = 0;
        List<DemandEntry<H>> all = new ArrayList<>();
        for (GroupQueue<H> q : queues.values()) q.all(all);
        for (DemandEntry<H> e : all) n += e.outstanding();
        return n;
    }

    /** Waiting entries in arrival order (a copy). */
    public List<DemandEntry<H>> waiting() {
        List<DemandEntry<H>> out = new ArrayList<>(waitingEntries);
        for (GroupQueue<H> q : queues.values()) q.all(out);
        out.sort(Comparator.comparingLong(e -> e.seq));
        return out;
    }

    /** Groups with at least one waiting entry that some node shape could hold. */
    public List<String> groupsWaitingFeasibly() {
        List<String> out = new ArrayList<>(queues.size());
        for (GroupQueue<H> q : queues.values()) {
            for (LinkedHashSet<DemandEntry<H>> bucket : q.byShape.values()) {
                if (feasible(bucket.getFirst())) {
                    out.add(q.group);
                    break;
                }
            }
        }
        return out;
    }

    // ---------------------------------------------------------------- placing

    /** Stops granting and refusing (a ResourceManager rebuilding what is held). */
    public void pause() {
        paused = true;
    }

    /** True while paused. */
    public boolean paused() {
        return paused;
    }

    /** Grants and refuses again: refuses what must be, then {@link #drain()}s. */
    public void resume() {
        paused = false;
        for (DemandEntry<H> e : waiting()) check(e);
        drain();
    }

    private void tryEntry(DemandEntry<H> e) {
        while (e.outstanding() > 0 && grantOnce(e)) {
            // granted one bundle
        }
        if (e.outstanding() == 0) {
            dequeue(e);
            if (e.single) forget(e);
        }
    }

    /**
     * Grants waiting demand while any fits: each round serves the group holding the fewest
     * leases (ties: the group whose oldest entry is oldest), its oldest entry that fits now.
     * Resources only shrink during a drain, so a shape that did not fit is not tried again.
     */
    public void drain() {
        if (waitingEntries == 0 || paused) return;
        failed.clear();
        order.clear();
        order.addAll(queues.values());
        while (waitingEntries > 0) {
            order.removeIf(GroupQueue::isEmpty);
            if (order.size() > 1) {
                order.sort((x, y) -> {
                    int c = Integer.compare(heldBy(x.group), heldBy(y.group));
                    return c != 0 ? c : Long.compare(x.oldest(), y.oldest());
                });
            }
            boolean progress = false;
            for (GroupQueue<H> q : order) {
                if (grantInGroup(q)) {
                    progress = true;
                    break;
                }
            }
            if (!progress) break;
        }
        order.clear();
    }

    /** Grants one bundle to the oldest entry of {@code q} whose shape fits now; false when none does. */
    private boolean grantInGroup(GroupQueue<H> q) {
        q.heads(heads);
        for (int i = 0; i < heads.size(); i++) {
            DemandEntry<H> e = heads.get(i);
            if (failedBefore(e.bundle)) continue;
            if (grantOnce(e)) {
                if (e.outstanding() == 0) {
                    dequeue(e);
                    if (e.single) forget(e);
                }
                heads.clear();
                return true;
            }
            failed.add(e.bundle);
        }
        heads.clear();
        return false;
    }

    private boolean failedBefore(Bundle b) {
        for (int i = 0; i < failed.size(); i++) {
            Bundle f = failed.get(i);
            if (f == b || f.equals(b)) return true;
        }
        return false;
    }

    private boolean grantOnce(DemandEntry<H> e) {
        int n = e.bundle.size();
        if (scratchNodes.length < n) {
            scratchNodes = new NodeSlot[n];
            scratchAllocs = new Allocation[n];
        }
        if (!BundlePlacer.place(e.bundle, nodes.values(), scratchNodes, scratchAllocs)) return false;
        List<EngineLease<H>> granted = new ArrayList<>(n);
        String grantId = null;
        for (int i = 0; i < n; i++) {
            EngineLease<H> h = new EngineLease<>(leasePrefix + (++leaseCounter), scratchNodes[i], scratchAllocs[i], e.demandKey, e.group, e.holder);
            if (grantId == null) grantId = h.leaseId;
            h.grantId = grantId;
            h.bundle = e.bundle;
            leases.add(h);
            granted.add(h);
            scratchNodes[i] = null;
            scratchAllocs[i] = null;
        }
        e.issued++;
        listener.granted(e, granted);
        return true;
    }

    // ---------------------------------------------------------------- timeouts

    /**
     * Times out the entries that waited past their pending timeout while their group held no
     * lease (the time a group holds a lease does not count: it is queued behind its own work).
     */
    public boolean expire() {
        if (timedEntries == 0 || paused) return false;
        long now = clock.millis();
        List<DemandEntry<H>> out = null;
        List<DemandEntry<H>> all = new ArrayList<>();
        for (GroupQueue<H> q : queues.values()) {
            boolean starved = heldBy(q.group) == 0;
            all.clear();
            q.all(all);
            for (DemandEntry<H> e : all) {
                if (e.timeoutMs < 0) continue;
                if (!starved) {
                    e.starvedSinceMs = -1;
                } else if (e.starvedSinceMs < 0) {
                    e.starvedSinceMs = now;
                } else if (now - e.starvedSinceMs >= e.timeoutMs) {
                    if (out == null) out = new ArrayList<>();
                    out.add(e);
                }
            }
        }
        if (out == null) return false;
        for (DemandEntry<H> e : out) {
            dequeue(e);
            e.count = 0;
            listener.timedOut(e, "bundle " + e.bundle.describe() + " (" + e.holderId + " / " + e.demandKey + ") of group '"
                    + e.group + "' waited " + (now - e.starvedSinceMs) / 1000.0 + " s while its group held no lease; "
                    + whoHolds(e.bundle));
            if (e.single) forget(e);
        }
        return true;
    }

    /** What holds the nodes a bundle could use, for "why is this waiting" messages. */
    public String whoHolds(Bundle b) {
        Map<String, Integer> byGroup = new LinkedHashMap<>();
        int eligible = 0;
        for (NodeSlot n : nodes.values()) if (BundlePlacer.eligible(n, b)) eligible++;
        for (EngineLease<H> h : leases.all()) {
            if (BundlePlacer.eligible(h.node, b)) byGroup.merge(h.group.isEmpty() ? "(no group)" : h.group, 1, Integer::sum);
        }
        if (eligible == 0) return "no node it may use is available (" + Feasibility.describeShapes(nodes.values()) + ")";
        if (byGroup.isEmpty()) return "its " + eligible + " eligible nodes hold no lease but it does not fit what they have free";
        List<Map.Entry<String, Integer>> top = new ArrayList<>(byGroup.entrySet());
        top.sort((x, y) -> Integer.compare(y.getValue(), x.getValue()));
        StringBuilder sb = new StringBuilder("its ").append(eligible).append(" eligible nodes are held by ");
        for (int i = 0; i < Math.min(5, top.size()); i++) {
            if (i > 0) sb.append(", ");
            sb.append("group '").append(top.get(i).getKey()).append("' (").append(top.get(i).getValue())
                    .append(top.get(i).getValue() == 1 ? " lease)" : " leases)");
        }
        if (top.size() > 5) sb.append(" and ").append(top.size() - 5).append(" more groups");
        return sb.toString();
    }
}
