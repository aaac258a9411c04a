package dev.gale.bench.train;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.LongSupplier;

/**
 * {@code gale bench transports}: the data-plane transports the training ring could use, measured
 * between two JVMs on 127.0.0.1 in one run: this JVM (rank 0) and a peer JVM it starts with its own
 * {@code java} and class path (rank 1), for each of plain NIO (blocking, and non-blocking with
 * selectors as the ring's {@code Link}), Netty 4 (NIO and native epoll), Aeron (UDP and IPC through
 * one embedded media driver) and a shared-memory SPSC ring.
 *
 * <p>Per transport: one-way bulk throughput ({@code --size-mib} MiB in 512 KiB writes, best and
 * median of {@code --reps}), the 2-rank all-reduce exchange (both send half of that at once, GB/s
 * per direction), round trips of 4 B and 64 KiB (medians), CPU seconds of both JVMs per GB moved,
 * and every figure as a ratio to the ring's own way (nio-selector). Before the timed runs every
 * transport moves checked bytes both ways (CRC-32C compared by the receiver): a transport that
 * corrupts, loses or reorders bytes fails instead of being timed. One loopback TCP stream inside
 * this JVM (as {@code gale bench train} prints it) is printed first.
 */
public final class TransportBench {
    private TransportBench() {
    }

    /**
     * The options of one run.
     *
     * @param reps        timed repetitions of the one-way transfer and of the exchange (>= 1)
     * @param transports  which transports, in table order
     * @param sizeMiB     one-way transfer size; the exchange sends half of it each way (>= 1)
     * @param rttIters    round trips of 4 B (a fifth as many of 64 KiB) (>= 10)
     */
    record Options(int reps, List<Transport> transports, int sizeMiB, int rttIters) {
        Options {
            if (reps < 1) throw new IllegalArgumentException("--reps must be at least 1, got " + reps);
            if (sizeMiB < 1 || sizeMiB > 4096) throw new IllegalArgumentException("--size-mib must be 1..4096, got " + sizeMiB);
            if (rttIters < 10) throw new IllegalArgumentException("--rtt must be at least 10, got " + rttIters);
            transports = List.copyOf(transports);
        }

        static final String USAGE = "options: --reps N (default 5), --only nio,netty,aeron,shm (or nio-blocking, nio-selector,"
                + " netty-nio, netty-epoll, aeron-udp, aeron-ipc), --size-mib N (default 64), --rtt N (default 5000)";

        /** @throws IllegalArgumentException naming the option that is unknown, lacks a value or has a bad one */
        static Options parse(List<String> args) {
            int reps = 5;
            int size = 64;
            int rtt = 5000;
            List<Transport> only = Arrays.asList(Transport.values());
            for (int i = 0; i < args.size(); i++) {
                String name = args.get(i);
                switch (name) {
                    case "--reps", "--size-mib", "--rtt", "--only" -> {
                        if (i + 1 >= args.size()) throw new IllegalArgumentException(name + " needs a value; " + USAGE);
                        String v = args.get(++i);
                        switch (name) {
                            case "--reps" -> reps = whole(name, v);
                            case "--size-mib" -> size = whole(name, v);
                            case "--rtt" -> rtt = whole(name, v);
                            default -> only = Transport.parse(v);
                        }
                    }
                    default -> throw new IllegalArgumentException("gale bench transports: unknown option '" + name + "'; " + USAGE);
                }
            }
            return new Options(reps, only, size, rtt);
        }

        private static int whole(String name, String v) {
            try {
                return Integer.parseInt(v);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(name + ": '" + v + "' is not a whole number", e);
            }
        }

        TransportScript.Plan plan() {
            long one = (long) sizeMiB << 20;
            return new TransportScript.Plan(one, Math.max(1, one / 2), 512 << 10, reps, rttIters);
        }
    }

    /**
     * One transport's outcome: its figures, or why it was skipped (not available here) or failed.
     */
    record Result(Transport transport, TransportScript.Figures figures, String skipped, String failed) {
        boolean ok() {
            return figures != null;
        }
    }

    /** Runs the benchmark and prints the table; returns 0 when every chosen transport ran, 1 otherwise. */
    public static int run(List<String> args, PrintStream out) throws Exception {
        Options o = Options.parse(args);
        TransportScript.Plan plan = o.plan();
        out.printf(Locale.ROOT, "gale bench transports: %d cores, load %s, java %s, Netty %s, Aeron %s; %d MiB one way in 512 KiB writes,"
                        + " %.4g MiB each way in the exchange, %d reps, %d round trips%n",
                Runtime.getRuntime().availableProcessors(), TrainBench.load(), Runtime.version(), version(io.netty.channel.Channel.class),
                version(io.aeron.Aeron.class), o.sizeMiB(), plan.exchangeBytes() / 1048576.0, o.reps(), o.rttIters());
        double raw = TrainBench.rawTcp(Math.min(64, o.sizeMiB()));
        out.printf(Locale.ROOT, "raw loopback TCP, one stream inside this JVM, 4 MiB writes (as gale bench train): %.2f GB/s%n", raw / 1e9);
        List<Result> results = measure(o, out);
        print(results, plan, out);
        return results.stream().allMatch(r -> r.ok() || r.skipped() != null) ? 0 : 1;
    }

    /** Measures each chosen transport in turn (a peer JVM each); prints one progress line per transport. */
    static List<Result> measure(Options o, PrintStream out) throws Exception {
        TransportScript.Plan plan = o.plan();
        List<Result> results = new ArrayList<>();
        ScheduledExecutorService dog = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon().name("transport-watchdog").unstarted(r));
        try {
            for (Transport t : o.transports()) {
                String why = t.unavailable();
                if (why != null) {
                    out.printf(Locale.ROOT, "  %-13s skipped: %s%n", t.label, why);
                    results.add(new Result(t, null, why, null));
                    continue;
                }
                String load0 = TrainBench.load();
                try {
                    TransportScript.Figures f = one(t, plan, dog);
                    results.add(new Result(t, f, null, null));
                    out.printf(Locale.ROOT, "  %-13s done: %,d bytes checked intact both ways [load %s -> %s]%n", t.label, f.checkedBytes(),
                            load0, TrainBench.load());
                } catch (Exception e) {
                    out.printf(Locale.ROOT, "  %-13s FAILED: %s%n", t.label, e.getMessage());
                    results.add(new Result(t, null, null, String.valueOf(e.getMessage())));
                }
            }
        } finally {
            dog.shutdownNow();
        }
        return results;
    }

    private static TransportScript.Figures one(Transport t, TransportScript.Plan plan, ScheduledExecutorService dog) throws Exception {
        long bytes = (plan.reps() + 2) * plan.oneWayBytes() + (plan.reps() + 1) * 2 * plan.exchangeBytes();
        long seconds = 60 + bytes / 20_000_000 + plan.rttIters() / 500;
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        String prefix = "gale-bench-" + ProcessHandle.current().pid() + "-" + t.label + "-" + Long.toHexString(System.nanoTime());
        try (Endpoints ends = new Endpoints()) {
            Endpoints.Parent parent = ends.parent(t, prefix, dog);
            List<String> args = new ArrayList<>(List.of(t.label, Long.toString(seconds)));
            args.addAll(plan.toArgs());
            args.addAll(parent.peerArgs());
            try (PeerProcess peer = PeerProcess.start(args)) {
                Conn conn = parent.accept(peer, deadline);
                try {
                    com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
                    LongSupplier cpu = () -> os.getProcessCpuTime() + peer.cpu().toNanos();
                    TransportScript.Figures f = new TransportScript(conn, 0, plan, deadline).run(cpu);
                    peer.await(TransportPeer.DONE, deadline, "finish");
                    return f;
                } finally {
                    conn.close();
                }
            }
        }
    }

    private static void print(List<Result> results, TransportScript.Plan plan, PrintStream out) {
        Result ref = results.stream().filter(r -> r.transport() == Transport.REFERENCE && r.ok()).findFirst().orElse(null);
        out.println();
        out.printf(Locale.ROOT, "%-13s %10s %10s %12s %10s %12s %10s %10s%n", "transport", "1-way GB/s", "(best)", "exch GB/s/dir",
                "RTT 4 B us", "RTT 64KiB us", "CPU s/GB 1w", "CPU s/GB ex");
        for (Result r : results) {
            if (!r.ok()) {
                out.printf(Locale.ROOT, "%-13s %s%n", r.transport().label, r.skipped() != null ? "skipped: " + r.skipped() : "failed: " + r.failed());
                continue;
            }
            double[] v = row(r.figures(), plan);
            out.printf(Locale.ROOT, "%-13s %10.2f %10.2f %12.2f %10.1f %12.1f %10.3f %10.3f%n", r.transport().label, v[0], v[1], v[2], v[3], v[4], v[5], v[6]);
        }
        if (ref == null) return;
        double[] base = row(ref.figures(), plan);
        out.printf(Locale.ROOT, "%nratio to %s (throughput: higher is better; RTT and CPU: lower is better)%n", Transport.REFERENCE.label);
        out.printf(Locale.ROOT, "%-13s %10s %10s %12s %10s %12s %10s %10s%n", "transport", "1-way", "(best)", "exch", "RTT 4 B", "RTT 64KiB",
                "CPU 1w", "CPU ex");
        for (Result r : results) {
            if (!r.ok()) continue;
            double[] v = row(r.figures(), plan);
            out.printf(Locale.ROOT, "%-13s %10.2f %10.2f %12.2f %10.2f %12.2f %10s %10s%n", r.transport().label, v[0] / base[0], v[1] / base[1],
                    v[2] / base[2], v[3] / base[3], v[4] / base[4], ratio(v[5], base[5]), ratio(v[6], base[6]));
        }
        out.printf(Locale.ROOT, "load %s; CPU = process CPU time of both JVMs (the Aeron media driver runs in this one), 10 ms ticks%n",
                TrainBench.load());
    }

    private static String ratio(double a, double b) {
        return b > 0 ? String.format(Locale.ROOT, "%.2f", a / b) : "-";
    }

    /** 1-way median and best GB/s, exchange GB/s per direction (median), RTT 4 B and 64 KiB in µs, CPU s/GB one-way and exchange. */
    static double[] row(TransportScript.Figures f, TransportScript.Plan plan) {
        double[] ow = f.oneWayS().clone();
        Arrays.sort(ow);
        double oneMedian = plan.oneWayBytes() / TrainBench.median(f.oneWayS()) / 1e9;
        double oneBest = plan.oneWayBytes() / ow[0] / 1e9;
        double exch = plan.exchangeBytes() / TrainBench.median(f.exchangeS()) / 1e9;
        double gbOne = plan.reps() * (double) plan.oneWayBytes() / 1e9;
        double gbEx = plan.reps() * 2.0 * plan.exchangeBytes() / 1e9;
        return new double[]{oneMedian, oneBest, exch, f.rtt4Ns() / 1e3, f.rtt64kNs() / 1e3, f.cpuOneWayNs() / 1e9 / gbOne,
                f.cpuExchangeNs() / 1e9 / gbEx};
    }

    private static String version(Class<?> c) {
        String v = c.getPackage().getImplementationVersion();
        if (v != null) return v;
        var src = c.getProtectionDomain().getCodeSource();
        String loc = src == null ? "" : src.getLocation().getPath();
        return loc.isEmpty() ? "?" : loc.substring(loc.lastIndexOf('/') + 1).replace(".jar", "");
    }
}
