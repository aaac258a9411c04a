package dev.gale.train.internal;

import dev.gale.cluster.Work;
import dev.gale.cluster.WorkContext;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The {@link Work} a node runs for one worker of a group: starts the worker's JVM
 * ({@link WorkerMain}, this node's java and class path) with the lease's resources —
 * {@code CUDA_VISIBLE_DEVICES} from its GPUs, {@code OMP_NUM_THREADS} and
 * {@code -Dai.djl.pytorch.num_threads} from its CPUs, glibc's allocator told to keep large blocks
 * ({@link #mallocForTraining}) — and waits for it.
 *
 * <p>Promises: returns when the worker JVM exits 0; throws, naming the rank, the exit code and the
 * tail of its stderr, when it exits otherwise; when the work is cancelled (the lease is released or
 * revoked) the JVM is killed at once. The worker JVM never outlives this call. Its output goes to
 * {@code worker-<rank>.out/.err} in the payload's log directory when the node can write there,
 * else to a temporary directory.
 */
public final class WorkerLauncher implements Work {
    static final int TAIL_BYTES = 4096;

    @Override
    public void run(WorkContext ctx) throws Exception {
        Map<String, Object> p = ControlWire.parse(ctx.payload());
        int rank = ((Number) p.get("rank")).intValue();
        int threads = Math.max(1, ctx.allocation().spec().threads());
        Path logDir = Path.of((String) p.get("logDir"));
        try {
            Files.createDirectories(logDir);
        } catch (IOException e) {
            logDir = Files.createTempDirectory("gale-train-logs");
        }
        Path out = logDir.resolve("worker-" + rank + ".out");
        Path err = logDir.resolve("worker-" + rank + ".err");
        long errStart = Files.exists(err) ? Files.size(err) : 0;
        ProcessBuilder pb = new ProcessBuilder(command((String) p.get("driverHost"), ((Number) p.get("driverPort")).intValue(),
                rank, threads));
        Map<String, String> env = pb.environment();
        env.put("CUDA_VISIBLE_DEVICES", ctx.allocation().cudaVisibleDevices());
        env.put("OMP_NUM_THREADS", Integer.toString(threads));
        env.put("OMP_WAIT_POLICY", "PASSIVE");
        mallocForTraining(env);
        env.put(WorkerMain.TOKEN_ENV, (String) p.get("token"));
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(out.toFile()));
        pb.redirectError(ProcessBuilder.Redirect.appendTo(err.toFile()));
        Process proc = pb.start();
        // the cluster's TLS (secret and password) goes to the worker on its standard input, never on its
        // command line or in its environment; a plain-TCP cluster sends nothing
        java.util.Optional<TrainTls> tls = TrainTls.fromCluster(ctx.system().settings().config());
        if (tls.isPresent()) tls.get().writeTo(proc.getOutputStream());
        else proc.getOutputStream().close();
        try {
            while (!proc.waitFor(100, TimeUnit.MILLISECONDS)) {
                if (ctx.cancelled()) {
                    proc.destroyForcibly();
                    proc.waitFor(10, TimeUnit.SECONDS);
                    return;
                }
            }
        } catch (InterruptedException e) {
            proc.destroyForcibly();
            proc.waitFor(10, TimeUnit.SECONDS);
            return;
        } finally {
            if (proc.isAlive()) proc.destroyForcibly();
        }
        int code = proc.exitValue();
        if (code != 0 && !ctx.cancelled()) {
            throw new IOException("worker rank " + rank + " (pid " + proc.pid() + ") exited with code " + code
                    + describe(code) + "; stderr tail: " + tail(err, errStart));
        }
    }

    /**
     * glibc's allocator gives every large block PyTorch frees back to the kernel and maps a fresh
     * one for the next tensor, so each training step page-faults its activations and gradients in
     * again; keeping blocks up to 64 MiB in the process and trimming only past 512 MiB made the MLP
     * worker 1.25-1.6x faster on this machine (the reason PyTorch suggests jemalloc or tcmalloc on
     * CPUs). Values the user set are kept.
     */
    static void mallocForTraining(Map<String, String> env) {
        env.putIfAbsent("MALLOC_MMAP_THRESHOLD_", Integer.toString(64 << 20));
        env.putIfAbsent("MALLOC_TRIM_THRESHOLD_", Integer.toString(512 << 20));
    }

    private static String describe(int code) {
        if (code == 137) return " (killed: SIGKILL)";
        if (code == WorkerMain.EXIT_DRIVER_LOST) return " (its driver link was lost)";
        return "";
    }

    /** The worker JVM's command line. */
    static List<String> command(String driverHost, int driverPort, int rank, int threads) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xss1m");
        cmd.add("-XX:+UseSerialGC");
        cmd.add("--enable-native-access=ALL-UNNAMED");
        if (Runtime.version().feature() >= 23) cmd.add("--sun-misc-unsafe-memory-access=allow");
        cmd.add("-Dai.djl.offline=true");
        cmd.add("-Dai.djl.pytorch.num_threads=" + threads);
        cmd.add("-Dai.djl.pytorch.num_interop_threads=1");
        cmd.add("-Dorg.slf4j.simpleLogger.log.ai.djl.util.cuda.CudaUtils=error");
        for (String prop : new String[]{"DJL_CACHE_DIR", "logback.configurationFile", "java.io.tmpdir", "gale.fashion.dir"}) {
            String v = System.getProperty(prop);
            if (v != null) cmd.add("-D" + prop + "=" + v);
        }
        cmd.add("-cp");
        cmd.add(absoluteClassPath(System.getProperty("java.class.path", "")));
        cmd.add(WorkerMain.class.getName());
        cmd.add(driverHost);
        cmd.add(Integer.toString(driverPort));
        cmd.add(Integer.toString(rank));
        return cmd;
    }

    static String absoluteClassPath(String cp) {
        StringBuilder sb = new StringBuilder();
        for (String e : cp.split(java.io.File.pathSeparator)) {
            if (e.isEmpty()) continue;
            if (!sb.isEmpty()) sb.append(java.io.File.pathSeparator);
            sb.append(Path.of(e).toAbsolutePath());
        }
        return sb.toString();
    }

    static String tail(Path f, long from) {
        try {
            long size = Files.size(f);
            long start = Math.max(from, size - TAIL_BYTES);
            byte[] all = Files.readAllBytes(f);
            return new String(all, (int) start, (int) (size - start), StandardCharsets.UTF_8).strip();
        } catch (IOException | RuntimeException e) {
            return "(no stderr: " + e.getMessage() + ")";
        }
    }
}
