package dev.gale.train.internal;

import dev.gale.cluster.GaleNode;
import dev.gale.cluster.Lease;
import dev.gale.train.FailureConfig;
import dev.gale.train.ScalingConfig;
import dev.gale.train.TrainResult;
import dev.gale.train.TrainRunConfig;
import dev.gale.train.TrainingFailedException;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Props;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Drives one {@code fit()}: for each attempt, has a {@link GroupHolder} place and start the group,
 * runs the rendezvous (each worker connects to this driver's control socket with the group token;
 * once all have, each gets the ring's addresses, its ranks, the config and the checkpoint), keeps
 * rank 0's reports and checkpoints, and watches the workers. Any failure — an ERROR frame, a worker
 * JVM that exited, a closed control link, a lost lease, a rendezvous past its deadline — ends the
 * attempt: the driver waits up to {@value #ERROR_GRACE_MS} ms for the other ranks' errors, tears the
 * group down (closes the links, releases the leases, which kills the worker JVMs) and starts the
 * next attempt from the last checkpoint, until {@link FailureConfig#maxFailures()} is exceeded.
 * A move asked by the ResourceManager (its node is being emptied, once the group has a checkpoint)
 * ends the attempt the same way and restarts it from the checkpoint, without counting a failure.
 */
public final class GroupDriver {
    private static final Logger LOG = LoggerFactory.getLogger(GroupDriver.class);
    static final long ERROR_GRACE_MS = 5000;
    private static final AtomicInteger GROUPS = new AtomicInteger();

    /** Receives rank 0's reports; returns true to stop the group. Called on the driver's thread. */
    @FunctionalInterface
    public interface ReportSink {
        boolean onReport(Map<String, Object> metrics, Path checkpoint);
    }

    /** What the worker JVMs run. */
    public record Job(String loopClass, Map<String, Object> config, ScalingConfig scaling, FailureConfig failure,
                      TrainRunConfig run, Duration elasticWait, Map<String, String> datasets) {
        public Job {
            datasets = datasets == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(datasets));
        }
    }

    private enum Outcome { DONE, STOPPED, FAILED, UNPLACEABLE, INTERRUPTED, MOVED }

    private final GaleNode node;
    private final Job job;
    private final ReportSink sink;
    /** Each rank's latest {@value RankRates#KEY}, attached to rank 0's reports. */
    private final RankRates rankRates = new RankRates();
    private final SecureRandom random = new SecureRandom();
    /** The cluster's TLS (its secret) for the control links, or null on a plain-TCP cluster. */
    private final TrainTls tls;
    private Path lastCheckpoint;
    private int checkpointSeq;
    private Map<String, Object> lastMetrics = Map.of();
    private final List<Map<String, Object>> history = new ArrayList<>();
    private final List<String> causes = new ArrayList<>();
    private Map<Integer, String> errors = new LinkedHashMap<>();
    private String rootError;
    private int worldSize;

    public GroupDriver(GaleNode node, Job job, Path initialCheckpoint, ReportSink sink) {
        this.node = node;
        this.tls = TrainTls.fromCluster(node.system().settings().config()).orElse(null);
        this.job = job;
        this.sink = sink == null ? (m, c) -> false : sink;
        this.lastCheckpoint = initialCheckpoint;
    }

    /** Runs the group to completion, stop, or failure. */
    public TrainResult run() {
        Path runDir = job.run().runDir();
        try {
            Files.createDirectories(runDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the run directory " + runDir + ": " + e.getMessage(), e);
        }
        String holderId = "train-" + job.run().name() + "-" + ProcessHandle.current().pid() + "-" + GROUPS.incrementAndGet()
                + "@" + node.address();
        ActorRef<GroupHolder.Command> holder = node.system().systemActorOf(
                GroupHolder.create(node.resourceManager(), holderId),
                "train-group-" + GROUPS.get() + "-" + Long.toHexString(random.nextLong() & 0xffffffL), Props.empty());
        int failures = 0;
        try {
            for (int attempt = 0; ; attempt++) {
                Outcome o = runAttempt(holder, attempt, runDir);
                switch (o) {
                    case DONE -> {
                        return result(failures, false, Map.of());
                    }
                    case STOPPED -> {
                        return result(failures, true, Map.of());
                    }
                    case INTERRUPTED -> {
                        Thread.currentThread().interrupt(); // the group is torn down; the caller sees the flag
                        return result(failures, true, Map.of());
                    }
                    case UNPLACEABLE -> throw new TrainingFailedException(rootError, result(failures, false, errors));
                    case MOVED -> LOG.info("training group {} attempt {} moves ({}); restarting from {}", job.run().name(), attempt,
                            rootError, lastCheckpoint);
                    case FAILED -> {
                        failures++;
                        causes.add(rootError);
                        if (failures > job.failure().maxFailures()) {
                            throw new TrainingFailedException("training failed" + (job.failure().maxFailures() > 0
                                    ? " " + failures + " times (maxFailures = " + job.failure().maxFailures() + ")" : "")
                                    + ": " + rootError, result(failures, false, errors));
                        }
                        LOG.warn("training group {} attempt {} failed ({}); restarting from {}", job.run().name(), attempt,
                                rootError, lastCheckpoint == null ? "the start" : lastCheckpoint);
                    }
                }
            }
        } finally {
            holder.tell(GroupHolder.Shutdown.INSTANCE);
        }
    }

    private TrainResult result(int failures, boolean stopped, Map<Integer, String> errs) {
        return new TrainResult(lastMetrics, Optional.ofNullable(lastCheckpoint), errs, failures, worldSize, stopped, history,
                causes);
    }

    private Outcome runAttempt(ActorRef<GroupHolder.Command> holder, int attempt, Path runDir) {
        errors = new LinkedHashMap<>();
        rootError = null;
        BlockingQueue<GroupEvent> q = new LinkedBlockingQueue<>();
        String token = HexFormat.of().formatHex(random.generateSeed(16));
        long ringToken = random.nextLong();
        String host = node.address().substring(0, node.address().lastIndexOf(':'));
        Map<Integer, ControlWire> wires = new LinkedHashMap<>();
        List<Thread> threads = new ArrayList<>();
        try (ServerSocket server = tls != null ? tls.serverSocket() : new ServerSocket()) {
            server.bind(new InetSocketAddress(InetAddress.getByName(host), 0), 64);
            server.setSoTimeout(200);
            Thread acceptor = Thread.ofPlatform().daemon().name("train-rendezvous").start(() -> accept(server, token, q));
            threads.add(acceptor);
            Path logs = runDir.resolve("logs").resolve("attempt_" + attempt);
            holder.tell(new GroupHolder.Acquire("a" + attempt, job.scaling(), job.elasticWait(), rank -> ControlWire.json(Map.of(
                    "rank", rank, "driverHost", host, "driverPort", server.getLocalPort(), "token", token,
                    "logDir", logs.toAbsolutePath().toString())), q::add));
            return watch(q, attempt, wires, ringToken, runDir, holder);
        } catch (IOException e) {
            rootError = "the driver's rendezvous failed: " + e;
            return Outcome.FAILED;
        } finally {
            for (ControlWire w : wires.values()) w.close();
            holder.tell(GroupHolder.ReleaseAll.INSTANCE);
            for (Thread t : threads) t.interrupt();
        }
    }

    private static void accept(ServerSocket server, String token, BlockingQueue<GroupEvent> q) {
        while (!server.isClosed()) {
            Socket s;
            try {
                s = server.accept();
            } catch (SocketTimeoutException e) {
                continue;
            } catch (IOException e) {
                return;
            }
            Thread.ofPlatform().daemon().name("train-control").start(() -> serve(s, token, q));
        }
    }

    private static void serve(Socket s, String token, BlockingQueue<GroupEvent> q) {
        ControlWire w;
        int rank;
        try {
            w = new ControlWire(s);
            w.readTimeout(30_000);
            ControlWire.Frame hello = w.read();
            if (hello.type() != ControlWire.HELLO || !token.equals(hello.body().get("token"))) {
                w.close();
                return;
            }
            w.readTimeout(0);
            rank = ((Number) hello.body().get("rank")).intValue();
            q.add(new GroupEvent.Connected(rank, w, hello.body().get("dataHost") + ":" + hello.body().get("dataPort")));
        } catch (IOException | RuntimeException e) {
            try {
                s.close();
            } catch (IOException ignored) {
                // refused
            }
            return;
        }
        try {
            while (true) q.add(new GroupEvent.Received(rank, w.read()));
        } catch (IOException e) {
            q.add(new GroupEvent.Disconnected(rank, e.toString()));
        }
    }

    private Outcome watch(BlockingQueue<GroupEvent> q, int attempt, Map<Integer, ControlWire> wires, long ringToken, Path runDir,
                          ActorRef<GroupHolder.Command> holder) throws IOException {
        List<Lease> leases = null;
        Map<Integer, String> addresses = new LinkedHashMap<>();
        Set<Integer> done = new HashSet<>();
        Set<Integer> peerCaused = new LinkedHashSet<>();
        Set<Integer> linkOnly = new HashSet<>(); // errors known only from a closed link: the launcher's exit says more
        long startDeadline = Long.MAX_VALUE;
        boolean movable = false;
        long failingSince = 0;
        boolean started = false;
        while (true) {
            GroupEvent ev;
            try {
                ev = q.poll(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return Outcome.INTERRUPTED; // fit() was cancelled (e.g. the tune trial was stopped): no restart
            }
            long now = System.nanoTime();
            if (failingSince != 0) {
                // a rank known to have failed only from its closed control link has not ended yet:
                // its JVM's exit (a kill -9's 137) comes from its node a moment later and is the cause
                boolean allEnded = leases != null && errors.size() - linkOnly.size() + done.size() >= leases.size();
                if (allEnded || now - failingSince > ERROR_GRACE_MS * 1_000_000) {
                    rootError = root(peerCaused);
                    return Outcome.FAILED;
                }
            } else if (!started && now > startDeadline) {
                errors.put(-1, "rendezvous: " + addresses.size() + " of " + leases.size() + " workers joined within "
                        + job.run().startTimeout().toSeconds() + " s (missing ranks " + missing(addresses.keySet(), leases.size())
                        + "); see the worker logs in " + runDir.resolve("logs"));
                failingSince = now;
            }
            if (ev == null) continue;
            switch (ev) {
                case GroupEvent.Started s -> {
                    leases = s.leases();
                    worldSize = leases.size();
                    LOG.debug("group {} attempt {}: {} leases granted, workers starting", job.run().name(), attempt, leases.size());
                    startDeadline = now + job.run().startTimeout().toNanos();
                }
                case GroupEvent.MoveRequested m -> {
                    if (failingSince == 0 && lastCheckpoint != null) {
                        rootError = m.reason();
                        return Outcome.MOVED; // torn down by runAttempt; the next attempt resumes from the checkpoint
                    }
                }
                case GroupEvent.Unplaceable u -> {
                    rootError = "the training group cannot be placed: " + u.reason() + " (group: "
                            + describeGroup() + ")";
                    errors.put(-1, rootError);
                    return Outcome.UNPLACEABLE;
                }
                case GroupEvent.Connected c -> {
                    if (leases == null || c.rank() < 0 || c.rank() >= leases.size() || wires.containsKey(c.rank())) {
                        c.wire().close();
                        break;
                    }
                    wires.put(c.rank(), c.wire());
                    addresses.put(c.rank(), c.dataAddress());
                    if (addresses.size() == leases.size() && failingSince == 0) {
                        rankRates.clear();
                        sendStart(wires, addresses, leases, attempt, ringToken);
                        started = true;
                        LOG.debug("group {} attempt {}: all {} workers joined; started", job.run().name(), attempt, leases.size());
                    }
                }
                case GroupEvent.Received r -> {
                    ControlWire.Frame f = r.frame();
                    switch (f.type()) {
                        case ControlWire.REPORT -> {
                            rankRates.note(r.rank(), f.body().get("metrics"));
                            if (r.rank() == 0 && failingSince == 0) {
                                Path before = lastCheckpoint;
                                if (onReport(f, wires.get(0), runDir)) return Outcome.STOPPED;
                                if (!movable && lastCheckpoint != before) {
                                    movable = true; // the attempt saved a checkpoint: it can move (not before: a resumed group is not moved again at once)
                                    holder.tell(GroupHolder.Checkpointed.INSTANCE);
                                }
                            }
                        }
                        case ControlWire.DONE -> {
                            done.add(r.rank());
                            if (leases != null && done.size() == leases.size() && failingSince == 0) {
                                LOG.debug("group {} attempt {}: every worker done", job.run().name(), attempt);
                                return Outcome.DONE;
                            }
                        }
                        case ControlWire.ERROR -> {
                            Map<String, Object> b = f.body();
                            if (Boolean.TRUE.equals(b.get("stopped"))) break;
                            errors.putIfAbsent(r.rank(), String.valueOf(b.get("error")));
                            if (Boolean.TRUE.equals(b.get("peer"))) peerCaused.add(r.rank());
                            if (failingSince == 0) failingSince = now;
                        }
                        default -> {
                        }
                    }
                }
                case GroupEvent.Disconnected d -> {
                    if (!done.contains(d.rank()) && !errors.containsKey(d.rank())) {
                        errors.put(d.rank(), "worker rank " + d.rank() + "'s control link closed (" + d.reason() + ")");
                        peerCaused.add(d.rank());
                        linkOnly.add(d.rank());
                        if (failingSince == 0) failingSince = now;
                    }
                }
                case GroupEvent.WorkerEnded w -> {
                    if (w.error() != null && !done.contains(w.rank())) {
                        if (!errors.containsKey(w.rank()) || linkOnly.remove(w.rank())) {
                            // the worker died without an ERROR frame (killed, crashed): its exit is the cause
                            errors.put(w.rank(), w.error());
                            peerCaused.remove(w.rank());
                        }
                        if (failingSince == 0) failingSince = now;
                    }
                }
                case GroupEvent.LeaseLost l -> {
                    errors.put(l.rank(), "worker rank " + l.rank() + " lost its node: " + l.reason());
                    peerCaused.remove(l.rank());
                    if (failingSince == 0) failingSince = now;
                }
            }
        }
    }

    private String describeGroup() {
        ScalingConfig s = job.scaling();
        return (s.elastic() ? s.minWorkers() + ".." + s.maxWorkers() : Integer.toString(s.minWorkers())) + " x ["
                + s.resourcesPerWorker() + "] " + s.placement();
    }

    private static String missing(Set<Integer> have, int n) {
        List<Integer> m = new ArrayList<>();
        for (int i = 0; i < n; i++) if (!have.contains(i)) m.add(i);
        return m.toString();
    }

    /** The first error of a rank that failed by itself (not only because a peer did), naming the rank. */
    private String root(Set<Integer> peerCaused) {
        for (Map.Entry<Integer, String> e : errors.entrySet()) {
            if (!peerCaused.contains(e.getKey())) return label(e.getKey()) + e.getValue();
        }
        Map.Entry<Integer, String> first = errors.entrySet().iterator().next();
        return label(first.getKey()) + first.getValue();
    }

    private static String label(int rank) {
        return rank < 0 ? "" : "rank " + rank + " failed: ";
    }

    /**
     * Whether ranks on one host may pass the all-reduce's data through shared memory: yes unless
     * {@code -Dgale.train.sharedMemory=false} or {@code GALE_TRAIN_SHM=0} (like NCCL_SHM_DISABLE),
     * read when a group starts.
     */
    static boolean sharedMemory() {
        String p = System.getProperty("gale.train.sharedMemory");
        if (p != null) return !p.equalsIgnoreCase("false");
        return !"0".equals(System.getenv("GALE_TRAIN_SHM"));
    }

    private void sendStart(Map<Integer, ControlWire> wires, Map<Integer, String> addresses, List<Lease> leases, int attempt,
                           long ringToken) throws IOException {
        List<String> peers = new ArrayList<>();
        for (int i = 0; i < leases.size(); i++) peers.add(addresses.get(i));
        byte[] ck = lastCheckpoint == null ? null : DirectoryBlob.pack(lastCheckpoint);
        Map<String, Integer> nodeIndex = new LinkedHashMap<>();
        Map<String, Integer> perNode = new LinkedHashMap<>();
        for (int rank = 0; rank < leases.size(); rank++) {
            Lease l = leases.get(rank);
            int nodeRank = nodeIndex.computeIfAbsent(l.nodeId(), k -> nodeIndex.size());
            int localRank = perNode.merge(l.nodeId(), 1, Integer::sum) - 1;
            Map<String, Object> b = new LinkedHashMap<>();
            b.put("world", leases.size());
            b.put("peers", peers);
            b.put("collectiveTimeoutMs", job.run().collectiveTimeout().toMillis());
            b.put("ringToken", ringToken);
            b.put("sharedMemory", sharedMemory());
            b.put("config", job.config());
            b.put("loop", job.loopClass());
            b.put("datasets", job.datasets());
            b.put("localRank", localRank);
            b.put("nodeRank", nodeRank);
            b.put("attempt", attempt);
            b.put("gpu", job.scaling().useGpu() && !l.allocation().gpus().isEmpty());
            b.put("threads", Math.max(1, l.allocation().spec().threads()));
            wires.get(rank).send(ControlWire.START, b, ck);
        }
    }

    /** Keeps rank 0's report (and checkpoint); asks the sink; acknowledges. True when the group must stop. */
    @SuppressWarnings("unchecked")
    private boolean onReport(ControlWire.Frame f, ControlWire rank0, Path runDir) throws IOException {
        Map<String, Object> metrics = rankRates.attach((Map<String, Object>) f.body().get("metrics"));
        Path ck = null;
        if (Boolean.TRUE.equals(f.body().get("checkpoint"))) {
            ck = runDir.resolve(String.format("checkpoint_%06d", ++checkpointSeq));
            DirectoryBlob.unpack(f.blob(), ck);
            lastCheckpoint = ck;
        }
        lastMetrics = metrics;
        history.add(metrics);
        boolean stop = sink.onReport(metrics, ck);
        rank0.send(ControlWire.ACK, Map.of("stop", stop, "reason", stop ? "stopped by the scheduler" : ""), null);
        return stop;
    }
}
