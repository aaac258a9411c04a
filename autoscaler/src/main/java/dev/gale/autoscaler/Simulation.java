package dev.gale.autoscaler;

import dev.gale.autoscaler.internal.AutoscalerCore;
import dev.gale.autoscaler.internal.CheapestPacking;
import dev.gale.autoscaler.internal.SimClock;
import dev.gale.cluster.Bundle;
import dev.gale.cluster.Placement;
import dev.gale.cluster.SimulatedPlacement;
import dev.gale.gpu.ResourceSpec;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Replays a trace of trials against the autoscaler's own reconcile code ({@link AutoscalerCore})
 * and the cluster's own placement engine ({@link SimulatedPlacement}) with a simulated provider
 * (boot times, launch failures, a capacity limit per type), on a simulated clock: hours of a
 * cluster of hundreds of nodes in seconds. Also runs the same trace on a fixed-size cluster.
 *
 * <p>Promises: deterministic for a seed; every figure of the {@link Report} is measured in the
 * run (nothing estimated), except {@link Report#cheapestCost}, a loose lower bound, and
 * {@link Report#packingCost}, the cheapest packing of the demand as it ran (see there).
 */
public final class Simulation {
    private static final Instant START = Instant.parse("2025-01-01T00:00:00Z");
    /** {@link #tuningDay}: seconds of work between two checkpoints of a tune trial. */
    public static final double DAY_CHECKPOINT_EVERY = 60;
    /** {@link #tuningDay}: seconds a tune trial takes to resume from a checkpoint on another node. */
    public static final double DAY_RESUME_COST = 10;
    /** {@link #tuningDay}: seconds a training group (a gang) takes to restart from a checkpoint on other nodes. */
    public static final double DAY_GANG_RESUME_COST = 30;

    /**
     * One trial: it arrives, waits for its bundle, runs for its duration, and gives it back. A
     * trial that checkpoints is movable from its first checkpoint on: moved (its node emptied by
     * consolidation), it loses the work since its last checkpoint, waits for a new grant and
     * resumes, paying {@code resumeCost} seconds to start again.
     *
     * @param arrival         seconds from the start
     * @param duration        seconds of work once granted
     * @param bundle          what it needs
     * @param checkpointEvery seconds of work between two checkpoints (0: it never checkpoints and never moves)
     * @param resumeCost      seconds a resume from a checkpoint costs (start and restore)
     */
    public record Trial(double arrival, double duration, Bundle bundle, double checkpointEvery, double resumeCost) {
        public Trial {
            if (arrival < 0 || duration <= 0) throw new IllegalArgumentException("arrival >= 0 and duration > 0, got " + arrival + ", " + duration);
            if (checkpointEvery < 0 || resumeCost < 0) {
                throw new IllegalArgumentException("checkpointEvery and resumeCost must be >= 0, got " + checkpointEvery + ", " + resumeCost);
            }
        }

        /** A trial that never checkpoints (never moved). */
        public Trial(double arrival, double duration, Bundle bundle) {
            this(arrival, duration, bundle, 0, 0);
        }
    }

    /**
     * How the simulated provider behaves.
     *
     * @param bootMean         mean seconds from launch to join
     * @param bootSpread       boot times are uniform in {@code bootMean ± bootSpread}
     * @param failureRate      share of launches refused (as a capacity error)
     * @param capacity         per node type, how many nodes the provider can run at most (absent: no limit); more are refused
     * @param seed             seeds boot times and failures
     */
    public record Provider(double bootMean, double bootSpread, double failureRate, Map<String, Integer> capacity, long seed) {
        public Provider {
            if (bootMean <= 0 || bootSpread < 0 || bootSpread >= bootMean) {
                throw new IllegalArgumentException("bootMean > 0 and 0 <= bootSpread < bootMean, got " + bootMean + ", " + bootSpread);
            }
            if (failureRate < 0 || failureRate >= 1) throw new IllegalArgumentException("failureRate = " + failureRate + ": must be in [0, 1)");
            capacity = capacity == null ? Map.of() : Map.copyOf(capacity);
        }
    }

    /**
     * What a run measured.
     *
     * @param trials          trials that ran to their end
     * @param makespan        seconds until the last trial ended
     * @param peakNodes       most nodes alive at once (launched, not yet terminated)
     * @param maxNodes        the cluster's maxNodes (peakNodes never exceeds it)
     * @param pendingP50      median seconds from arrival to grant
     * @param pendingP99      99th percentile of the same
     * @param cost            what the nodes cost (from accepted launch to termination)
     * @param nodeHours       node-hours paid for
     * @param idleNodeHours   node-hours of joined nodes that held no lease
     * @param maxIdleToGone   the longest a node stayed from its last lease to its termination, seconds (-1: none retired)
     * @param overshoot       most CPUs being launched (nodes not yet joined) beyond the CPUs of the demand waiting at that moment
     * @param launches        launch calls
     * @param failedLaunches  launch calls refused
     * @param cheapestCost    a loose lower bound: the trials' CPU-seconds at the lowest cost per CPU-second of any type (no boot, no idle time, perfect packing)
     * @param nodesOverTime   alive nodes sampled every {@code sampleEvery} seconds
     * @param sampleEvery     seconds between samples
     * @param busyCost        what nodes cost while they held at least one lease
     * @param idleGapCost     what joined nodes cost while they held no lease and later got one (waiting for their first, or between trials)
     * @param idleTailCost    what joined nodes cost from their last lease to their termination (the idle timeout, a tick, the
     *                        drain and the terminate call) or to the end of the run
     * @param bootCost        what nodes cost from the accepted launch to their join (or to their termination when they never joined)
     * @param packingCost     the cheapest packing of the same demand: at every moment, the minimum cost per hour of a set of nodes
     *                        of the configured types (per-type max and maxNodes respected) that holds the trials and gangs running
     *                        then (STRICT_SPREAD gangs on distinct nodes), integrated over the run ({@link CheapestPacking}); exact
     *                        for {@code packingExactShare} of the time demand ran, a lower bound for the rest
     * @param packingCostUpper the same with, where not exact, the cost of the nodes holding leases then (an upper bound):
     *                        equal to {@code packingCost} when the whole run was exact
     * @param packingExactShare share of the time with running demand for which the cheapest packing was computed exactly
     * @param busyCostWhileWaiting    the part of {@code busyCost} paid while some trial waited for its grant (arrived, not granted)
     * @param packingCostWhileWaiting the part of {@code packingCost} over the same moments
     * @param moves           trials stopped on a node being emptied and resumed elsewhere (consolidation)
     * @param redoneSeconds   seconds of work run again because of moves (lost since the last checkpoint, plus the resume
     *                        cost), times the bundle's specs; {@code packingCost} includes it while it runs
     */
    public record Report(int trials, double makespan, int peakNodes, int maxNodes, double pendingP50, double pendingP99, double cost,
                         double nodeHours, double idleNodeHours, double maxIdleToGone, int overshoot, int launches, int failedLaunches,
                         double cheapestCost, int[] nodesOverTime, double sampleEvery, double busyCost, double idleGapCost,
                         double idleTailCost, double bootCost, double packingCost, double packingCostUpper, double packingExactShare,
                         double busyCostWhileWaiting, double packingCostWhileWaiting, int moves, double redoneSeconds) {
        /** Cost of the nodes while they held leases over the cheapest packing: the packing's own overhead (target ≤ 1.10). */
        public double packingRatio() {
            return packingCost > 0 ? busyCost / packingCost : Double.NaN;
        }

        /**
         * {@link #packingRatio()} over the moments when some trial waited: while demand queues, how
         * well the nodes there and the nodes launched hold it (placement and type choice).
         */
        public double packingRatioWhileWaiting() {
            return packingCostWhileWaiting > 0 ? busyCostWhileWaiting / packingCostWhileWaiting : Double.NaN;
        }

        /**
         * {@link #packingRatio()} over the moments when nothing waited: the drain-down, when a node
         * is paid until its last trial ends unless consolidation moves its work elsewhere.
         */
        public double packingRatioNothingWaiting() {
            double p = packingCost - packingCostWhileWaiting;
            return p > 0 ? (busyCost - busyCostWhileWaiting) / p : Double.NaN;
        }
    }

    private record Event(double at, long seq, Runnable run) {
    }

    private final PriorityQueue<Event> events = new PriorityQueue<>((a, b) -> a.at != b.at ? Double.compare(a.at, b.at) : Long.compare(a.seq, b.seq));
    private final SimClock clock = new SimClock(START);
    private final ClusterConfig cfg;
    private final Provider prov;
    private final List<Trial> trace;
    private final SplittableRandom rnd;
    private final SimulatedPlacement sim;
    private AutoscalerCore core;
    private long seq;

    // demand as one holder sees it: trials waiting per bundle (FIFO), grants received per bundle
    private final Map<Bundle, ArrayDeque<Integer>> waiting = new LinkedHashMap<>();
    private final Map<Bundle, Long> received = new HashMap<>();
    private final Map<String, Bundle> bundleOfKey = new HashMap<>();
    private final Map<Bundle, String> keyOfBundle = new HashMap<>();

    // trials and nodes
    private final double[] pending;
    /** Per trial: work left (seconds) when it was last granted, when that was, and its run (a move starts a new one). */
    private final double[] remaining;
    private final double[] grantedAt;
    private final int[] run;
    private final boolean[] waited;
    private final List<List<String>> leasesOfTrial = new ArrayList<>();
    private final Map<String, Integer> trialOfAnyLease = new HashMap<>();
    private int moves;
    private double redone;
    private final Map<String, Integer> trialOfLease = new HashMap<>();
    private final Map<String, String> nodeOfInstance = new HashMap<>();
    private final Set<String> joinedNodes = new HashSet<>();
    private final Map<String, Double> aliveSince = new HashMap<>();
    private final Map<String, NodeType> typeOfInstance = new HashMap<>();
    private final Map<String, Integer> runningPerType = new HashMap<>();
    private final Map<String, Double> idleFrom = new HashMap<>();
    private final Set<String> draining = new HashSet<>();
    private final Map<String, String> instanceOfNode = new HashMap<>();
    private final Map<String, Double> idleStretch = new HashMap<>();
    private final Map<Bundle, Integer> running = new LinkedHashMap<>();
    private CheapestPacking.Result packingNow = null;

    // figures
    private int done;
    private double lastEnd;
    private double cost;
    private double nodeSeconds;
    private double idleSeconds;
    private double maxIdle = -1;
    private int launches;
    private int failed;
    private double busyCost;
    private double bootCost;
    private double idleGapCost;
    private double idleTailCost;
    private double packingLower;
    private double packingUpper;
    private double demandSeconds;
    private double exactSeconds;
    private int waitingTrials;
    private double busyWhileWaiting;
    private double packingWhileWaiting;

    private Simulation(ClusterConfig cfg, Provider prov, List<Trial> trace) {
        this.cfg = cfg;
        this.prov = prov;
        this.trace = trace;
        this.rnd = new SplittableRandom(prov == null ? 0 : prov.seed());
        this.pending = new double[trace.size()];
        this.remaining = new double[trace.size()];
        this.grantedAt = new double[trace.size()];
        this.run = new int[trace.size()];
        this.waited = new boolean[trace.size()];
        for (int i = 0; i < trace.size(); i++) {
            remaining[i] = trace.get(i).duration();
            leasesOfTrial.add(List.of());
        }
        this.sim = new SimulatedPlacement(clock, (holder, key, leaseIds, nodeIds) -> granted(key, leaseIds, nodeIds));
    }

    /** Replays {@code trace} on a cluster the autoscaler grows from nothing (the head offers nothing). */
    public static Report autoscaled(ClusterConfig cluster, Provider provider, List<Trial> trace) {
        if (provider == null) throw new IllegalArgumentException("provider is null: say how the simulated provider behaves");
        return new Simulation(cluster, provider, trace).run(null);
    }

    /** Replays {@code trace} on {@code nodes} nodes of {@code type}, there from the start, no autoscaler. */
    public static Report fixed(NodeType type, int nodes, List<Trial> trace) {
        if (nodes < 1) throw new IllegalArgumentException("nodes = " + nodes + ": a fixed cluster has at least one node");
        ClusterConfig c = new ClusterConfig("fixed", HeadConfig.defaults(), ProviderConfig.local(),
                AutoscalerSettings.defaults().withMaxNodes(nodes), List.of(NodeType.of(type.name(), type.resources(), type.costPerHour(), 0, nodes)));
        return new Simulation(c, null, trace).run(nodes);
    }

    private void at(double t, Runnable r) {
        events.add(new Event(Math.max(t, clock.seconds()), seq++, r));
    }

    private void granted(String key, List<String> leaseIds, List<String> nodeIds) {
        Bundle b = bundleOfKey.get(key);
        int trial = waiting.get(b).removeFirst();
        waitingTrials--;
        received.merge(b, 1L, Long::sum);
        running.merge(b, 1, Integer::sum);
        packingNow = null;
        if (!waited[trial]) pending[trial] = Math.max(0, clock.seconds() - trace.get(trial).arrival());
        waited[trial] = true;
        grantedAt[trial] = clock.seconds();
        int thisRun = ++run[trial];
        String lease = leaseIds.getFirst();
        trialOfLease.put(lease, trial);
        leasesOfTrial.set(trial, leaseIds);
        for (String id : leaseIds) trialOfAnyLease.put(id, trial);
        Trial tr = trace.get(trial);
        if (tr.checkpointEvery() > 0 && tr.checkpointEvery() < remaining[trial]) {
            at(clock.seconds() + tr.checkpointEvery(), () -> {
                if (run[trial] == thisRun && trialOfLease.containsKey(lease)) for (String id : leaseIds) sim.setMovable(id, true);
            });
        }
        for (String n : nodeIds) {
            Double from = idleFrom.remove(n);
            if (from != null) idleSeconds += clock.seconds() - from;
            Double stretch = idleStretch.remove(instanceOfNode.get(n));
            if (stretch != null) idleGapCost += stretch;
        }
        at(clock.seconds() + remaining[trial], () -> {
            if (run[trial] == thisRun) finished(lease, leaseIds, nodeIds);
        });
    }

    private void finished(String lease, List<String> leaseIds, List<String> nodeIds) {
        Integer trial = trialOfLease.remove(lease);
        if (trial == null) return; // lost with its node
        running.merge(trace.get(trial).bundle(), -1, Integer::sum);
        packingNow = null;
        for (String id : leaseIds) {
            trialOfAnyLease.remove(id);
            sim.release(id);
        }
        done++;
        lastEnd = Math.max(lastEnd, clock.seconds());
        for (String n : nodeIds) {
            if (sim.leasesOn(n) == 0 && joinedNodes.contains(n)) idleFrom.putIfAbsent(n, clock.seconds());
        }
        drainedNow();
    }

    /** Answers the drains of nodes that now hold nothing. */
    private void drainedNow() {
        if (core == null) return;
        for (String n : List.copyOf(draining)) {
            if (sim.leasesOn(n) == 0) {
                draining.remove(n);
                apply(core.drained(n, 0));
            }
        }
    }

    /**
     * The trial holding {@code leaseId} must move (its node is being emptied): it stops now,
     * losing the work since its last checkpoint, gives its leases back and waits first in line
     * for a new grant, where it resumes (paying its resume cost).
     */
    private void moveRequested(String leaseId) {
        Integer trial = trialOfAnyLease.get(leaseId);
        if (trial == null) return; // its trial moved already (another lease of the same gang)
        Trial tr = trace.get(trial);
        List<String> leases = leasesOfTrial.get(trial);
        trialOfLease.remove(leases.getFirst());
        run[trial]++;
        double worked = clock.seconds() - grantedAt[trial];
        double lost = tr.checkpointEvery() > 0 ? worked % tr.checkpointEvery() : worked;
        remaining[trial] = remaining[trial] - worked + lost + tr.resumeCost();
        redone += (lost + tr.resumeCost()) * tr.bundle().size();
        moves++;
        running.merge(tr.bundle(), -1, Integer::sum);
        packingNow = null;
        for (String id : leases) {
            trialOfAnyLease.remove(id);
            sim.release(id);
        }
        ArrayDeque<Integer> q = waiting.get(tr.bundle());
        q.addFirst(trial);
        waitingTrials++;
        sim.want("trace", keyOfBundle.get(tr.bundle()), "trace", tr.bundle(), q.size(), received.getOrDefault(tr.bundle(), 0L));
    }

    private void arrive(int trial) {
        Trial t = trace.get(trial);
        ArrayDeque<Integer> q = waiting.computeIfAbsent(t.bundle(), k -> new ArrayDeque<>());
        String key = keyOfBundle.computeIfAbsent(t.bundle(), k -> {
            String name = "b" + keyOfBundle.size();
            bundleOfKey.put(name, k);
            return name;
        });
        q.addLast(trial);
        waitingTrials++;
        sim.want("trace", key, "trace", t.bundle(), q.size(), received.getOrDefault(t.bundle(), 0L));
    }

    private Report run(Integer fixedNodes) {
        for (int i = 0; i < trace.size(); i++) {
            int trial = i;
            at(trace.get(i).arrival(), () -> arrive(trial));
        }
        NodeType only = cfg.nodeTypes().getFirst();
        if (fixedNodes != null) {
            for (int n = 0; n < fixedNodes; n++) {
                String id = "fixed-" + n;
                sim.addNode(id, only.resources().inventory(), only.resources().labels());
                aliveSince.put(id, 0.0);
                typeOfInstance.put(id, only);
                nodeOfInstance.put(id, id);
                instanceOfNode.put(id, id);
                joinedNodes.add(id);
                idleFrom.put(id, 0.0);
            }
        } else {
            core = new AutoscalerCore(cfg, "127.0.0.1:25520", false, clock, new SplittableRandom(prov.seed()));
            core.quiet();
            sim.setLaunchable(core.launchable());
        }
        CheapestPacking packing = new CheapestPacking(cfg.nodeTypes(), cfg.autoscaler().maxNodes());

        double tick = cfg.autoscaler().tick().toNanos() / 1e9;
        double sampleEvery = 60;
        List<Integer> samples = new ArrayList<>();
        int peak = 0;
        int overshoot = 0;
        double lastSample = -sampleEvery;
        double last = 0;
        double nextTick = 0;
        int mins = 0;
        for (NodeType t : cfg.nodeTypes()) mins += t.min();
        while (true) {
            Event e = events.peek();
            double when = e == null ? nextTick : Math.min(e.at(), nextTick);
            double dt = when - last;
            if (dt > 0) {
                nodeSeconds += aliveSince.size() * dt;
                double busyRate = 0;
                for (String id : aliveSince.keySet()) {
                    double c = typeOfInstance.get(id).costPerHour() * dt / 3600;
                    cost += c;
                    String node = nodeOfInstance.get(id);
                    if (node == null) {
                        bootCost += c;
                    } else if (sim.leasesOn(node) > 0) {
                        busyCost += c;
                        busyRate += c;
                    } else {
                        idleStretch.merge(id, c, Double::sum);
                    }
                }
                if (packingNow == null) packingNow = packing.cheapest(running);
                double p = packingNow.lower() * dt / 3600;
                packingLower += p;
                packingUpper += packingNow.exact() ? p : Math.max(p, busyRate);
                if (waitingTrials > 0) {
                    busyWhileWaiting += busyRate;
                    packingWhileWaiting += p;
                }
                if (p > 0 || busyRate > 0) {
                    demandSeconds += dt;
                    if (packingNow.exact()) exactSeconds += dt;
                }
                last = when;
            }
            clock.setSeconds(when);
            if (e != null && e.at() <= nextTick) {
                events.poll();
                e.run().run();
                continue;
            }
            nextTick += tick;
            if (core != null) {
                core.snapshot(sim.snapshot());
                apply(core.reconcile());
            }
            int alive = aliveSince.size();
            peak = Math.max(peak, alive);
            double waitingCpus = 0;
            for (Map.Entry<Bundle, ArrayDeque<Integer>> w : waiting.entrySet()) waitingCpus += cpus(w.getKey()) * w.getValue().size();
            double bootingCpus = 0;
            for (String id : aliveSince.keySet()) if (!nodeOfInstance.containsKey(id)) bootingCpus += typeOfInstance.get(id).resources().cpus();
            overshoot = Math.max(overshoot, (int) Math.ceil(bootingCpus - waitingCpus - 1e-9));
            while (clock.seconds() - lastSample >= sampleEvery) {
                lastSample += sampleEvery;
                samples.add(alive);
            }
            if (done >= trace.size() && (fixedNodes != null || aliveSince.size() <= mins)) break;
            if (clock.seconds() > 30 * 24 * 3600) {
                throw new IllegalStateException("the simulation ran 30 simulated days without finishing: " + done + " of " + trace.size()
                        + " trials done; " + (core == null ? "" : core.status().waiting() + " " + core.status().unsatisfiable()));
            }
        }
        for (double from : idleFrom.values()) idleSeconds += clock.seconds() - from;
        for (double stretch : idleStretch.values()) idleTailCost += stretch;
        double[] p = pending.clone();
        Arrays.sort(p);
        double minCostPerCpuSecond = Double.MAX_VALUE;
        for (NodeType t : cfg.nodeTypes()) minCostPerCpuSecond = Math.min(minCostPerCpuSecond, t.costPerHour() / 3600 / t.resources().cpus());
        double cpuSeconds = 0;
        for (Trial t : trace) cpuSeconds += cpus(t.bundle()) * t.duration();
        int[] over = new int[samples.size()];
        for (int i = 0; i < over.length; i++) over[i] = samples.get(i);
        return new Report(done, lastEnd, peak, cfg.autoscaler().maxNodes(), quantile(p, 0.5), quantile(p, 0.99), cost,
                nodeSeconds / 3600, idleSeconds / 3600, maxIdle, Math.max(0, overshoot), launches, failed, cpuSeconds * minCostPerCpuSecond,
                over, sampleEvery, busyCost, idleGapCost, idleTailCost, bootCost, packingLower, packingUpper,
                demandSeconds > 0 ? exactSeconds / demandSeconds : 1.0, busyWhileWaiting, packingWhileWaiting, moves, redone);
    }

    private void apply(List<AutoscalerCore.Action> actions) {
        for (AutoscalerCore.Action a : actions) {
            switch (a) {
                case AutoscalerCore.Action.Launch l -> launch(l);
                case AutoscalerCore.Action.Drain d -> {
                    sim.drainNode(d.nodeId());
                    if (sim.leasesOn(d.nodeId()) == 0) apply(core.drained(d.nodeId(), 0));
                    else draining.add(d.nodeId());
                }
                case AutoscalerCore.Action.Terminate t -> at(clock.seconds() + 1, () -> terminate(t.instanceId()));
                case AutoscalerCore.Action.Consolidate c -> {
                    List<String> emptied = sim.consolidate(c.maxNodes(), c.only(), this::moveRequested);
                    apply(core.consolidating(emptied));
                }
            }
        }
    }

    private void launch(AutoscalerCore.Action.Launch l) {
        launches++;
        NodeType type = l.request().type();
        String id = l.instanceId();
        int cap = prov.capacity().getOrDefault(type.name(), Integer.MAX_VALUE);
        if (rnd.nextDouble() < prov.failureRate() || runningPerType.getOrDefault(type.name(), 0) >= cap) {
            failed++;
            at(clock.seconds() + 1, () -> apply(core.launchFailed(id, new LaunchException(LaunchException.Kind.CAPACITY,
                    "simulated: no capacity for " + type.name()))));
            return;
        }
        runningPerType.merge(type.name(), 1, Integer::sum);
        double boot = prov.bootMean() + (rnd.nextDouble() * 2 - 1) * prov.bootSpread();
        at(clock.seconds() + 1, () -> {
            aliveSince.put(id, clock.seconds());
            typeOfInstance.put(id, type);
            apply(core.launched(id, new ProviderInstance(id, "sim-" + id, type.name(), ProviderInstance.State.PENDING, "")));
        });
        at(clock.seconds() + 1 + boot, () -> {
            if (!aliveSince.containsKey(id) || core.state(id) == InstanceState.TERMINATED) return; // given up before it booted
            String node = "node-" + id;
            nodeOfInstance.put(id, node);
            instanceOfNode.put(node, id);
            joinedNodes.add(node);
            idleFrom.put(node, clock.seconds());
            sim.addNode(node, type.resources().inventory(), l.request().nodeLabels());
        });
    }

    private void terminate(String id) {
        Double stretch = idleStretch.remove(id);
        if (stretch != null) idleTailCost += stretch;
        String node = nodeOfInstance.remove(id);
        if (node != null) instanceOfNode.remove(node);
        if (node != null) {
            joinedNodes.remove(node);
            Double from = idleFrom.remove(node);
            if (from != null) {
                idleSeconds += clock.seconds() - from;
                maxIdle = Math.max(maxIdle, clock.seconds() - from);
            }
            for (String lease : sim.removeNode(node)) {
                Integer trial = trialOfLease.remove(lease);
                if (trial != null) throw new IllegalStateException("node " + node + " was terminated while trial " + trial + " ran there");
            }
        }
        if (aliveSince.remove(id) != null) runningPerType.merge(typeOfInstance.get(id).name(), -1, Integer::sum);
        core.terminated(id);
    }

    private static double cpus(Bundle b) {
        double c = 0;
        for (ResourceSpec s : b.specs()) c += s.cpus();
        return c;
    }

    private static double quantile(double[] sorted, double q) {
        if (sorted.length == 0) return 0;
        int i = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    /**
     * A synthetic trace of a tuning day: three searches arriving in bursts — {@code trials / 2}
     * one-CPU trials of 2 to 20 minutes at the start, {@code trials / 3} four-CPU trials of 5 to 30
     * minutes after one hour, and the rest as 3-worker gangs of 2 CPUs each (STRICT_SPREAD) after
     * two hours — each burst arriving over 10 minutes. Every trial checkpoints every
     * {@value #DAY_CHECKPOINT_EVERY} s of work; a tune trial resumes in {@value #DAY_RESUME_COST} s,
     * a gang (a training group: new worker JVMs and a rendezvous) in {@value #DAY_GANG_RESUME_COST} s.
     */
    public static List<Trial> tuningDay(int trials, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<Trial> out = new ArrayList<>(trials);
        Bundle one = Bundle.of(ResourceSpec.ofCpus(1));
        Bundle four = Bundle.of(ResourceSpec.ofCpus(4));
        Bundle gang = Bundle.gang(3, ResourceSpec.ofCpus(2), Placement.STRICT_SPREAD);
        int a = trials / 2;
        int b = trials / 3;
        for (int i = 0; i < trials; i++) {
            if (i < a) out.add(new Trial(r.nextDouble(600), 120 + r.nextDouble(1080), one, DAY_CHECKPOINT_EVERY, DAY_RESUME_COST));
            else if (i < a + b) out.add(new Trial(3600 + r.nextDouble(600), 300 + r.nextDouble(1500), four, DAY_CHECKPOINT_EVERY, DAY_RESUME_COST));
            else out.add(new Trial(7200 + r.nextDouble(600), 300 + r.nextDouble(1500), gang, DAY_CHECKPOINT_EVERY, DAY_GANG_RESUME_COST));
        }
        out.sort((x, y) -> Double.compare(x.arrival(), y.arrival()));
        return out;
    }
}
