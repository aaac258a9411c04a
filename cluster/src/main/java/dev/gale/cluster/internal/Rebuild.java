package dev.gale.cluster.internal;

import dev.gale.cluster.Lease;
import dev.gale.cluster.LeaseReply;
import dev.gale.cluster.NodeAgent;
import dev.gale.cluster.NodeConfig;
import dev.gale.cluster.ResourceManager;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.slf4j.Logger;

import java.time.Duration;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * How a ResourceManager re-learns what is held when it starts (a singleton that moved after its
 * node died starts empty), and keeps the nodes' view and its own in step afterwards. Part of the
 * ResourceManager actor (same thread); it tells holders and agents directly.
 *
 * <p>Rules:
 * <ul>
 *   <li>While active the engine is paused (no grants, no refusals). It ends when every reachable
 *       Up member of role {@value NodeConfig#ROLE_NODE} has registered and, if this is a
 *       takeover (other node members existed at start, or a node reported leases), holders had
 *       {@link #HOLDER_GRACE} to re-attach; at the latest after {@link #MAX_REBUILD}.</li>
 *   <li>Leases a node reports running (issued by an earlier ResourceManager) are adopted with
 *       exactly their allocation, without a holder until one claims them ({@link #claim}); one
 *       that conflicts with what is already accounted is ended on its node.</li>
 *   <li>A holder's claim of a lease not known is adopted once the rebuild ended, if its node is
 *       registered and its allocation is free there; else the holder gets
 *       {@link LeaseReply.Revoked}. A lease is never accounted twice: each id at most once, each
 *       allocation through the node's allocator.</li>
 *   <li>A re-adopted lease nobody claimed within {@link #ORPHAN_GRACE} after the rebuild is
 *       ended when its works' owner is no longer a member or no work runs on it any more.</li>
 *   <li>A lease a node reports but this ResourceManager released or revoked is ended there again.</li>
 *   <li>A lease released or revoked while a holder's claim of it waits for the rebuild to end is
 *       not adopted by that claim: the claim is revoked.</li>
 * </ul>
 */
public final class Rebuild {
    /** Time holders get to re-attach their leases after a takeover (they sync every 2 s). */
    public static final Duration HOLDER_GRACE = Duration.ofMillis(2500);
    /** The longest a rebuild waits for nodes to re-advertise. */
    public static final Duration MAX_REBUILD = Duration.ofSeconds(8);
    /** How long a re-adopted lease may stay unclaimed before it is checked for an owner. */
    public static final Duration ORPHAN_GRACE = Duration.ofSeconds(6);
    private static final int REMEMBERED = 10_000;

    private record Orphan(String owner, String nodeId) {
    }

    private record Claim(HolderRef holder, Lease lease) {
    }

    private final PlacementEngine<HolderRef> engine;
    private final Cluster cluster;
    private final Logger log;
    private final long startedNanos = System.nanoTime();
    private final boolean takeover;
    private boolean active = true;
    private boolean sawLeases;
    private long finishedNanos;
    private long lastOrphanCheck;
    private final Map<String, Orphan> orphans = new LinkedHashMap<>();
    private final Map<String, Claim> pending = new LinkedHashMap<>();
    private final Map<String, Set<String>> lastReport = new LinkedHashMap<>();
    /** Foreign lease ids released while unknown, and foreign ones ended here: never adopted again. */
    private final LinkedHashSet<String> ended = new LinkedHashSet<>();

    /**
     * @param takeover rebuild as after a failover even when the membership shows no other node
     */
    public Rebuild(PlacementEngine<HolderRef> engine, Cluster cluster, Logger log, boolean takeover) {
        this.engine = engine;
        this.cluster = cluster;
        this.log = log;
        this.takeover = takeover || nodeMembers().size() > 1;
    }

    /** True until the rebuild ended. */
    public boolean active() {
        return active;
    }

    /** Whether the rebuild may end, given the nodes registered so far. */
    public boolean done(Set<String> registered) {
        long elapsed = System.nanoTime() - startedNanos;
        if (elapsed >= MAX_REBUILD.toNanos()) return true;
        if (!registered.containsAll(nodeMembers())) return false;
        return !(takeover || sawLeases) || elapsed >= HOLDER_GRACE.toNanos();
    }

    /** Ends the rebuild: the claims of holders are settled (adopted, or revoked). The caller resumes the engine. */
    public void finish() {
        active = false;
        finishedNanos = System.nanoTime();
        int adopted = 0, revoked = 0;
        for (Claim c : pending.values()) {
            if (settle(c.holder(), c.lease())) adopted++;
            else revoked++;
        }
        pending.clear();
        if (takeover || sawLeases || adopted + revoked > 0) {
            log.info("ResourceManager rebuilt what is held in {} ms: {} leases, {} claimed by holders, {} claims revoked, {} unclaimed",
                    (finishedNanos - startedNanos) / 1_000_000, engine.leases().size(), adopted, revoked, orphans.size());
        }
    }

    /** The reachable Up members of role node, as node ids. */
    private Set<String> nodeMembers() {
        Set<String> out = new HashSet<>();
        Set<Member> unreachable = cluster.state().getUnreachable();
        for (Member m : cluster.state().getMembers()) {
            if (m.status() == MemberStatus.up() && m.hasRole(NodeConfig.ROLE_NODE) && !unreachable.contains(m)) {
                out.add(m.address().toString());
            }
        }
        return out;
    }

    private boolean isLiveMember(String address) {
        for (Member m : cluster.state().getMembers()) {
            if (m.address().toString().equals(address)) {
                return m.status() != MemberStatus.down() && m.status() != MemberStatus.removed()
                        && m.status() != MemberStatus.exiting();
            }
        }
        return false;
    }

    /** A node registered (first time, or a new incarnation): adopt what runs there. */
    public void adoptReported(ResourceManager.RegisterNode m, ActorRef<NodeAgent.Command> agent) {
        Set<String> ids = new HashSet<>();
        for (NodeAgent.RunningLease r : m.leases()) {
            ids.add(r.leaseId());
            adoptOne(m.nodeId(), r, agent);
        }
        lastReport.put(m.nodeId(), ids);
    }

    /** A known node re-advertised: end there what was released here, adopt what is new. */
    public void reconcile(ResourceManager.RegisterNode m, ActorRef<NodeAgent.Command> agent) {
        Set<String> ids = new HashSet<>();
        for (NodeAgent.RunningLease r : m.leases()) {
            ids.add(r.leaseId());
            if (engine.lease(r.leaseId()) == null) adoptOne(m.nodeId(), r, agent);
        }
        lastReport.put(m.nodeId(), ids);
        var node = engine.node(m.nodeId());
        if (node != null && m.drainDeadlineMs() >= 0 && !node.draining()) engine.setDraining(m.nodeId(), m.drainDeadlineMs());
    }

    private void adoptOne(String nodeId, NodeAgent.RunningLease r, ActorRef<NodeAgent.Command> agent) {
        if (engine.lease(r.leaseId()) != null) return;
        if (engine.issuedHere(r.leaseId()) || ended.contains(r.leaseId())) {
            agent.tell(new NodeAgent.LeaseEnded(r.leaseId()));
            return;
        }
        sawLeases = true;
        EngineLease<HolderRef> h = engine.adopt(r.leaseId(), nodeId, r.allocation(), r.leaseId(), "", null);
        if (h == null) {
            log.warn("lease {} runs on {} ({}) but conflicts with leases accounted there: ending it", r.leaseId(), nodeId,
                    r.allocation().spec());
            remember(r.leaseId());
            agent.tell(new NodeAgent.LeaseEnded(r.leaseId()));
            return;
        }
        orphans.put(r.leaseId(), new Orphan(r.owner(), nodeId));
    }

    /** A holder lists the leases it holds: bind known ones to it, adopt or revoke the others. */
    public void claim(HolderRef holder, java.util.List<Lease> held) {
        for (Lease l : held) {
            EngineLease<HolderRef> known = engine.lease(l.leaseId());
            if (known != null) {
                if (!holder.equals(known.holder())) engine.bind(known, holder, holder.group(), l.requestId());
                orphans.remove(l.leaseId());
                continue;
            }
            if (engine.issuedHere(l.leaseId()) || ended.contains(l.leaseId())) {
                holder.replyTo().tell(new LeaseReply.Revoked(l.requestId(), l.leaseId(), "lease " + l.leaseId()
                        + " is no longer held (it was released or revoked)"));
                continue;
            }
            if (active) pending.put(l.leaseId(), new Claim(holder, l));
            else settle(holder, l);
        }
    }

    /** Adopts a claimed lease for its holder, or revokes it; true when adopted. */
    private boolean settle(HolderRef holder, Lease l) {
        EngineLease<HolderRef> known = engine.lease(l.leaseId());
        if (known != null) {
            engine.bind(known, holder, holder.group(), l.requestId());
            orphans.remove(l.leaseId());
            return true;
        }
        String why = null;
        if (engine.node(l.nodeId()) == null) {
            why = "its node " + l.nodeId() + " is not in the cluster any more";
        } else if (ended.contains(l.leaseId())) {
            why = "it was released";
        } else if (engine.adopt(l.leaseId(), l.nodeId(), l.allocation(), l.requestId(), holder.group(), holder) == null) {
            why = "its resources on " + l.nodeId() + " are held by other leases";
        }
        if (why == null) return true;
        remember(l.leaseId());
        holder.replyTo().tell(new LeaseReply.Revoked(l.requestId(), l.leaseId(), "lease " + l.leaseId()
                + " could not be re-adopted by the new ResourceManager: " + why));
        return false;
    }

    /** A release of a lease not known here (one of an earlier ResourceManager, not re-adopted yet). */
    public void releasedUnknown(String leaseId) {
        if (!engine.issuedHere(leaseId)) {
            remember(leaseId);
            pending.remove(leaseId);
        }
    }

    /**
     * The lease is gone (released, revoked, its node lost). A holder's claim of it still waiting
     * for the rebuild to end is dropped (the holder hears it is revoked), and an earlier
     * ResourceManager's lease id is remembered, so that neither that claim nor a later report
     * adopts it again.
     */
    public void forget(String leaseId) {
        orphans.remove(leaseId);
        if (!engine.issuedHere(leaseId)) remember(leaseId);
        Claim c = pending.remove(leaseId);
        if (c != null) {
            c.holder().replyTo().tell(new LeaseReply.Revoked(c.lease().requestId(), leaseId, "lease " + leaseId
                    + " is no longer held (it was released or revoked while the ResourceManager rebuilt)"));
        }
    }

    /** Ends the unclaimed re-adopted leases whose owner is gone or whose work ended; returns how many. */
    public int expireOrphans(Consumer<String> end) {
        if (active || orphans.isEmpty()) return 0;
        long now = System.nanoTime();
        if (now - finishedNanos < ORPHAN_GRACE.toNanos() || now - lastOrphanCheck < 1_000_000_000L) return 0;
        lastOrphanCheck = now;
        int n = 0;
        for (Iterator<Map.Entry<String, Orphan>> it = orphans.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Orphan> e = it.next();
            EngineLease<HolderRef> h = engine.lease(e.getKey());
            if (h == null || h.holder() != null) {
                it.remove();
                continue;
            }
            Set<String> running = lastReport.getOrDefault(e.getValue().nodeId(), Set.of());
            if (!isLiveMember(e.getValue().owner()) || !running.contains(e.getKey())) {
                it.remove();
                remember(e.getKey());
                log.info("ending unclaimed lease {} on {} (owner {} {})", e.getKey(), e.getValue().nodeId(), e.getValue().owner(),
                        running.contains(e.getKey()) ? "is gone" : "runs nothing on it any more");
                end.accept(e.getKey());
                n++;
            }
        }
        return n;
    }

    /** Ends the unclaimed leases whose works' owner was {@code address}; returns how many. */
    public int endOrphansOf(String address, Consumer<String> end) {
        int n = 0;
        for (Iterator<Map.Entry<String, Orphan>> it = orphans.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Orphan> e = it.next();
            if (e.getValue().owner().equals(address)) {
                it.remove();
                remember(e.getKey());
                end.accept(e.getKey());
                n++;
            }
        }
        return n;
    }

    private void remember(String leaseId) {
        ended.add(leaseId);
        if (ended.size() > REMEMBERED) {
            Iterator<String> it = ended.iterator();
            it.next();
            it.remove();
        }
    }
}
