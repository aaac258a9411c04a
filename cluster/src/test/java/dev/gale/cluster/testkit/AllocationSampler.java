package dev.gale.cluster.testkit;

import dev.gale.cluster.GaleNode;
import dev.gale.cluster.NodeAgent;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.receptionist.Receptionist;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Asks every node's agent ({@link NodeAgent#KEY}) for its own allocations every 250 ms, from a
 * client member, and checks each answer as it comes: no node over-committed (CPUs), no lease seen
 * on two nodes. For tests of failover ("no resource is ever granted twice").
 */
public final class AllocationSampler implements AutoCloseable {
    final GaleNode client;
    final Map<String, String> leaseNode = new ConcurrentHashMap<>();
    public final List<String> violations = Collections.synchronizedList(new ArrayList<>());
    public final AtomicInteger samples = new AtomicInteger();
    public volatile int maxRunning;
    public volatile int agentsSeen;
    public volatile String lastError = "none";
    volatile boolean stop;
    final Thread thread;

    public AllocationSampler(GaleNode client) {
        this.client = client;
        this.thread = new Thread(this::run, "allocation-sampler");
        thread.setDaemon(true);
        thread.start();
    }

    void run() {
        while (!stop) {
            try {
                Receptionist.Listing l = AskPattern.<Receptionist.Command, Receptionist.Listing>ask(client.system().receptionist(),
                                r -> Receptionist.find(NodeAgent.KEY, r), Duration.ofSeconds(2), client.system().scheduler())
                        .toCompletableFuture().get(3, TimeUnit.SECONDS);
                int running = 0;
                agentsSeen = l.getServiceInstances(NodeAgent.KEY).size();
                for (ActorRef<NodeAgent.Command> agent : l.getServiceInstances(NodeAgent.KEY)) {
                    NodeAgent.Allocations a;
                    try {
                        a = AskPattern.<NodeAgent.Command, NodeAgent.Allocations>ask(agent, NodeAgent.GetAllocations::new,
                                Duration.ofSeconds(2), client.system().scheduler()).toCompletableFuture().get(3, TimeUnit.SECONDS);
                    } catch (Exception dead) {
                        lastError = dead.toString();
                        continue; // the killed node
                    }
                    check(a);
                    running += a.leases().size();
                }
                maxRunning = Math.max(maxRunning, running);
                samples.incrementAndGet();
                Thread.sleep(250);
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                lastError = e.toString(); // the receptionist did not answer in time (membership changing): sample again
            }
        }
    }

    void check(NodeAgent.Allocations a) {
        double cpus = 0;
        for (NodeAgent.RunningLease l : a.leases()) {
            cpus += l.allocation().cpus();
            String before = leaseNode.putIfAbsent(l.leaseId(), a.nodeId());
            if (before != null && !before.equals(a.nodeId())) {
                violations.add("lease " + l.leaseId() + " seen on " + before + " and on " + a.nodeId());
            }
        }
        if (cpus > a.inventory().cpus() + 1e-9) {
            violations.add(a.nodeId() + " over-committed: " + cpus + " CPUs leased of " + a.inventory().cpus() + ": " + a.leases());
        }
    }

    /** Waits (up to 15 s: the receptionist may take a while to list every agent) until {@code n} leases were seen at once. */
    public boolean sawRunning(int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (maxRunning < n && System.nanoTime() < deadline) Thread.sleep(50);
        return maxRunning >= n;
    }

    @Override
    public void close() throws InterruptedException {
        stop = true;
        thread.interrupt();
        thread.join(10_000);
    }
}
