package dev.gale.gpu.internal;

import dev.gale.gpu.GpuDevice;
import dev.gale.gpu.GpuTelemetry;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Finds, runs and parses {@code nvidia-smi}. Implementation detail of
 * {@link dev.gale.gpu.InventoryDiscovery}; not a stable API.
 *
 * <p>The query is {@link #ARGS}; its output has one line per GPU with six comma-separated columns:
 * {@code index, uuid, name, memory.total [MiB], memory.used [MiB], utilization.gpu [%]}.
 */
public final class NvidiaSmi {
    /** The arguments passed to {@code nvidia-smi}. */
    public static final List<String> ARGS = List.of(
            "--query-gpu=index,uuid,name,memory.total,memory.used,utilization.gpu",
            "--format=csv,noheader,nounits");

    /** How long {@code nvidia-smi} may run before it is killed. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    private static final String[] COLUMNS = {"index", "uuid", "name", "memory.total", "memory.used", "utilization.gpu"};
    private static final long MIB = 1L << 20;

    /**
     * The per-GPU telemetry query: {@code index, uuid, utilization.gpu [%], memory.used [MiB],
     * memory.total [MiB]} (the uuid maps the per-process query, which names GPUs by uuid, to indexes).
     */
    public static final List<String> TELEMETRY_ARGS = List.of(
            "--query-gpu=index,uuid,utilization.gpu,memory.used,memory.total",
            "--format=csv,noheader,nounits");

    /** The per-process GPU-memory query: {@code pid, gpu_uuid, used_memory [MiB]}. */
    public static final List<String> COMPUTE_APPS_ARGS = List.of(
            "--query-compute-apps=pid,gpu_uuid,used_memory",
            "--format=csv,noheader,nounits");

    private NvidiaSmi() {
    }

    /**
     * Parses the CSV printed for {@link #TELEMETRY_ARGS}. Blank lines are skipped. Utilization and
     * memory used may be {@code [N/A]} / {@code [Not Supported]} (read as 0).
     *
     * @throws IllegalArgumentException naming the line and column when the text is not such output
     */
    public static List<GpuTelemetry.GpuSample> parseTelemetry(String csv) {
        if (csv == null) throw new IllegalArgumentException("nvidia-smi output is null");
        List<GpuTelemetry.GpuSample> out = new ArrayList<>();
        String[] lines = csv.split("\r?\n|\r", -1);
        for (int ln = 0; ln < lines.length; ln++) {
            String line = lines[ln];
            if (line.isBlank()) continue;
            int lineNo = ln + 1;
            String[] f = line.split(",", -1);
            if (f.length != 5) {
                throw new IllegalArgumentException("nvidia-smi telemetry line " + lineNo
                        + ": expected 5 comma-separated columns (index, uuid, utilization.gpu, memory.used, memory.total), got "
                        + f.length + ": '" + abbreviate(line) + "'");
            }
            for (int i = 0; i < f.length; i++) f[i] = f[i].trim();
            int index = (int) wholeNumber(f[0], lineNo, 0, Integer.MAX_VALUE, false);
            double util = percent(f[2], lineNo, 5);
            long used = mibToBytes(wholeNumber(f[3], lineNo, 4, Long.MAX_VALUE / MIB, true));
            long total = mibToBytes(wholeNumber(f[4], lineNo, 3, Long.MAX_VALUE / MIB, true));
            out.add(new GpuTelemetry.GpuSample(index, f[1], util, used, total));
        }
        return List.copyOf(out);
    }

    /**
     * Parses the CSV printed for {@link #COMPUTE_APPS_ARGS}: one line per process and GPU. Blank
     * lines and a "No running processes found" line are skipped; {@code [N/A]} memory reads as 0.
     *
     * @throws IllegalArgumentException naming the line when the text is not such output
     */
    public static List<GpuTelemetry.ProcessMemory> parseComputeApps(String csv) {
        if (csv == null) throw new IllegalArgumentException("nvidia-smi output is null");
        List<GpuTelemetry.ProcessMemory> out = new ArrayList<>();
        String[] lines = csv.split("\r?\n|\r", -1);
        for (int ln = 0; ln < lines.length; ln++) {
            String line = lines[ln].trim();
            if (line.isEmpty() || line.toLowerCase(Locale.ROOT).startsWith("no running")) continue;
            String[] f = line.split(",", -1);
            if (f.length != 3) {
                throw new IllegalArgumentException("nvidia-smi compute-apps line " + (ln + 1)
                        + ": expected 3 comma-separated columns (pid, gpu_uuid, used_memory), got " + f.length
                        + ": '" + abbreviate(line) + "'");
            }
            String pid = f[0].trim();
            String mem = f[2].trim();
            if (pid.isEmpty() || !pid.chars().allMatch(c -> c >= '0' && c <= '9') || pid.length() > 18) {
                throw new IllegalArgumentException("nvidia-smi compute-apps line " + (ln + 1) + ": pid '" + abbreviate(pid)
                        + "' is not a whole number");
            }
            long bytes;
            if (notAvailable(mem)) {
                bytes = 0;
            } else if (!mem.isEmpty() && mem.length() <= 12 && mem.chars().allMatch(c -> c >= '0' && c <= '9')) {
                bytes = mibToBytes(Long.parseLong(mem));
            } else {
                throw new IllegalArgumentException("nvidia-smi compute-apps line " + (ln + 1) + ": used_memory '"
                        + abbreviate(mem) + "' is not a whole number of MiB");
            }
            out.add(new GpuTelemetry.ProcessMemory(Long.parseLong(pid), f[1].trim(), bytes));
        }
        return List.copyOf(out);
    }

    /**
     * Runs {@code exe} with {@code args} and returns its standard output.
     *
     * @param env its {@code PATH} is given to the child process (the rest is inherited)
     * @throws IOException when it cannot be started, times out, or exits non-zero
     */
    public static String run(Path exe, List<String> args, Map<String, String> env, Duration timeout) throws IOException {
        List<String> cmd = new ArrayList<>(1 + args.size());
        cmd.add(exe.toString());
        cmd.addAll(args);
        String path = pathOf(env);
        return ProcessRunner.run(cmd, path == null ? Map.of() : Map.of("PATH", path), timeout);
    }

    /**
     * Parses the CSV printed for {@link #ARGS}. Blank lines are skipped; empty text means no GPUs.
     * {@code memory.used} and {@code utilization.gpu} may be {@code [N/A]} or {@code [Not Supported]}
     * (read as 0); the other columns are required. A name containing commas is kept whole.
     *
     * @throws IllegalArgumentException naming the line (1-based) and column when the text is not
     *                                  such output, or when two lines have the same index
     */
    public static List<GpuDevice> parse(String csv) {
        if (csv == null) throw new IllegalArgumentException("nvidia-smi output is null");
        List<GpuDevice> out = new ArrayList<>();
        String[] lines = csv.split("\r?\n|\r", -1);
        for (int ln = 0; ln < lines.length; ln++) {
            String line = lines[ln];
            if (line.isBlank()) continue;
            int lineNo = ln + 1;
            String[] raw = line.split(",", -1);
            if (raw.length < COLUMNS.length) {
                throw new IllegalArgumentException("nvidia-smi line " + lineNo + ": expected " + COLUMNS.length
                        + " comma-separated columns (" + String.join(", ", COLUMNS) + "), got " + raw.length
                        + ": '" + abbreviate(line) + "'");
            }
            // a name with commas: everything between uuid and the last three columns
            int n = raw.length;
            String name = String.join(",", java.util.Arrays.copyOfRange(raw, 2, n - 3)).trim();
            String[] f = {raw[0].trim(), raw[1].trim(), name, raw[n - 3].trim(), raw[n - 2].trim(), raw[n - 1].trim()};

            int index = (int) wholeNumber(f[0], lineNo, 0, Integer.MAX_VALUE, false);
            if (f[1].isEmpty()) throw bad(lineNo, 1, f[1], "empty uuid");
            if (f[2].isEmpty()) throw bad(lineNo, 2, f[2], "empty name");
            long total = mibToBytes(wholeNumber(f[3], lineNo, 3, Long.MAX_VALUE / MIB, false));
            long used = mibToBytes(wholeNumber(f[4], lineNo, 4, Long.MAX_VALUE / MIB, true));
            double util = percent(f[5], lineNo, 5);
            for (GpuDevice g : out) {
                if (g.index() == index) throw bad(lineNo, 0, f[0], "index " + index + " appears twice");
            }
            out.add(new GpuDevice(index, f[1], f[2], total, used, util));
        }
        return List.copyOf(out);
    }

    /**
     * The first executable regular file named {@code nvidia-smi} (on Windows also
     * {@code nvidia-smi.exe}) in the {@code PATH} of {@code env}; empty entries are skipped.
     */
    public static Optional<Path> locate(Map<String, String> env) {
        String path = pathOf(env);
        if (path == null || path.isEmpty()) return Optional.empty();
        boolean windows = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows");
        String[] names = windows ? new String[]{"nvidia-smi.exe", "nvidia-smi"} : new String[]{"nvidia-smi"};
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isBlank()) continue;
            for (String name : names) {
                try {
                    Path p = Path.of(dir, name);
                    if (Files.isRegularFile(p) && Files.isExecutable(p)) return Optional.of(p);
                } catch (InvalidPathException e) {
                    // a malformed PATH entry: skip it
                }
            }
        }
        return Optional.empty();
    }

    /**
     * Runs the query on {@code exe} and parses its output.
     *
     * @param env     its {@code PATH} is given to the child process (the rest is inherited)
     * @param timeout the process is killed after this long
     * @throws IOException              when it cannot be started, times out, or exits non-zero
     * @throws IllegalArgumentException when its output cannot be parsed
     */
    public static List<GpuDevice> query(Path exe, Map<String, String> env, Duration timeout) throws IOException {
        List<String> cmd = new ArrayList<>(1 + ARGS.size());
        cmd.add(exe.toString());
        cmd.addAll(ARGS);
        String path = pathOf(env);
        return parse(ProcessRunner.run(cmd, path == null ? Map.of() : Map.of("PATH", path), timeout));
    }

    /** {@code PATH} from {@code env}, looked up case-insensitively when not found exactly (Windows spells it {@code Path}). */
    static String pathOf(Map<String, String> env) {
        String p = env.get("PATH");
        if (p != null) return p;
        for (Map.Entry<String, String> e : env.entrySet()) {
            if ("PATH".equalsIgnoreCase(e.getKey())) return e.getValue();
        }
        return null;
    }

    private static long wholeNumber(String s, int line, int col, long max, boolean naIsZero) {
        if (naIsZero && notAvailable(s)) return 0;
        if (s.isEmpty() || s.length() > 19) throw bad(line, col, s, "expected a whole number");
        long v = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') throw bad(line, col, s, "expected a whole number");
            v = v * 10 + (c - '0');
            if (v > max) throw bad(line, col, s, "too large");
        }
        return v;
    }

    private static double percent(String s, int line, int col) {
        if (notAvailable(s)) return 0;
        double v;
        try {
            v = Double.parseDouble(s);
        } catch (NumberFormatException e) {
            throw bad(line, col, s, "expected a percentage 0-100 or [N/A]");
        }
        if (!(v >= 0 && v <= 100) || s.indexOf('x') >= 0 || s.indexOf('X') >= 0) {
            throw bad(line, col, s, "expected a percentage 0-100 or [N/A]");
        }
        return v;
    }

    private static boolean notAvailable(String s) {
        return s.equalsIgnoreCase("[N/A]") || s.equalsIgnoreCase("N/A") || s.equalsIgnoreCase("[Not Supported]");
    }

    private static long mibToBytes(long mib) {
        return mib * MIB; // bounded by the caller's max
    }

    private static IllegalArgumentException bad(int line, int col, String value, String why) {
        return new IllegalArgumentException("nvidia-smi line " + line + ", column " + (col + 1) + " (" + COLUMNS[col]
                + "): '" + abbreviate(value) + "': " + why);
    }

    private static String abbreviate(String s) {
        return s.length() <= 120 ? s : s.substring(0, 117) + "...";
    }
}
