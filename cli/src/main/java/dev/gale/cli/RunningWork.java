package dev.gale.cli;

import dev.gale.cluster.GaleNode;
import dev.gale.cluster.NodeAgent;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.receptionist.Receptionist;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The work each node of a cluster runs now, as its {@link NodeAgent} reports it
 * ({@link NodeAgent.GetAllocations}): the ground truth of {@code gale cluster status}'s "Running"
 * section. A lease is requested for one trial and may then run others (its holder reuses it), so
 * the ResourceManager's lease holders do not say which trial runs; the agents do.
 *
 * <p>Promises: {@link #query} waits at most {@code timeout} in all and never fails: a node whose
 * agent was not found or did not answer in time is absent from the result (the caller falls back
 * to the lease holders for it). Work ids {@code <experiment>@<controller address>/<trial>#<run>}
 * are shown as {@code <experiment>/<trial>#<run>}; other ids as they are.
 */
final class RunningWork {
    private RunningWork() {
    }

    /**
     * Asks the agents of the nodes {@code nodeIds} what runs there.
     *
     * @return node id to its running work (short ids, sorted); nodes that did not answer are absent
     */
    static Map<String, List<String>> query(GaleNode client, Set<String> nodeIds, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        var system = client.system();
        Map<String, List<String>> out = new HashMap<>();
        Set<ActorRef<NodeAgent.Command>> agents = Set.of();
        // a client that has just joined may see a partial listing for a moment: ask again until every node's agent is listed
        while (System.nanoTime() < deadline) {
            try {
                Receptionist.Listing l = AskPattern.<Receptionist.Command, Receptionist.Listing>ask(system.receptionist(),
                                r -> Receptionist.find(NodeAgent.KEY, r), Duration.ofSeconds(2), system.scheduler())
                        .toCompletableFuture().get(3, TimeUnit.SECONDS);
                agents = l.getServiceInstances(NodeAgent.KEY);
                if (agents.size() >= nodeIds.size()) break;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return out;
            } catch (Exception e) {
                // the receptionist did not answer in time: ask again while time is left
            }
            sleep(100);
        }
        List<CompletableFuture<NodeAgent.Allocations>> asks = new ArrayList<>();
        long left = Math.max(500, (deadline - System.nanoTime()) / 1_000_000);
        for (ActorRef<NodeAgent.Command> agent : agents) {
            asks.add(AskPattern.<NodeAgent.Command, NodeAgent.Allocations>ask(agent, NodeAgent.GetAllocations::new,
                    Duration.ofMillis(left), system.scheduler()).toCompletableFuture());
        }
        for (CompletableFuture<NodeAgent.Allocations> f : asks) {
            try {
                NodeAgent.Allocations a = f.get(left + 1000, TimeUnit.MILLISECONDS);
                if (!nodeIds.contains(a.nodeId())) continue;
                List<String> works = new ArrayList<>();
                for (NodeAgent.RunningLease r : a.leases()) {
                    for (String w : r.workIds()) works.add(shortId(w));
                }
                works.sort(null);
                out.put(a.nodeId(), works);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return out;
            } catch (Exception e) {
                // that agent did not answer (its node is leaving, or busy): the caller shows its lease holders
            }
        }
        return out;
    }

    /** {@code exp@pekko://gale@10.0.0.1:25520/tuneController/trial_00008#1} as {@code exp/trial_00008#1}; other ids unchanged. */
    static String shortId(String workId) {
        int at = workId.indexOf('@');
        int slash = workId.lastIndexOf('/');
        if (at <= 0 || slash < at || slash == workId.length() - 1) return workId;
        return workId.substring(0, at) + "/" + workId.substring(slash + 1);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
