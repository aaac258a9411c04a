package dev.gale.bench.train;

import dev.gale.cluster.ClusterSecret;
import dev.gale.cluster.GaleNode;
import dev.gale.cluster.NodeConfig;
import dev.gale.cluster.TlsSettings;
import dev.gale.gpu.InventoryDiscovery;
import dev.gale.gpu.ResourceSpec;
import dev.gale.train.DataParallelTrainer;
import dev.gale.train.ScalingConfig;
import dev.gale.train.TrainResult;
import dev.gale.train.TrainRunConfig;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code gale bench train}: what data-parallel training costs and gains, on the embedded cluster,
 * every worker a JVM of its own (as in production).
 *
 * <ol>
 *   <li><b>overhead</b>: one worker running the MLP loop through {@code ctx.distribute} vs the same
 *       loop without it (bare DJL in the same kind of worker JVM), alternated {@code --rounds}
 *       times; target: Gale ≤ 2 % slower (medians);</li>
 *   <li><b>scaling</b>: 2 workers x 1 thread vs 1 worker x 1 thread, batch 128 per worker,
 *       aggregate samples/s; target ≥ 1.8x;</li>
 *   <li><b>all-reduce bus bandwidth</b> at 1, 4, 16, 64 MiB with 2 and 3 ranks (busbw = size /
 *       time x 2(n-1)/n, as nccl-tests), against one raw loopback TCP stream measured in the same
 *       run; target: ≥ 55 % of raw TCP at 64 MiB, judged on the default data plane (shared memory
 *       between ranks of one host); the ring over TCP alone (ranks on different hosts) is printed
 *       beside it;</li>
 *   <li><b>TLS</b>: the 2-rank all-reduce again on a TLS cluster (the ring over mutual TLS 1.3 with
 *       the cluster secret), as a fraction of the plain TCP ring and of raw TCP;</li>
 *   <li><b>PyTorch DDP</b> (Debian's python3-torch, gloo, when installed): the same MLP bare, DDP 1
 *       rank, DDP 2 ranks, and gloo's all-reduce; Gale's figures are printed as ratios to DDP's.</li>
 * </ol>
 * The load average is printed next to the figures (this machine kind is shared).
 */
public final class TrainBench {
    private TrainBench() {
    }

    /** Runs the benchmark; returns 0 when every target was met, 1 otherwise. */
    public static int run(List<String> args, PrintStream out) throws Exception {
        int rounds = intArg(args, "--rounds", 3);
        int steps = intArg(args, "--steps", 400);
        int reps = intArg(args, "--reps", 10);
        String only = strArg(args, "--only", "overhead,scaling,allreduce,tls,ddp");
        Path dir = Files.createTempDirectory("gale-bench-train");
        out.printf(Locale.ROOT, "gale bench train: %d cores, load %s, %d rounds, %d timed steps of batch 128 per worker%n",
                (int) InventoryDiscovery.discover().cpus(), load(), rounds, steps);
        boolean ok = true;
        try (GaleNode node = GaleNode.startEmbedded()) {
            double bare = 0;
            double one = 0;
            if (only.contains("overhead") || only.contains("scaling")) {
                double[] bareS = new double[rounds];
                double[] galeS = new double[rounds];
                for (int r = 0; r < rounds; r++) {
                    bareS[r] = mlp(node, dir, 1, false, steps);
                    galeS[r] = mlp(node, dir, 1, true, steps);
                }
                bare = median(bareS);
                one = median(galeS);
                double overhead = (bare - one) / bare * 100;
                out.printf(Locale.ROOT, "overhead: bare DJL %.0f samples/s, through Gale (1 worker) %.0f samples/s: %+.1f %% "
                        + "(target <= 2 %%) %s  [rounds bare %s, gale %s; load %s]%n", bare, one, overhead,
                        overhead <= 2 ? "MET" : "NOT MET", fmt(bareS), fmt(galeS), load());
                ok &= overhead <= 2;
            }
            double twoOverOne = 0;
            if (only.contains("scaling")) {
                // alternated per round: 1 worker, 2 workers, and 2 workers that never all-reduce (each trains
                // alone, started and stopped together) -- what this machine gives two processes at all
                double[] single = new double[rounds];
                double[] two = new double[rounds];
                double[] apart = new double[rounds];
                double[] together = new double[rounds];
                for (int r = 0; r < rounds; r++) {
                    single[r] = mlp(node, dir, 1, true, steps);
                    two[r] = mlp(node, dir, 2, true, steps);
                    apart[r] = mlp(node, dir, 2, false, steps);
                    together[r] = mlp(node, dir, 2, false, true, steps);
                }
                double o = median(single);
                double t = median(two);
                double a = median(apart);
                twoOverOne = t / o;
                out.printf(Locale.ROOT, "scaling: 2 workers x 1 thread %.0f samples/s vs 1 worker %.0f: %.2fx (target >= 1.8x) %s"
                        + "  [rounds 2 workers %s, 1 worker %s; load %s]%n", t, o, twoOverOne, twoOverOne >= 1.8 ? "MET" : "NOT MET",
                        fmt(two), fmt(single), load());
                out.printf(Locale.ROOT, "  the machine's ceiling: 2 workers that never all-reduce %.0f samples/s = %.2fx of 1 worker;"
                        + " the all-reduce keeps %.0f %% of it  [rounds %s]%n", a, a / o, t / a * 100, fmt(apart));
                double l = median(together);
                out.printf(Locale.ROOT, "  2 workers that step together (a barrier per step) but exchange no gradients %.0f samples/s ="
                        + " %.0f %% of the ceiling  [rounds %s]%n", l, l / a * 100, fmt(together));
                ok &= twoOverOne >= 1.8;
            }
            double raw = 0;
            double bus64two = 0;      // the 2-rank ring over TCP alone
            double shm64two = 0;      // the 2-rank ring on the default data plane (shared memory on one host)
            if (only.contains("allreduce")) {
                raw = rawTcp(64);
                out.printf(Locale.ROOT, "raw loopback TCP, one stream, 4 MiB writes: %.2f GB/s%n", raw / 1e9);
                // the default data plane (shared memory between ranks of one host) judged against the target; the
                // ring over TCP alone (what ranks on different hosts use) printed beside it, with its own ratio
                for (boolean shm : new boolean[]{true, false}) {
                    for (int n : new int[]{2, 3}) {
                        Map<String, Object> m = allReduce(node, dir, n, reps, shm);
                        StringBuilder sb = new StringBuilder();
                        double bus64 = 0;
                        for (int mib : new int[]{1, 4, 16, 64}) {
                            double s = ((Number) m.get("s_" + mib)).doubleValue();
                            double bytes = mib * 1048576.0;
                            double bus = bytes / s * 2.0 * (n - 1) / n;
                            sb.append(String.format(Locale.ROOT, " %d MiB %.2f GB/s (%.1f ms);", mib, bus / 1e9, s * 1e3));
                            if (mib == 64) bus64 = bus;
                        }
                        if (n == 2 && !shm) bus64two = bus64;
                        if (n == 2 && shm) shm64two = bus64;
                        double pct = bus64 / raw * 100;
                        out.printf(Locale.ROOT, "all-reduce bus bandwidth, %d ranks, %s:%s 64 MiB = %.0f %% of raw TCP (target >= 55 %%) %s"
                                + " [load %s]%n", n, m.get("data_plane"), sb, pct,
                                shm ? (pct >= 55 ? "MET" : "NOT MET") : (pct >= 55 ? "(TCP alone: >= 55 %)" : "(TCP alone: < 55 %)"), load());
                        if (shm) ok &= pct >= 55;
                    }
                }
            }
            if (only.contains("tls")) tls(out, dir, reps, raw, bus64two);
            if (only.contains("ddp")) ddp(out, dir, steps, twoOverOne, shm64two, bus64two);
        } finally {
            deleteTree(dir);
        }
        return ok ? 0 : 1;
    }

    /**
     * The 2-rank all-reduce on a TLS cluster (a fresh cluster secret, an embedded TLS node): the ring
     * runs mutual TLS 1.3 with the secret. Printed against the plain ring and raw TCP of this run.
     */
    private static void tls(PrintStream out, Path dir, int reps, double raw, double plain64) {
        Path secret = dir.resolve("bench-secret.p12");
        String pw = java.util.HexFormat.of().formatHex(new java.security.SecureRandom().generateSeed(12));
        ClusterSecret.create(secret, pw);
        try (GaleNode tlsNode = GaleNode.start(NodeConfig.embedded().withTls(new TlsSettings(secret, pw)))) {
            Map<String, Object> m = allReduce(tlsNode, dir, 2, reps, true);
            StringBuilder sb = new StringBuilder();
            double bus64 = 0;
            for (int mib : new int[]{1, 4, 16, 64}) {
                double s = ((Number) m.get("s_" + mib)).doubleValue();
                double bus = mib * 1048576.0 / s;  // 2 ranks: busbw = size / time x 2(n-1)/n = size / time
                sb.append(String.format(Locale.ROOT, " %d MiB %.2f GB/s (%.1f ms);", mib, bus / 1e9, s * 1e3));
                if (mib == 64) bus64 = bus;
            }
            out.printf(Locale.ROOT, "all-reduce over TLS (TLS cluster), 2 ranks:%s 64 MiB = %s of the plain TCP ring, %s of raw TCP [load %s]%n",
                    sb, plain64 > 0 ? String.format(Locale.ROOT, "%.0f %%", bus64 / plain64 * 100) : "-",
                    raw > 0 ? String.format(Locale.ROOT, "%.0f %%", bus64 / raw * 100) : "-", load());
        }
    }

    private static double mlp(GaleNode node, Path dir, int workers, boolean distribute, int steps) {
        return mlp(node, dir, workers, distribute, false, steps);
    }

    private static double mlp(GaleNode node, Path dir, int workers, boolean distribute, boolean lockstep, int steps) {
        TrainResult r = DataParallelTrainer.builder(TrainBenchLoop.class).node(node)
                .scaling(ScalingConfig.of(workers, ResourceSpec.ofCpus(1)))
                .run(TrainRunConfig.of("mlp", dir))
                .config(Map.of("mode", "mlp", "distribute", distribute ? 1 : 0, "lockstep", lockstep ? 1 : 0, "steps", steps,
                        "batch", 128))
                .build().fit();
        return ((Number) r.metrics().get("samples_per_s")).doubleValue();
    }

    /** The all-reduce on {@code ranks} workers; {@code sharedMemory} false keeps the ranks on TCP (gale.train.sharedMemory). */
    private static Map<String, Object> allReduce(GaleNode node, Path dir, int ranks, int reps, boolean sharedMemory) {
        double cpus = Math.min(1, node.inventory().cpus() / ranks);
        String before = System.getProperty("gale.train.sharedMemory");
        System.setProperty("gale.train.sharedMemory", Boolean.toString(sharedMemory));
        try {
            TrainResult r = DataParallelTrainer.builder(TrainBenchLoop.class).node(node)
                    .scaling(ScalingConfig.of(ranks, ResourceSpec.ofCpus(cpus)))
                    .run(TrainRunConfig.of("allreduce", dir))
                    .config(Map.of("mode", "allreduce", "sizes", List.of(1, 4, 16, 64), "reps", reps))
                    .build().fit();
            return r.metrics();
        } finally {
            if (before == null) System.clearProperty("gale.train.sharedMemory");
            else System.setProperty("gale.train.sharedMemory", before);
        }
    }

    /** Bytes/s of one loopback TCP stream: {@code mib} MiB written in 4 MiB writes, read by another thread (best of 5). */
    static double rawTcp(int mib) throws Exception {
        double best = 0;
        try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            for (int k = 0; k < 6; k++) {
                long total = (long) mib << 20;
                Thread reader;
                try (Socket c = new Socket(InetAddress.getLoopbackAddress(), ss.getLocalPort()); Socket s = ss.accept()) {
                    c.setSendBufferSize(4 << 20);
                    s.setReceiveBufferSize(4 << 20);
                    InputStream in = s.getInputStream();
                    reader = Thread.ofPlatform().start(() -> {
                        byte[] b = new byte[4 << 20];
                        long got = 0;
                        try {
                            while (got < total) {
                                int n = in.read(b);
                                if (n < 0) break;
                                got += n;
                            }
                        } catch (IOException ignored) {
                            // measured below
                        }
                    });
                    OutputStream o = c.getOutputStream();
                    byte[] chunk = new byte[4 << 20];
                    long t0 = System.nanoTime();
                    for (long sent = 0; sent < total; sent += chunk.length) o.write(chunk);
                    o.flush();
                    reader.join(60_000);
                    double s2 = (System.nanoTime() - t0) / 1e9;
                    if (k > 0) best = Math.max(best, total / s2);
                }
            }
        }
        return best;
    }

    private static void ddp(PrintStream out, Path dir, int steps, double galeScaling, double galeBus64, double tcpBus64)
            throws Exception {
        Path script = dir.resolve("ddp_bench.py");
        try (InputStream in = TrainBench.class.getResourceAsStream("ddp_bench.py")) {
            if (in == null) throw new IllegalStateException("ddp_bench.py is missing from the bench jar");
            Files.copy(in, script);
        }
        // Debian's python3-torch lives in the system Python; a pyenv or venv python3 first on PATH would not see it
        String python = Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
        ProcessBuilder pb = new ProcessBuilder(python, script.toString(), Integer.toString(steps));
        pb.redirectErrorStream(true);
        pb.environment().put("OMP_NUM_THREADS", "1");
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            out.println("PyTorch DDP: python3 not found (" + e.getMessage() + "); skipped");
            return;
        }
        String text;
        try (InputStream in = p.getInputStream()) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        if (!p.waitFor(600, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            out.println("PyTorch DDP: did not finish within 600 s; skipped");
            return;
        }
        if (text.contains("NO_TORCH")) {
            out.println("PyTorch DDP: python3-torch is not installed (apt-get install -y python3-torch); skipped");
            return;
        }
        double ddpScaling = 0;
        double ddpBus64 = 0;
        for (String line : text.split("\n")) {
            if (line.startsWith("RESULT ")) {
                String[] f = line.split(" ");
                if (f[1].equals("scaling")) ddpScaling = Double.parseDouble(f[2]);
                if (f[1].equals("busbw64")) ddpBus64 = Double.parseDouble(f[2]);
            } else if (!line.isBlank()) {
                out.println("  ddp: " + line);
            }
        }
        if (p.exitValue() != 0 || ddpScaling == 0) {
            out.println("PyTorch DDP: the script failed (exit " + p.exitValue() + "); output above");
            return;
        }
        out.printf(Locale.ROOT, "vs PyTorch DDP (gloo, same run): scaling Gale %.2fx / DDP %.2fx = %.2f; all-reduce 64 MiB, 2 ranks:"
                        + " Gale %.2f GB/s (TCP alone %.2f) / gloo %.2f GB/s = %.2f (TCP alone %.2f)  [load %s]%n", galeScaling, ddpScaling,
                galeScaling / ddpScaling, galeBus64 / 1e9, tcpBus64 / 1e9, ddpBus64 / 1e9, galeBus64 / ddpBus64, tcpBus64 / ddpBus64, load());
    }

    static String load() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException e) {
            return "?";
        }
    }

    static double median(double[] v) {
        double[] c = v.clone();
        Arrays.sort(c);
        return c.length % 2 == 1 ? c[c.length / 2] : (c[c.length / 2 - 1] + c[c.length / 2]) / 2;
    }

    private static String fmt(double[] v) {
        List<String> s = new ArrayList<>();
        for (double x : v) s.add(String.format(Locale.ROOT, "%.0f", x));
        return String.join("/", s);
    }

    static int intArg(List<String> args, String name, int dflt) {
        return Integer.parseInt(strArg(args, name, Integer.toString(dflt)));
    }

    static String strArg(List<String> args, String name, String dflt) {
        int i = args.indexOf(name);
        if (i < 0) return dflt;
        if (i + 1 >= args.size()) throw new IllegalArgumentException(name + " needs a value");
        return args.get(i + 1);
    }

    private static void deleteTree(Path p) throws IOException {
        try (var s = Files.walk(p)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(x -> x.toFile().delete());
        }
    }
}
