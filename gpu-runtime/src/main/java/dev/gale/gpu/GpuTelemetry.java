package dev.gale.gpu;

import dev.gale.gpu.internal.NvidiaSmi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * GPU telemetry of this JVM's machine: utilization and memory of each GPU, and GPU memory per
 * process, sampled with {@code nvidia-smi} on a daemon thread while anything {@linkplain #watch
 * watches} a GPU, and the rule that says whether a lessee is over its GPU-memory budget.
 *
 * <p>Promises:
 * <ul>
 *   <li>Sampling runs {@code nvidia-smi --query-gpu=index,uuid,utilization.gpu,memory.used,memory.total
 *       --format=csv,noheader,nounits} and {@code nvidia-smi --query-compute-apps=pid,gpu_uuid,used_memory
 *       --format=csv,noheader,nounits} (each with a 10 s timeout), found on the {@code PATH} of the
 *       environment given to the constructor. Without {@code nvidia-smi} nothing runs: no thread, no
 *       samples, {@link #latest()} stays empty.</li>
 *   <li>The sampler thread (a daemon, {@code gale-gpu-telemetry}) runs only while at least one
 *       {@link Watch} is open; it samples every {@code interval}. {@link #watch} takes a sample on
 *       the caller's thread first when the latest one is older than the interval, so a lessee has
 *       data from its first result on.</li>
 *   <li>A failing or garbled {@code nvidia-smi} is logged (WARN, at most once a minute) and the
 *       previous sample is kept; {@link #usage} ignores samples older than
 *       {@link #staleAfter()}. Nothing here throws because of {@code nvidia-smi}.</li>
 * </ul>
 *
 * <p><b>The GPU-memory budget rule</b> ({@link #usage}). The budget of a lessee on one GPU is the
 * memory its lease reserved there ({@link GpuShare#memoryBytes()}: the {@code gpuMemoryBytes} of
 * the request, else the whole memory of a whole GPU or {@code fraction} of it for a share). What is
 * compared against it, first rule that applies:
 * <ol>
 *   <li>{@link Basis#PROCESS}: the lessee runs in its own process whose handle is known
 *       ({@link Watch#attachProcess}): the memory {@code nvidia-smi} lists for that process and its
 *       descendants on that GPU, against the lessee's budget;</li>
 *   <li>{@link Basis#DEVICE}: the lessee is the only open watch on that GPU in this JVM: the GPU's
 *       total memory used, against the lessee's budget;</li>
 *   <li>{@link Basis#SHARED_DEVICE}: otherwise: the GPU's total memory used, against the sum of
 *       the budgets of all open watches on that GPU (every one of them is then over, or none:
 *       usage within one process cannot be told apart).</li>
 * </ol>
 * Memory used by processes outside Gale counts in rules 2 and 3.
 *
 * <p>{@link #shared()} is the JVM-wide instance the trial runner uses; thread-safe.
 */
public final class GpuTelemetry implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GpuTelemetry.class);

    /** System property with the shared instance's sampling interval in milliseconds. */
    public static final String INTERVAL_PROPERTY = "gale.gpu.telemetryMillis";
    /** The default sampling interval. */
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(1);

    private static final Object SHARED_LOCK = new Object();
    private static GpuTelemetry shared;

    /**
     * One GPU in one sample.
     *
     * @param index            the node's device index, as {@code nvidia-smi} numbers it
     * @param uuid             the device uuid
     * @param utilizationPct   utilization over the driver's last sample period, 0-100
     * @param memoryUsedBytes  memory used on the device by all processes
     * @param memoryTotalBytes the device's memory
     */
    public record GpuSample(int index, String uuid, double utilizationPct, long memoryUsedBytes, long memoryTotalBytes) {
        public GpuSample {
            if (index < 0) throw new IllegalArgumentException("index = " + index + ": must be >= 0");
            uuid = uuid == null ? "" : uuid;
            if (!(utilizationPct >= 0 && utilizationPct <= 100)) {
                throw new IllegalArgumentException("utilizationPct = " + utilizationPct + ": must be in 0..100");
            }
            if (memoryUsedBytes < 0 || memoryTotalBytes < 0) throw new IllegalArgumentException("memory must be >= 0");
        }
    }

    /**
     * GPU memory of one process on one GPU.
     *
     * @param pid       the process id as {@code nvidia-smi} reports it
     * @param gpuUuid   the device uuid
     * @param usedBytes its memory on that device
     */
    public record ProcessMemory(long pid, String gpuUuid, long usedBytes) {
        public ProcessMemory {
            if (pid < 0) throw new IllegalArgumentException("pid = " + pid + ": must be >= 0");
            gpuUuid = gpuUuid == null ? "" : gpuUuid;
            if (usedBytes < 0) throw new IllegalArgumentException("usedBytes must be >= 0");
        }
    }

    /**
     * One sample of the machine's GPUs.
     *
     * @param timestampMillis when it was taken (epoch millis)
     * @param nanoTime        when it was taken ({@link System#nanoTime()}), to judge its age
     * @param gpus            every GPU
     * @param processes       GPU memory per process (empty when the per-process query failed)
     */
    public record Snapshot(long timestampMillis, long nanoTime, List<GpuSample> gpus, List<ProcessMemory> processes) {
        public Snapshot {
            gpus = List.copyOf(gpus);
            processes = List.copyOf(processes);
        }

        /** The sample of GPU {@code index}, if it was seen. */
        public Optional<GpuSample> gpu(int index) {
            for (GpuSample g : gpus) if (g.index() == index) return Optional.of(g);
            return Optional.empty();
        }

        /** Memory of the processes {@code pids} on the GPU with {@code uuid}. */
        public long processMemory(String uuid, Set<Long> pids) {
            long sum = 0;
            for (ProcessMemory p : processes) {
                if (p.gpuUuid().equals(uuid) && pids.contains(p.pid())) sum += p.usedBytes();
            }
            return sum;
        }
    }

    /** What a lessee's GPU-memory usage was compared against; see the class comment. */
    public enum Basis {
        /** the lessee's own process (and its descendants), against its budget */
        PROCESS,
        /** the whole device, the lessee being its only watcher, against its budget */
        DEVICE,
        /** the whole device, against the sum of the budgets of all its watchers */
        SHARED_DEVICE
    }

    /**
     * A lessee's use of one of its GPUs.
     *
     * @param position          the GPU's position in the lease (0 for its first GPU; the CUDA device
     *                          number inside a process that sees only the lease's GPUs)
     * @param index             the node's device index
     * @param utilizationPct    the device's utilization (the whole device, whoever uses it)
     * @param memoryUsedBytes   the memory compared with the budget (see {@code basis})
     * @param memoryBudgetBytes the budget it was compared with
     * @param basis             which rule applied
     */
    public record GpuUsage(int position, int index, double utilizationPct, long memoryUsedBytes,
                           long memoryBudgetBytes, Basis basis) {
        /** True when the memory used exceeds the budget (never with a budget of 0, which means none). */
        public boolean overBudget() {
            return memoryBudgetBytes > 0 && memoryUsedBytes > memoryBudgetBytes;
        }
    }

    /**
     * An open interest in some GPUs: keeps the sampler running and counts as a lessee of those GPUs
     * for the budget rule until closed.
     */
    public final class Watch implements AutoCloseable {
        private final List<GpuShare> shares;
        private volatile ProcessHandle process;
        private volatile boolean closed;

        private Watch(List<GpuShare> shares) {
            this.shares = List.copyOf(shares);
        }

        /** The GPU shares watched. */
        public List<GpuShare> shares() {
            return shares;
        }

        /** Says the lessee runs in {@code p} (and its descendants): its memory is then counted per process. */
        public void attachProcess(ProcessHandle p) {
            this.process = p;
        }

        /** The usage of each watched GPU by the latest fresh sample; empty when there is none. */
        public List<GpuUsage> usage() {
            return GpuTelemetry.this.usage(this);
        }

        /** Stops watching; the sampler stops when nothing is watched. Idempotent. */
        @Override
        public void close() {
            if (closed) return;
            closed = true;
            watches.remove(this);
        }
    }

    private final Map<String, String> env;
    private final Duration interval;
    private final CopyOnWriteArrayList<Watch> watches = new CopyOnWriteArrayList<>();
    private final Object sampleLock = new Object();
    private final Object threadLock = new Object();
    private volatile Snapshot latest;
    private volatile Optional<Path> exe;
    private Thread thread;
    private long lastWarnNanos = Long.MIN_VALUE / 2;
    private volatile boolean closed;

    /**
     * A telemetry source.
     *
     * @param env      environment whose {@code PATH} is searched for {@code nvidia-smi} (and given to it)
     * @param interval time between samples, at least 10 ms
     */
    public GpuTelemetry(Map<String, String> env, Duration interval) {
        if (env == null) throw new IllegalArgumentException("env is null: pass System.getenv() or a map with PATH");
        if (interval == null || interval.toMillis() < 10) {
            throw new IllegalArgumentException("interval = " + interval + ": must be at least 10 ms (default 1 s)");
        }
        this.env = Map.copyOf(env);
        this.interval = interval;
    }

    /**
     * The JVM-wide instance: the process environment, and an interval of {@value #INTERVAL_PROPERTY}
     * milliseconds (default 1000) unless {@link #configureShared} replaced it.
     */
    public static GpuTelemetry shared() {
        synchronized (SHARED_LOCK) {
            if (shared == null) {
                Duration iv = DEFAULT_INTERVAL;
                String p = System.getProperty(INTERVAL_PROPERTY);
                if (p != null && !p.isBlank()) {
                    try {
                        iv = Duration.ofMillis(Long.parseLong(p.trim()));
                    } catch (NumberFormatException e) {
                        LOG.warn("-D{}={} is not a whole number of milliseconds: sampling every {} ms", INTERVAL_PROPERTY, p,
                                DEFAULT_INTERVAL.toMillis());
                    }
                    if (iv.toMillis() < 10) iv = Duration.ofMillis(10);
                }
                shared = new GpuTelemetry(System.getenv(), iv);
            }
            return shared;
        }
    }

    /**
     * Replaces the JVM-wide instance (the old one is closed; watches opened on it keep working but
     * stop being sampled): for a node whose {@code nvidia-smi} is not on the process {@code PATH},
     * another interval, or tests with a fake {@code nvidia-smi}.
     */
    public static GpuTelemetry configureShared(Map<String, String> env, Duration interval) {
        GpuTelemetry t = new GpuTelemetry(env, interval);
        GpuTelemetry old;
        synchronized (SHARED_LOCK) {
            old = shared;
            shared = t;
        }
        if (old != null) old.close();
        return t;
    }

    /** The sampling interval. */
    public Duration interval() {
        return interval;
    }

    /** Samples older than this are not used: three intervals, at least 5 s. */
    public Duration staleAfter() {
        Duration three = interval.multipliedBy(3);
        return three.compareTo(Duration.ofSeconds(5)) < 0 ? Duration.ofSeconds(5) : three;
    }

    /** True when {@code nvidia-smi} is on the {@code PATH}. */
    public boolean available() {
        Optional<Path> e = exe;
        if (e == null) {
            try {
                e = NvidiaSmi.locate(env);
            } catch (RuntimeException ex) {
                e = Optional.empty();
            }
            exe = e;
        }
        return e.isPresent();
    }

    /** The latest sample, if any was taken. */
    public Optional<Snapshot> latest() {
        return Optional.ofNullable(latest);
    }

    /** True while the sampler thread runs. */
    public boolean sampling() {
        synchronized (threadLock) {
            return thread != null && thread.isAlive();
        }
    }

    /**
     * Starts watching {@code shares} (a lease's GPUs). Without {@code nvidia-smi}, or with no shares,
     * the watch is inert: {@link Watch#usage()} is empty and no thread starts.
     */
    public Watch watch(List<GpuShare> shares) {
        if (shares == null) throw new IllegalArgumentException("shares is null: pass allocation.gpus()");
        Watch w = new Watch(shares);
        if (shares.isEmpty() || closed || !available()) return w;
        watches.add(w);
        Snapshot s = latest;
        if (s == null || System.nanoTime() - s.nanoTime() > interval.toNanos()) sampleNow();
        synchronized (threadLock) {
            if (thread == null || !thread.isAlive()) {
                thread = Thread.ofPlatform().daemon().name("gale-gpu-telemetry").unstarted(this::loop);
                thread.start();
            }
        }
        return w;
    }

    /**
     * Takes one sample now (on the calling thread) and keeps it as the latest.
     *
     * @return the sample, or empty without {@code nvidia-smi} or when it failed (logged)
     */
    public Optional<Snapshot> sampleNow() {
        if (!available()) return Optional.empty();
        synchronized (sampleLock) {
            Path x = exe.orElseThrow();
            List<GpuSample> gpus;
            try {
                gpus = NvidiaSmi.parseTelemetry(NvidiaSmi.run(x, NvidiaSmi.TELEMETRY_ARGS, env, NvidiaSmi.DEFAULT_TIMEOUT));
            } catch (IOException | RuntimeException e) {
                warn("GPU telemetry: " + x + " " + NvidiaSmi.TELEMETRY_ARGS.get(0) + " failed, keeping the previous sample: " + e.getMessage());
                return Optional.empty();
            }
            List<ProcessMemory> procs;
            try {
                procs = NvidiaSmi.parseComputeApps(NvidiaSmi.run(x, NvidiaSmi.COMPUTE_APPS_ARGS, env, NvidiaSmi.DEFAULT_TIMEOUT));
            } catch (IOException | RuntimeException e) {
                warn("GPU telemetry: " + x + " " + NvidiaSmi.COMPUTE_APPS_ARGS.get(0) + " failed, no per-process memory: " + e.getMessage());
                procs = List.of();
            }
            Snapshot s = new Snapshot(System.currentTimeMillis(), System.nanoTime(), gpus, procs);
            latest = s;
            return Optional.of(s);
        }
    }

    private void warn(String msg) {
        long now = System.nanoTime();
        synchronized (threadLock) {
            if (now - lastWarnNanos < Duration.ofMinutes(1).toNanos()) {
                LOG.debug(msg);
                return;
            }
            lastWarnNanos = now;
        }
        LOG.warn(msg);
    }

    private void loop() {
        while (!closed) {
            try {
                Thread.sleep(interval);
            } catch (InterruptedException e) {
                return;
            }
            synchronized (threadLock) {
                if (watches.isEmpty() || closed) {
                    thread = null;
                    return;
                }
            }
            sampleNow();
        }
    }

    /**
     * The usage of each GPU of {@code w} by the latest sample, by the rule in the class comment;
     * empty when there is no sample younger than {@link #staleAfter()}. GPUs the sample does not
     * show are left out.
     */
    public List<GpuUsage> usage(Watch w) {
        Snapshot s = latest;
        if (s == null || w.shares.isEmpty() || System.nanoTime() - s.nanoTime() > staleAfter().toNanos()) return List.of();
        ProcessHandle proc = w.process;
        Set<Long> pids = proc == null ? null : new HashSet<>();
        if (proc != null) {
            pids.add(proc.pid());
            try {
                proc.descendants().forEach(d -> pids.add(d.pid()));
            } catch (RuntimeException e) {
                // the process is gone: its own pid is all there is
            }
        }
        List<GpuUsage> out = new ArrayList<>(w.shares.size());
        for (int pos = 0; pos < w.shares.size(); pos++) {
            GpuShare share = w.shares.get(pos);
            Optional<GpuSample> g = s.gpu(share.index());
            if (g.isEmpty()) continue;
            GpuSample gs = g.get();
            if (pids != null) {
                out.add(new GpuUsage(pos, share.index(), gs.utilizationPct(), s.processMemory(gs.uuid(), pids),
                        share.memoryBytes(), Basis.PROCESS));
                continue;
            }
            int lessees = 0;
            long budgets = 0;
            for (Watch o : watches) {
                for (GpuShare os : o.shares) {
                    if (os.index() == share.index()) {
                        lessees++;
                        budgets += os.memoryBytes();
                    }
                }
            }
            if (lessees <= 1) {
                out.add(new GpuUsage(pos, share.index(), gs.utilizationPct(), gs.memoryUsedBytes(), share.memoryBytes(), Basis.DEVICE));
            } else {
                out.add(new GpuUsage(pos, share.index(), gs.utilizationPct(), gs.memoryUsedBytes(), budgets, Basis.SHARED_DEVICE));
            }
        }
        return out;
    }

    /** Stops the sampler for good; {@link #watch} then returns inert watches. */
    @Override
    public void close() {
        closed = true;
        synchronized (threadLock) {
            if (thread != null) thread.interrupt();
            thread = null;
        }
        watches.clear();
    }
}
