package dev.gale.bench;

import dev.gale.cluster.Bundle;
import dev.gale.cluster.GaleNode;
import dev.gale.cluster.Lease;
import dev.gale.cluster.LeaseReply;
import dev.gale.cluster.NodeAgent;
import dev.gale.cluster.NodeConfig;
import dev.gale.cluster.NodeMain;
import dev.gale.cluster.ResourceManager;
import dev.gale.cluster.internal.DemandEntry;
import dev.gale.cluster.internal.EngineLease;
import dev.gale.cluster.internal.PlacementEngine;
import dev.gale.gpu.NodeInventory;
import dev.gale.gpu.ResourceSpec;
import dev.gale.tune.Mode;
import dev.gale.tune.ResultGrid;
import dev.gale.tune.RunConfig;
import dev.gale.tune.TrialStatus;
import dev.gale.tune.TrialSummary;
import dev.gale.tune.TuneConfig;
import dev.gale.tune.Tuner;
import dev.gale.tune.search.Domains;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code gale bench placement}: the cost of placing work on a remote node and of streaming
 * results across nodes, on a real two-JVM cluster on 127.0.0.1.
 *
 * <p>This JVM is the head (it hosts the ResourceManager and offers no resources); a worker JVM
 * ({@link NodeMain}) joins with 8 CPUs. Figures:
 * <ol>
 *   <li><b>placement latency</b>: from sending a lease request to the ResourceManager to the
 *       work's first instruction running on the remote node, which stamps {@code System.nanoTime}
 *       there (one machine: the monotonic clock is shared by the two JVMs); p50 and p99 over
 *       {@code --placements} sequential placements after a warm-up (target p50 ≤ 2 ms). The same
 *       up to the stamp's arrival back here (one extra trip, no shared clock needed) is printed as
 *       an upper bound;</li>
 *   <li><b>cross-node result throughput</b>: {@code --trials} trials on the remote node each
 *       reporting {@code --results}/trials results as fast as they can into a Tuner here,
 *       results/s over the trials' own running time (target ≥ 20,000), beside the same run on an
 *       embedded in-process node as the baseline.</li>
 *   <li><b>placement engine throughput</b>: a ResourceManager in this JVM with 100 nodes of 8
 *       CPUs and {@code --waiting} (10,000) waiting 1-CPU bundles from as many holders in 10
 *       groups; each grant is released at once, so every release places the next bundle. Bundles
 *       placed per second while the queue drains (in process, no Artery); and the same demand on the
 *       {@link PlacementEngine} alone, without the actor (its own cost, a steadier figure).</li>
 * </ol>
 */
public final class PlacementBench {
    private PlacementBench() {
    }

    /** Runs the benchmark; returns 0 when both targets are met, 1 otherwise. */
    public static int run(List<String> args, PrintStream out) throws Exception {
        int placements = OverheadBench.intArg(args, "--placements", 2000);
        int results = OverheadBench.intArg(args, "--results", 400_000);
        int trials = OverheadBench.intArg(args, "--trials", 2);
        int waiting = OverheadBench.intArg(args, "--waiting", 10_000);
        String dir = OverheadBench.strArg(args, "--dir", System.getProperty("java.io.tmpdir"));
        Files.createDirectories(Path.of(dir));
        Path base = Files.createTempDirectory(Path.of(dir), "gale-bench-placement");
        out.printf(Locale.ROOT, "gale bench placement: head in this JVM, one worker JVM (8 CPUs), %,d placements,"
                + " %,d results in %d trials, experiments in %s%n", placements, results, trials, base);
        GaleNode head = GaleNode.start(new NodeConfig("127.0.0.1", 0, List.of(), new NodeInventory(0, 0, List.of(), Map.of())));
        Process worker = null;
        double p50, p99, remoteRps, localRps;
        try {
            double placed = engineThroughput(head, waiting);
            out.printf(Locale.ROOT, "placement engine: 100 nodes x 8 CPUs, %,d waiting 1-CPU bundles in 10 groups:"
                    + " %,.0f bundles placed/s (each release places the next, in process)%n", waiting, placed);
            out.printf(Locale.ROOT, "  the placement engine alone (no actor, no messages), the same demand: %,.0f bundles placed/s"
                    + " (median of rounds 11-20 of 20)%n", engineAlone(waiting, 20));
            worker = startWorker(head.address(), out);
            awaitNodes(head, 2);
            double[][] parts = new double[4][placements];
            double[] trip = latencies(head, placements, parts);
            double[] lat = parts[3];
            p50 = percentile(lat, 0.50);
            p99 = percentile(lat, 0.99);
            out.printf(Locale.ROOT, "placement latency (request -> work running on the remote node): p50 %.3f ms,"
                    + " p90 %.3f ms, p99 %.3f ms, max %.3f ms over %,d placements%n", p50, percentile(lat, 0.90), p99,
                    percentile(lat, 1.0), placements);
            out.printf(Locale.ROOT, "  with the work's message back here (needs no shared clock): p50 %.3f ms, p99 %.3f ms%n",
                    percentile(trip, 0.50), percentile(trip, 0.99));
            out.printf(Locale.ROOT, "  medians of the parts: lease granted %.3f ms, StartWork -> work running on the node %.3f ms,"
                    + " its message back %.3f ms (one machine: System.nanoTime is comparable across the JVMs)%n",
                    percentile(parts[0], 0.5), percentile(parts[1], 0.5), percentile(parts[2], 0.5));
            // warm-up of the result path, then the measured runs
            throughput(head, base, "remote-warmup", Math.max(1, trials), Math.min(results, 50_000));
            remoteRps = throughput(head, base, "remote", trials, results);
        } finally {
            if (worker != null) {
                worker.destroy();
                if (!worker.waitFor(20, TimeUnit.SECONDS)) worker.destroyForcibly();
            }
            head.close();
        }
        try (GaleNode local = GaleNode.start(NodeConfig.embedded().withInventory(new NodeInventory(8, 1L << 30, List.of(), Map.of())))) {
            throughput(local, base, "local-warmup", Math.max(1, trials), Math.min(results, 50_000));
            localRps = throughput(local, base, "local", trials, results);
        } finally {
            OverheadBench.deleteTree(base);
        }
        out.printf(Locale.ROOT, "cross-node results/s = %,.0f (%d trials on the worker JVM); in-process baseline %,.0f"
                + " (ratio %.2f)%n", remoteRps, trials, localRps, remoteRps / localRps);
        boolean ok1 = p50 <= 2.0;
        boolean ok2 = remoteRps >= 20_000;
        out.printf(Locale.ROOT, "placement p50 %.3f ms (target <= 2 ms: %s); cross-node %,.0f results/s (target >= 20,000: %s)%n",
                p50, ok1 ? "met" : "NOT met", remoteRps, ok2 ? "met" : "NOT met");
        return ok1 && ok2 ? 0 : 1;
    }

    private static Process startWorker(String headAddress, PrintStream out) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        if (Runtime.version().feature() >= 23) cmd.add("--sun-misc-unsafe-memory-access=allow");
        cmd.addAll(List.of("-Xss1m", NodeMain.class.getName(), "--join", headAddress, "--resources", "cpus=8,memory=4GiB"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        CompletableFuture<Void> up = new CompletableFuture<>();
        Thread pump = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                StringBuilder seen = new StringBuilder();
                while ((line = r.readLine()) != null) {
                    if (line.startsWith(NodeMain.UP_PREFIX)) up.complete(null);
                    else if (!up.isDone()) seen.append(line).append('\n');
                }
                if (!up.isDone()) up.completeExceptionally(new IllegalStateException("worker JVM exited:\n" + seen));
            } catch (IOException e) {
                up.completeExceptionally(e);
            }
        }, "worker-output");
        pump.setDaemon(true);
        pump.start();
        try {
            up.get(120, TimeUnit.SECONDS);
        } catch (Exception e) {
            p.destroyForcibly();
            throw new IllegalStateException("the worker JVM did not come up: " + e.getMessage(), e);
        }
        return p;
    }

    private static void awaitNodes(GaleNode head, int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (head.status(Duration.ofSeconds(10)).nodes().size() < n) {
            if (System.nanoTime() > deadline) throw new IllegalStateException("the worker never registered");
            Thread.sleep(50);
        }
    }

    /**
     * Bundles placed per second by a ResourceManager of 100 fake nodes while {@code waiting}
     * single-bundle demands drain: every grant is released at once by the collecting actor.
     */
    private static double engineThroughput(GaleNode head, int waiting) throws Exception {
        var system = head.system();
        int nodes = 100;
        CompletableFuture<Long> done = new CompletableFuture<>();
        java.util.concurrent.atomic.AtomicLong firstNanos = new java.util.concurrent.atomic.AtomicLong();
        ActorRef<ResourceManager.Command> rm = system.systemActorOf(ResourceManager.create(), "bench-rm-" + System.nanoTime(),
                Props.empty());
        ActorRef<NodeAgent.Command> agent = system.systemActorOf(Behaviors.<NodeAgent.Command>ignore(), "bench-agent-" + System.nanoTime(),
                Props.empty());
        // the head itself is a node member: register it (empty) so that the new ResourceManager's rebuild ends at once
        rm.tell(new ResourceManager.RegisterNode(head.nodeId(), new NodeInventory(0, 0, List.of(), Map.of()), agent));
        for (int i = 0; i < nodes; i++) {
            rm.tell(new ResourceManager.RegisterNode("bench-node-" + i, new NodeInventory(8, 64L << 30, List.of(), Map.of()), agent));
        }
        int slots = nodes * 8;
        ActorRef<LeaseReply> collector = system.systemActorOf(Behaviors.setup(ctx -> {
            int[] granted = {0};
            return Behaviors.receiveMessage(r -> {
                if (r instanceof LeaseReply.BundleGranted g) {
                    if (++granted[0] == slots) firstNanos.set(System.nanoTime());
                    if (granted[0] >= slots) {
                        for (Lease l : g.leases()) rm.tell(new ResourceManager.ReleaseLease(l.leaseId()));
                    }
                    if (granted[0] == waiting) done.complete(System.nanoTime());
                }
                return Behaviors.same();
            });
        }), "bench-collector-" + System.nanoTime(), Props.empty());
        Bundle one = Bundle.of(ResourceSpec.ofCpus(1));
        for (int i = 0; i < waiting; i++) {
            rm.tell(new ResourceManager.Demand("holder-" + i, "group-" + (i % 10), collector,
                    new ResourceManager.Want("k", one, 1, 0, null, false)));
        }
        long end = done.get(300, TimeUnit.SECONDS);
        system.classicSystem().stop(org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(rm));
        system.classicSystem().stop(org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(collector));
        system.classicSystem().stop(org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(agent));
        // the first `slots` grants fill the nodes; from then on each release places the next bundle
        return (waiting - slots) / ((end - firstNanos.get()) / 1e9);
    }

    /**
     * The {@link PlacementEngine} by itself, as the ResourceManager drives it but without the
     * actor and its messages: 100 nodes of 8 CPUs, {@code waiting} 1-CPU bundles from as many
     * holders in 10 groups, each grant released at once and the queue drained after each release.
     * Bundles placed per second, the median of the second half of {@code rounds} fresh engines
     * (the first half warms the JIT). A figure of the engine's own cost, steadier than the
     * actor-driven one, whose 0.3-0.6 s runs move with the JIT's and the dispatcher's timing.
     */
    static double engineAlone(int waiting, int rounds) {
        double[] rates = new double[rounds];
        Bundle one = Bundle.of(ResourceSpec.ofCpus(1));
        NodeInventory node = new NodeInventory(8, 64L << 30, List.of(), Map.of());
        for (int r = 0; r < rounds; r++) {
            java.util.ArrayDeque<String> granted = new java.util.ArrayDeque<>();
            PlacementEngine<String> engine = new PlacementEngine<>(java.time.Clock.systemUTC(), "B-", new PlacementEngine.Listener<>() {
                @Override
                public void granted(DemandEntry<String> entry, List<EngineLease<String>> leases) {
                    for (EngineLease<String> l : leases) granted.add(l.leaseId());
                }

                @Override
                public void refused(DemandEntry<String> entry, String reason) {
                    throw new IllegalStateException("the bench's bundle was refused: " + reason);
                }

                @Override
                public void timedOut(DemandEntry<String> entry, String reason) {
                    throw new IllegalStateException("the bench's bundle timed out: " + reason);
                }
            });
            for (int i = 0; i < 100; i++) engine.addNode("bench-node-" + i, node, Map.of());
            for (int i = 0; i < waiting; i++) {
                engine.want("holder-" + i, "k", "holder-" + i, "group-" + (i % 10), one, 1, 0, -1, false, false);
            }
            engine.drain();
            int placed = 0;
            long start = System.nanoTime();
            while (!granted.isEmpty()) {
                engine.release(granted.poll());
                engine.drain();
                placed++;
            }
            rates[r] = (placed - Math.min(waiting, 800)) / ((System.nanoTime() - start) / 1e9);
        }
        double[] warm = Arrays.copyOfRange(rates, rounds / 2, rounds);
        Arrays.sort(warm);
        return warm[warm.length / 2];
    }

    /** Sequential placements of a 1-CPU PingWork on the worker; latency of each in ms. */
    private static double[] latencies(GaleNode head, int n, double[][] parts) throws Exception {
        int warm = Math.min(500, n);
        double[] out = new double[n];
        var scheduler = head.system().scheduler();
        Duration t = Duration.ofSeconds(10);
        for (int i = -warm; i < n; i++) {
            String id = "ping-" + i;
            long t0 = System.nanoTime();
            LeaseReply reply = AskPattern.<ResourceManager.Command, LeaseReply>ask(head.resourceManager(),
                    r -> new ResourceManager.RequestLease(id, ResourceSpec.ofCpus(1), r), t, scheduler)
                    .toCompletableFuture().get(10, TimeUnit.SECONDS);
            Lease lease = ((LeaseReply.Granted) reply).lease();
            long tGrant = System.nanoTime();
            PingWork.Started started = AskPattern.<NodeAgent.Command, PingWork.Started>ask(lease.agent(),
                    r -> new NodeAgent.StartWork(id, lease.leaseId(), lease.allocation(), PingWork.class.getName(), "",
                            r, head.system().ignoreRef()), t, scheduler)
                    .toCompletableFuture().get(10, TimeUnit.SECONDS);
            long t1 = System.nanoTime();
            head.resourceManager().tell(new ResourceManager.ReleaseLease(lease.leaseId()));
            if (i >= 0) {
                out[i] = (t1 - t0) / 1e6;
                parts[0][i] = (tGrant - t0) / 1e6;
                parts[1][i] = (started.nodeNanos() - tGrant) / 1e6;
                parts[2][i] = (t1 - started.nodeNanos()) / 1e6;
                parts[3][i] = (started.nodeNanos() - t0) / 1e6;
            }
        }
        return out;
    }

    /** results/s of {@code trials} FloodTrainable trials sharing {@code results} results, over their running time. */
    private static double throughput(GaleNode node, Path base, String name, int trials, int results) {
        Map<String, Object> space = new LinkedHashMap<>();
        space.put("x", Domains.uniform(0, 1));
        space.put("results", results / trials);
        ResultGrid g = Tuner.builder(FloodTrainable.class).paramSpace(space)
                .tuneConfig(TuneConfig.builder().metric("score").mode(Mode.MAX).numSamples(trials).seed(1)
                        .searcher(dev.gale.tune.search.Searchers.random()) // the framework's cost, not a sampler's (auto is the default)
                        .build())
                .runConfig(new RunConfig(name, base, true, 1000))
                .resources(ResourceSpec.ofCpus(1)).node(node).build().fit();
        if (g.count(TrialStatus.TERMINATED) != trials) throw new IllegalStateException(name + ": " + g.table());
        double longest = 0;
        for (TrialSummary t : g.trials()) longest = Math.max(longest, ((Number) t.lastResult().get("time_total_s")).doubleValue());
        return (double) (results / trials) * trials / longest;
    }

    private static double percentile(double[] v, double q) {
        double[] c = v.clone();
        Arrays.sort(c);
        int i = (int) Math.ceil(q * c.length) - 1;
        return c[Math.max(0, Math.min(c.length - 1, i))];
    }

    /** Entry point for running without the CLI. */
    public static void main(String[] args) throws Exception {
        System.exit(run(List.of(args), System.out));
    }
}
