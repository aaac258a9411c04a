package dev.gale.bench;

import dev.gale.autoscaler.Autoscaler;
import dev.gale.autoscaler.AutoscalerSettings;
import dev.gale.autoscaler.ClusterConfig;
import dev.gale.autoscaler.HeadConfig;
import dev.gale.autoscaler.NodeProvider;
import dev.gale.autoscaler.NodeProviderFactory;
import dev.gale.autoscaler.NodeResources;
import dev.gale.autoscaler.NodeType;
import dev.gale.autoscaler.ProviderConfig;
import dev.gale.autoscaler.ProviderContext;
import dev.gale.autoscaler.Simulation;
import dev.gale.autoscaler.internal.AutoscalerCore;
import dev.gale.autoscaler.internal.Planner;
import dev.gale.cluster.Bundle;
import dev.gale.cluster.DemandSnapshot;
import dev.gale.cluster.GaleNode;
import dev.gale.cluster.LeaseReply;
import dev.gale.cluster.NodeConfig;
import dev.gale.cluster.ResourceManager;
import dev.gale.gpu.NodeInventory;
import dev.gale.gpu.ResourceSpec;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code gale bench autoscaler}: the autoscaler's figures (targets in issue 12).
 * <ol>
 *   <li><b>simulation</b>: a synthetic tuning day of {@code --trials} trials (three bursts: 1-CPU
 *       trials, 4-CPU trials, 3-worker gangs) replayed through the autoscaler's reconcile code and
 *       the cluster's placement engine against a simulated provider (boot 60 ± 30 s, 2 % launch
 *       failures), on up to {@code --max-nodes} nodes: nodes over time, pending p50/p99, cost,
 *       idle node-hours, overshoot, the longest idle-to-gone time, and the same trace on a
 *       fixed-size cluster of the same cost;</li>
 *   <li><b>reconcile</b>: one reconcile of 10,000 pending specs against 50 node types and 1,000
 *       nodes (median of 15; target ≤ 50 ms);</li>
 *   <li><b>demand to a running trial</b> (unless {@code --no-local}): a head in this JVM offering 1 CPU,
 *       the {@code local} provider, a 2-CPU request: time until it is granted on a newly launched
 *       worker JVM (target ≤ 10 s on 2 cores).</li>
 * </ol>
 */
public final class AutoscalerBench {
    private static final long GIB = 1L << 30;
    /** {@code --aot-cache auto}: the local provider's default, recording with the first node of a state directory. */
    private static final Path AUTO = Path.of("auto");

    private AutoscalerBench() {
    }

    /** Runs the bench with {@code args} ({@code --trials N --max-nodes N --seed N --no-local}); returns 0. */
    public static int run(List<String> args, PrintStream out) throws Exception {
        int trials = 5000;
        int maxNodes = 300;
        long seed = 1;
        boolean local = true;
        boolean sim = true;
        Path aot = null;
        int runs = 1;
        for (int i = 0; i < args.size(); i++) {
            switch (args.get(i)) {
                case "--trials" -> trials = Integer.parseInt(args.get(++i));
                case "--max-nodes" -> maxNodes = Integer.parseInt(args.get(++i));
                case "--seed" -> seed = Long.parseLong(args.get(++i));
                case "--no-local" -> local = false;
                case "--only-local" -> sim = false;
                case "--aot-cache" -> aot = args.get(++i).equals("auto") ? AUTO : Path.of(args.get(i)).toAbsolutePath();
                case "--local-runs" -> runs = Integer.parseInt(args.get(++i));
                default -> throw new IllegalArgumentException("unknown option '" + args.get(i) + "': use --trials N --max-nodes N --seed N"
                        + " --no-local --only-local --aot-cache FILE --local-runs N");
            }
        }
        if (runs < 1) throw new IllegalArgumentException("--local-runs " + runs + ": give 1 or more");
        if (sim) {
            simulation(trials, maxNodes, seed, out);
            reconcile(out);
        }
        if (local) local(out, aot, runs);
        return 0;
    }

    static void simulation(int trials, int maxNodes, long seed, PrintStream out) {
        NodeType cpu16 = NodeType.of("cpu-16", NodeResources.cpu(16, 64 * GIB), 0.76, 0, maxNodes);
        NodeType cpu4 = NodeType.of("cpu-4", NodeResources.cpu(4, 16 * GIB), 0.20, 0, maxNodes);
        NodeType gpu = NodeType.of("gpu-1", NodeResources.cpu(8, 64 * GIB).withGpus(1, 24 * GIB, "L4"), 0.80, 0, 50);
        ClusterConfig c = new ClusterConfig("sim", HeadConfig.defaults(), ProviderConfig.local(),
                AutoscalerSettings.defaults().withMaxNodes(maxNodes), List.of(gpu, cpu16, cpu4));
        List<Simulation.Trial> trace = Simulation.tuningDay(trials, seed);
        long t0 = System.nanoTime();
        Simulation.Report r = Simulation.autoscaled(c, new Simulation.Provider(60, 30, 0.02, Map.of(), seed), trace);
        double wall = (System.nanoTime() - t0) / 1e9;
        out.printf(Locale.ROOT, "simulation: %d trials, types gpu-1 0.80/h, cpu-16 0.76/h, cpu-4 0.20/h, maxNodes %d, boot 60±30 s, 2%% launch failures%n",
                trials, maxNodes);
        out.printf(Locale.ROOT, "  simulated %.1f h in %.1f s of wall time (%.0fx real time)%n", r.makespan() / 3600, wall, r.makespan() / wall);
        print("autoscaled", r, out);
        split(r, c, out);
        out.println("  nodes over time (every 10 min): " + every(r.nodesOverTime(), 10));
        ClusterConfig noMoves = new ClusterConfig("sim", HeadConfig.defaults(), ProviderConfig.local(),
                AutoscalerSettings.defaults().withMaxNodes(maxNodes).withConsolidation(false), List.of(gpu, cpu16, cpu4));
        Simulation.Report off = Simulation.autoscaled(noMoves, new Simulation.Provider(60, 30, 0.02, Map.of(), seed), trace);
        double work = 0;
        for (Simulation.Trial t : trace) work += t.duration() * t.bundle().size();
        out.printf(Locale.ROOT, "  consolidation (checkpointed work moved off under-used nodes while nothing waits): %d moves (%.2f per trial),"
                        + " %.1f worker-hours run again (%.1f%% of the trials' %.1f: work since the last checkpoint and the resume),"
                        + " makespan %.2f h against %.2f h without%n", r.moves(), (double) r.moves() / trace.size(), r.redoneSeconds() / 3600,
                100 * r.redoneSeconds() / work, work / 3600, r.makespan() / 3600, off.makespan() / 3600);
        out.printf(Locale.ROOT, "  against the demand as given (the cheapest packing of the run without moves, %.2f: no work run twice):"
                        + " nodes holding leases x%.3f, total cost x%.2f%n", off.packingCost(), r.busyCost() / off.packingCost(),
                r.cost() / off.packingCost());
        print("without consolidation (autoscaler.consolidation: false)", off, out);
        split(off, noMoves, out);
        int fixedNodes = Math.max(1, (int) Math.round(r.cost() / (cpu16.costPerHour() * r.makespan() / 3600)));
        Simulation.Report f = Simulation.fixed(cpu16, fixedNodes, trace);
        print("fixed " + fixedNodes + " x cpu-16 (same cost over the autoscaled makespan)", f, out);
    }

    private static void print(String name, Simulation.Report r, PrintStream out) {
        out.printf(Locale.ROOT, "  %s: %d trials, makespan %.2f h, peak %d nodes (max %d), pending p50 %.0f s p99 %.0f s, cost %.2f "
                        + "(lower bound %.2f, x%.2f), %.1f node-hours, %.1f idle, longest idle-to-gone %.0f s, overshoot %d CPUs, "
                        + "%d launches (%d refused)%n", name, r.trials(), r.makespan() / 3600, r.peakNodes(), r.maxNodes(), r.pendingP50(),
                r.pendingP99(), r.cost(), r.cheapestCost(), r.cost() / r.cheapestCost(), r.nodeHours(), r.idleNodeHours(), r.maxIdleToGone(),
                r.overshoot(), r.launches(), r.failedLaunches());
    }

    /** The autoscaled cost split into busy, idle and boot nodes, against the cheapest packing of the same demand. */
    static void split(Simulation.Report r, ClusterConfig c, PrintStream out) {
        out.printf(Locale.ROOT, "  cost %.2f = nodes holding leases %.2f + idle before/between leases %.2f + idle tail %.2f (idleTimeout %d s)"
                        + " + boot %.2f%n", r.cost(), r.busyCost(), r.idleGapCost(), r.idleTailCost(), c.autoscaler().idleTimeout().toSeconds(),
                r.bootCost());
        String packing = r.packingCostUpper() - r.packingCost() < 1e-9 ? String.format(Locale.ROOT, "%.2f", r.packingCost())
                : String.format(Locale.ROOT, "between %.2f and %.2f", r.packingCost(), r.packingCostUpper());
        out.printf(Locale.ROOT, "  cheapest packing of the same demand (per moment: the cheapest nodes of the types that hold the trials"
                        + " and gangs running then; exact for %.1f%% of the time): %s%n", 100 * r.packingExactShare(), packing);
        out.printf(Locale.ROOT, "  packing: nodes holding leases / cheapest packing = x%.3f (target <= 1.10); total cost / cheapest packing"
                        + " = x%.2f; old bound (CPU-seconds x cheapest price per CPU-second) %.2f: x%.2f%n", r.packingRatio(),
                r.cost() / r.packingCost(), r.cheapestCost(), r.cost() / r.cheapestCost());
        out.printf(Locale.ROOT, "  packing while some trial waited (placement and type choice): x%.3f on %.1f%% of the busy cost; with nothing"
                        + " waiting (the drain-down: a node is paid until its last trial ends or its work moves): x%.3f%n",
                r.packingRatioWhileWaiting(), 100 * r.busyCostWhileWaiting() / r.busyCost(), r.packingRatioNothingWaiting());
    }

    private static String every(int[] samples, int step) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < samples.length; i += step) sb.append(sb.isEmpty() ? "" : " ").append(samples[i]);
        return sb.toString();
    }

    static void reconcile(PrintStream out) {
        List<NodeType> types = new ArrayList<>();
        for (int t = 0; t < 50; t++) {
            NodeResources res = NodeResources.cpu(2 + 2 * (t % 25), (4L + 4 * (t % 25)) * GIB);
            if (t >= 40) res = res.withGpus(1 + t % 4, 24 * GIB, "L4");
            types.add(NodeType.of("type-" + t, res, 0.05 * (1 + t % 25) + (t >= 40 ? 1 : 0), 0, 100));
        }
        ClusterConfig c = new ClusterConfig("bench", HeadConfig.defaults(), ProviderConfig.local(),
                AutoscalerSettings.defaults().withMaxNodes(5000), types);
        List<DemandSnapshot.NodeState> nodes = new ArrayList<>();
        for (int n = 0; n < 1000; n++) {
            NodeType t = types.get(n % 40);
            NodeInventory inv = t.resources().inventory();
            double used = n % 2 == 0 ? inv.cpus() : 0;
            Map<String, String> labels = Map.of(NodeType.LABEL_CLUSTER, "bench", NodeType.LABEL_INSTANCE, "i-" + n, NodeType.LABEL_TYPE, t.name());
            nodes.add(new DemandSnapshot.NodeState("node-" + n, inv, inv.cpus() - used, inv.memoryBytes(), List.of(), List.of(), Map.of(),
                    labels, false, null, null, n % 2 == 0 ? 1 : 0));
        }
        List<DemandSnapshot.Waiting> waiting = new ArrayList<>();
        Instant now = Instant.parse("2025-01-01T00:00:00Z");
        int specs = 0;
        for (int k = 0; specs < 10_000; k++) {
            Bundle b = Bundle.of(ResourceSpec.ofCpus(1 + k % 8).withMemory((1 + k % 4) * GIB));
            waiting.add(new DemandSnapshot.Waiting("h" + k, "k", "g", b, 50, now, Duration.ZERO, true));
            specs += 50;
        }
        DemandSnapshot snap = new DemandSnapshot(now, waiting, 0, nodes);
        double[] ms = new double[20];
        for (int i = 0; i < ms.length; i++) {
            AutoscalerCore core = new AutoscalerCore(c, "127.0.0.1:1", false, Clock.fixed(now, java.time.ZoneOffset.UTC), new SplittableRandom(i));
            core.snapshot(snap);
            long t0 = System.nanoTime();
            core.reconcile();
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        double[] timed = Arrays.copyOfRange(ms, 5, ms.length);
        Arrays.sort(timed);
        // the live loop keeps one planner, whose cache of what each type holds of each bundle is warm after the first round
        Planner planner = new Planner(types, c.autoscaler().maxNodes());
        List<Planner.Demand> demand = new ArrayList<>();
        for (DemandSnapshot.Waiting w : waiting) demand.add(new Planner.Demand(w.bundle(), w.count()));
        int[] available = new int[types.size()];
        Arrays.fill(available, 100);
        Planner.Limits limits = new Planner.Limits(available, new boolean[types.size()], 4000, 1000);
        double[] warm = new double[20];
        for (int i = 0; i < warm.length; i++) {
            long t0 = System.nanoTime();
            planner.plan(nodes, List.of(), demand, List.of(), limits);
            warm[i] = (System.nanoTime() - t0) / 1e6;
        }
        double[] w = Arrays.copyOfRange(warm, 5, warm.length);
        Arrays.sort(w);
        out.printf(Locale.ROOT, "reconcile: %d pending specs, %d node types, %d nodes: median %.1f ms, max %.1f ms with the planner's "
                        + "cache warm (as in the live loop); %.1f ms median from a cold start (target <= 50 ms)%n",
                specs, types.size(), nodes.size(), w[w.length / 2], w[w.length - 1], timed[timed.length / 2]);
        consolidation(out);
    }

    /**
     * What one consolidation costs the ResourceManager (it runs in its actor): 1,000 cpu-16 nodes
     * holding 8,000 movable one-CPU leases (half full), the least-used 32 checked, up to 100 chosen.
     */
    static void consolidation(PrintStream out) {
        double[] ms = new double[15];
        int chosen = 0;
        for (int round = 0; round < ms.length; round++) {
            java.time.Clock clock = Clock.fixed(Instant.parse("2025-01-01T00:00:00Z"), java.time.ZoneOffset.UTC);
            List<String> leases = new ArrayList<>();
            dev.gale.cluster.SimulatedPlacement live = new dev.gale.cluster.SimulatedPlacement(clock, (h, k, ids, ns) -> leases.addAll(ids));
            NodeInventory inv = NodeResources.cpu(16, 64 * GIB).inventory();
            for (int n = 0; n < 1000; n++) {
                live.addNode("node-" + n, inv, Map.of());
                live.want("h", "k" + n, "g", Bundle.of(ResourceSpec.ofCpus(1)), 4 + (n * 7) % 9, 0); // 4..12 leases on this node
                live.drainNode("node-" + n); // so that the next node's demand goes to the next node
            }
            for (int n = 0; n < 1000; n++) live.undrainNode("node-" + n);
            for (String id : leases) live.setMovable(id, true);
            long t0 = System.nanoTime();
            chosen = live.consolidate(100, java.util.Set.of(), id -> { }).size();
            ms[round] = (System.nanoTime() - t0) / 1e6;
        }
        double[] timed = Arrays.copyOfRange(ms, 5, ms.length);
        Arrays.sort(timed);
        out.printf(Locale.ROOT, "consolidation choice (in the ResourceManager): 1000 nodes, movable one-CPU leases on each, the least-used 32"
                + " checked: median %.1f ms, max %.1f ms; %d nodes chosen%n", timed[timed.length / 2], timed[timed.length - 1], chosen);
    }

    /**
     * The third figure, {@code runs} times; with {@code aot}, each run also with the JDK's AOT cache
     * ({@code provider.aotCache}), recorded first into {@code aot} when it does not exist (a node
     * started with {@code -XX:AOTCacheOutput}, joined, then stopped: the JVM writes the cache as it exits).
     */
    static void local(PrintStream out, Path aot, int runs) throws Exception {
        if (aot == AUTO) {
            // the default (provider.aotCache: auto) in one state directory: the first node records the cache as it exits, later ones use it
            Path state = Files.createTempDirectory("gale-bench-autoscaler-aot");
            local(out, Map.of(), "aotCache auto, first node (records the cache)", true, state);
            List<Double> auto = new ArrayList<>();
            List<Double> plain = new ArrayList<>();
            for (int r = 0; r < runs; r++) {
                plain.add(local(out, Map.of("aotCache", "off"), "aotCache off", false, null));
                auto.add(local(out, Map.of(), "aotCache auto, a later node", false, state));
            }
            out.printf(Locale.ROOT, "demand -> granted on a newly launched local node, median of %d: %.1f s with aotCache off, %.1f s with"
                    + " aotCache auto once recorded (load average %s)%n", runs, median(plain), median(auto), loadAverage());
            return;
        }
        if (aot != null && !Files.isRegularFile(aot)) {
            if (Runtime.version().feature() < 25) throw new IllegalArgumentException("--aot-cache needs JDK 25 or later (this is " + Runtime.version() + ")");
            if (hasDirectory()) {
                throw new IllegalArgumentException("--aot-cache: the JDK records an AOT cache only for a classpath of jars: "
                        + "run the bench from the built jars (this classpath has a directory)");
            }
            double s = local(out, Map.of("jvmOptions", "-XX:AOTCacheOutput=" + aot), "recording the AOT cache " + aot, true, null);
            if (!Files.isRegularFile(aot)) throw new IllegalStateException("the node exited without writing the AOT cache " + aot);
            out.printf(Locale.ROOT, "  (recorded %s, %d MiB, in a run of %.1f s)%n", aot, Files.size(aot) >> 20, s);
        }
        List<Double> plain = new ArrayList<>();
        List<Double> cached = new ArrayList<>();
        for (int r = 0; r < runs; r++) {
            plain.add(local(out, Map.of("aotCache", "off"), "without the AOT cache", false, null));
            if (aot != null) cached.add(local(out, Map.of("aotCache", aot.toString()), "with the AOT cache", false, null));
        }
        if (runs > 1) {
            out.printf(Locale.ROOT, "demand -> granted on a newly launched local node, median of %d: %.1f s without the AOT cache%s (load average %s)%n",
                    runs, median(plain), aot == null ? "" : String.format(Locale.ROOT, ", %.1f s with it", median(cached)), loadAverage());
        }
    }

    private static boolean hasDirectory() {
        for (String e : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) if (Files.isDirectory(Path.of(e))) return true;
        return false;
    }

    private static double median(List<Double> v) {
        List<Double> s = new ArrayList<>(v);
        s.sort(null);
        return s.get(s.size() / 2);
    }

    /** The 1-minute load average ({@code /proc/loadavg}), or "unknown". */
    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (Exception e) {
            return "unknown";
        }
    }

    /**
     * One measurement with these local provider settings in {@code state} (null: a new directory);
     * with {@code record}, the node is stopped and its exit awaited (a recording node writes the cache then).
     */
    static double local(PrintStream out, Map<String, String> settings, String label, boolean record, Path state) throws Exception {
        Path dir = state != null ? state : Files.createTempDirectory("gale-bench-autoscaler");
        NodeType cpu2 = NodeType.of("cpu-2", NodeResources.cpu(2, 1 * GIB), 0, 0, 2);
        ClusterConfig c = new ClusterConfig("bench-local", HeadConfig.defaults(), new ProviderConfig("local", settings),
                AutoscalerSettings.defaults().withTick(Duration.ofSeconds(1)), List.of(cpu2));
        GaleNode head = GaleNode.start(new NodeConfig("127.0.0.1", 0, List.of(), new NodeInventory(1, 2 * GIB, List.of(), Map.of())));
        NodeProvider provider = NodeProviderFactory.open(new ProviderContext(c, dir, Clock.systemUTC()));
        Autoscaler autoscaler = Autoscaler.start(head, c, provider);
        try {
            CompletableFuture<LeaseReply> reply = new CompletableFuture<>();
            ActorRef<LeaseReply> inbox = head.system().systemActorOf(Behaviors.receive(LeaseReply.class)
                    .onAnyMessage(m -> {
                        if (m instanceof LeaseReply.BundleGranted || m instanceof LeaseReply.Refused) reply.complete(m);
                        return Behaviors.same();
                    }).build(), "bench-autoscaler-inbox", Props.empty());
            long t0 = System.nanoTime();
            head.resourceManager().tell(new ResourceManager.Demand("bench", "bench", inbox,
                    new ResourceManager.Want("trial", Bundle.of(ResourceSpec.ofCpus(2)), 1, 0, null, true)));
            LeaseReply r = reply.get(120, TimeUnit.SECONDS);
            double s = (System.nanoTime() - t0) / 1e9;
            out.printf(Locale.ROOT, "demand -> granted on a newly launched local node: %.1f s, %s (target <= 10 s; %s; load average %s)%n", s,
                    label, r instanceof LeaseReply.BundleGranted g ? "on " + g.leases().getFirst().nodeId() : "refused: " + r, loadAverage());
            if (record) {
                autoscaler.close();
                for (dev.gale.autoscaler.ProviderInstance i : provider.list()) {
                    ProcessHandle.of(Long.parseLong(i.providerId())).ifPresent(p -> {
                        p.destroy(); // SIGTERM: the JVM writes the AOT cache as it exits
                        try {
                            p.onExit().get(300, TimeUnit.SECONDS);
                        } catch (Exception e) {
                            throw new IllegalStateException("the recording node " + p.pid() + " did not exit within 300 s", e);
                        }
                    });
                }
            }
            return s;
        } finally {
            autoscaler.close();
            Autoscaler.down(provider);
            head.close();
        }
    }
}
