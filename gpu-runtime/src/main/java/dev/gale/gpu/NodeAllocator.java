package dev.gale.gpu;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Grants {@link ResourceSpec}s against one node's {@link NodeInventory} and takes them back.
 *
 * <p>Promises:
 * <ul>
 *   <li><b>Never overcommits.</b> The CPUs, host memory and custom resources of the allocations
 *       held never add up to more than the inventory (doubles compared with a tolerance of
 *       {@value #EPS}); on every GPU the fractions held add up to at most 1 and the GPU memory
 *       reserved to at most its total. Free amounts never go negative.</li>
 *   <li><b>All or nothing.</b> {@link #tryAllocate} either grants everything the spec asks for or
 *       changes nothing.</li>
 *   <li><b>GPUs.</b> Only GPUs whose name contains {@code spec.acceleratorType()}
 *       (case-insensitive) are considered. {@code gpus >= 1} takes that many <em>whole idle</em>
 *       GPUs (nothing held on them), lowest position in the inventory first, each reserving
 *       {@code gpuMemoryBytes} when set (the GPU must have that much) or else all its memory.
 *       {@code 0 < gpus < 1} takes a share of <em>one</em> GPU that has at least that fraction free
 *       and at least the memory to reserve free, where the memory reserved is {@code gpuMemoryBytes}
 *       when set or else {@code floor(gpus × total memory)}; among such GPUs the one left with the
 *       least free fraction is chosen (best fit, so shares pack onto few GPUs), ties broken by least
 *       free memory left, then by position.</li>
 *   <li><b>Release.</b> {@link #release} returns exactly what was granted. Allocations are
 *       compared by value (records), so an equal copy (for example one that went through
 *       serialization) releases the original; releasing something not held, or more times than it
 *       was granted, throws {@link IllegalStateException}. Once nothing is held, all free amounts
 *       equal the inventory exactly.</li>
 * </ul>
 *
 * <p><b>Not thread-safe.</b> An allocator is meant to be confined to one thread (for example owned
 * by one actor); callers that share it must synchronize externally.
 */
public final class NodeAllocator {
    /** Tolerance for comparing fractional amounts (CPUs, GPU fractions, custom resources). */
    public static final double EPS = 1e-9;

    private final NodeInventory inv;
    private final int nGpu;
    private final int[] gpuIndex;
    private final long[] gpuTotal;
    private final double[] gpuUsed;
    private final long[] gpuMemUsed;
    private final int[] gpuHolders;
    private final Map<String, Integer> customSlot;
    private final String[] customName;
    private final double[] customCap;
    private final double[] customUsed;
    private final HashMap<Allocation, Integer> held = new HashMap<>();
    private double cpuUsed;
    private long memUsed;

    /** An allocator with everything in {@code inv} free. */
    public NodeAllocator(NodeInventory inv) {
        this.inv = Objects.requireNonNull(inv, "inv");
        List<GpuDevice> gpus = inv.gpus();
        nGpu = gpus.size();
        gpuIndex = new int[nGpu];
        gpuTotal = new long[nGpu];
        for (int i = 0; i < nGpu; i++) {
            gpuIndex[i] = gpus.get(i).index();
            gpuTotal[i] = gpus.get(i).memoryTotalBytes();
        }
        gpuUsed = new double[nGpu];
        gpuMemUsed = new long[nGpu];
        gpuHolders = new int[nGpu];
        customName = inv.custom().keySet().stream().sorted().toArray(String[]::new);
        customCap = new double[customName.length];
        customUsed = new double[customName.length];
        customSlot = new HashMap<>();
        for (int i = 0; i < customName.length; i++) {
            customSlot.put(customName[i], i);
            customCap[i] = inv.custom().get(customName[i]);
        }
    }

    /** The inventory this allocator grants from. */
    public NodeInventory inventory() {
        return inv;
    }

    /**
     * Grants {@code spec} now if it fits in what is free, else returns empty and changes nothing.
     * Use {@link #fits} to tell "wait for a release" from "can never fit here".
     */
    public Optional<Allocation> tryAllocate(ResourceSpec spec) {
        Objects.requireNonNull(spec, "spec");
        if (cpuUsed + spec.cpus() > inv.cpus() + EPS) return Optional.empty();
        if (spec.memoryBytes() > inv.memoryBytes() - memUsed) return Optional.empty();
        for (Map.Entry<String, Double> e : spec.custom().entrySet()) {
            Integer slot = customSlot.get(e.getKey());
            double cap = slot == null ? 0 : customCap[slot] - customUsed[slot];
            if (e.getValue() > cap + EPS) return Optional.empty();
        }

        List<GpuShare> shares;
        if (spec.gpus() >= 1) {
            int n = spec.wholeGpus();
            if (n > nGpu) return Optional.empty();
            long budget = spec.gpuMemoryBytes();
            GpuShare[] picked = new GpuShare[n];
            int k = 0;
            for (int i = 0; i < nGpu && k < n; i++) {
                if (gpuHolders[i] == 0 && budget <= gpuTotal[i] && typeMatches(i, spec.acceleratorType())) {
                    picked[k++] = new GpuShare(gpuIndex[i], 1.0, budget > 0 ? budget : gpuTotal[i]);
                }
            }
            if (k < n) return Optional.empty();
            shares = List.of(picked);
        } else if (spec.gpus() > 0) {
            double f = spec.gpus();
            int best = -1;
            double bestFrac = 0;
            long bestMem = 0, bestNeed = 0;
            for (int i = 0; i < nGpu; i++) {
                double fracLeft = 1 - gpuUsed[i] - f;
                if (fracLeft < -EPS || !typeMatches(i, spec.acceleratorType())) continue;
                long need = memoryFor(f, spec.gpuMemoryBytes(), gpuTotal[i]);
                long memLeft = gpuTotal[i] - gpuMemUsed[i] - need;
                if (memLeft < 0) continue;
                if (best < 0 || fracLeft < bestFrac - EPS || (fracLeft <= bestFrac + EPS && memLeft < bestMem)) {
                    best = i;
                    bestFrac = fracLeft;
                    bestMem = memLeft;
                    bestNeed = need;
                }
            }
            if (best < 0) return Optional.empty();
            shares = List.of(new GpuShare(gpuIndex[best], f, bestNeed));
        } else {
            shares = List.of();
        }

        Allocation a = new Allocation(spec, spec.cpus(), spec.memoryBytes(), shares, spec.custom());
        apply(a, +1);
        held.merge(a, 1, Integer::sum);
        return Optional.of(a);
    }

    /**
     * Whether {@link #tryAllocate} would grant {@code spec} now, without granting it (and without
     * allocating objects): the same rules, for placement loops that probe many nodes.
     */
    public boolean canAllocate(ResourceSpec spec) {
        Objects.requireNonNull(spec, "spec");
        if (cpuUsed + spec.cpus() > inv.cpus() + EPS) return false;
        if (spec.memoryBytes() > inv.memoryBytes() - memUsed) return false;
        if (!spec.custom().isEmpty()) {
            for (Map.Entry<String, Double> e : spec.custom().entrySet()) {
                Integer slot = customSlot.get(e.getKey());
                double cap = slot == null ? 0 : customCap[slot] - customUsed[slot];
                if (e.getValue() > cap + EPS) return false;
            }
        }
        if (spec.gpus() >= 1) {
            int n = spec.wholeGpus();
            if (n > nGpu) return false;
            long budget = spec.gpuMemoryBytes();
            int k = 0;
            for (int i = 0; i < nGpu && k < n; i++) {
                if (gpuHolders[i] == 0 && budget <= gpuTotal[i] && typeMatches(i, spec.acceleratorType())) k++;
            }
            return k >= n;
        }
        if (spec.gpus() > 0) {
            double f = spec.gpus();
            for (int i = 0; i < nGpu; i++) {
                if (1 - gpuUsed[i] - f < -EPS || !typeMatches(i, spec.acceleratorType())) continue;
                if (gpuTotal[i] - gpuMemUsed[i] - memoryFor(f, spec.gpuMemoryBytes(), gpuTotal[i]) >= 0) return true;
            }
            return false;
        }
        return true;
    }

    /**
     * Takes exactly the resources of {@code a} (an allocation granted elsewhere, for example by a
     * ResourceManager for a lease on this node) if they are free now: its CPUs, memory and custom
     * resources, and on each GPU it names the same share and memory, a whole GPU only when nothing
     * is held on it. All or nothing: returns false and changes nothing when any part is taken or
     * names a GPU this node does not have. What was taken is given back with {@link #release}.
     */
    public boolean tryAdopt(Allocation a) {
        if (!canAdopt(a)) return false;
        apply(a, +1);
        held.merge(a, 1, Integer::sum);
        return true;
    }

    /** Whether {@link #tryAdopt} would take {@code a} now, without taking it. */
    public boolean canAdopt(Allocation a) {
        Objects.requireNonNull(a, "a");
        if (cpuUsed + a.cpus() > inv.cpus() + EPS) return false;
        if (a.memoryBytes() > inv.memoryBytes() - memUsed) return false;
        for (Map.Entry<String, Double> e : a.custom().entrySet()) {
            Integer slot = customSlot.get(e.getKey());
            double cap = slot == null ? 0 : customCap[slot] - customUsed[slot];
            if (e.getValue() > cap + EPS) return false;
        }
        for (int s = 0; s < a.gpus().size(); s++) {
            GpuShare g = a.gpus().get(s);
            int i = positionOrMinus(g.index());
            if (i < 0) return false;
            for (int t = 0; t < s; t++) {
                if (a.gpus().get(t).index() == g.index()) return false;
            }
            if (g.fraction() >= 1 - EPS) {
                if (gpuHolders[i] != 0 || g.memoryBytes() > gpuTotal[i]) return false;
            } else {
                if (1 - gpuUsed[i] - g.fraction() < -EPS) return false;
                if (gpuTotal[i] - gpuMemUsed[i] - g.memoryBytes() < 0) return false;
            }
        }
        return true;
    }

    /** The allocations held now, each as often as it is held (for diagnostics and tests). */
    public List<Allocation> heldAllocations() {
        List<Allocation> out = new java.util.ArrayList<>(held.size());
        held.forEach((a, n) -> {
            for (int i = 0; i < n; i++) out.add(a);
        });
        return out;
    }

    /**
     * Returns what {@code a} was granted.
     *
     * @throws IllegalStateException when {@code a} is not held by this allocator (never granted
     *                               here, or already released)
     */
    public void release(Allocation a) {
        Objects.requireNonNull(a, "a");
        Integer count = held.get(a);
        if (count == null) {
            throw new IllegalStateException("release of an allocation this allocator does not hold"
                    + " (released twice, or granted by another node): " + a.spec() + " on GPUs ["
                    + a.cudaVisibleDevices() + "]");
        }
        if (count == 1) held.remove(a);
        else held.put(a, count - 1);
        apply(a, -1);
        if (held.isEmpty()) resetToEmpty();
    }

    /**
     * Whether {@code spec} could be granted on an <em>empty</em> node with this inventory: when
     * false it will never fit here, when true it fits now or after enough releases.
     */
    public boolean fits(ResourceSpec spec) {
        Objects.requireNonNull(spec, "spec");
        if (spec.cpus() > inv.cpus() + EPS || spec.memoryBytes() > inv.memoryBytes()) return false;
        for (Map.Entry<String, Double> e : spec.custom().entrySet()) {
            Integer slot = customSlot.get(e.getKey());
            if (e.getValue() > (slot == null ? 0 : customCap[slot]) + EPS) return false;
        }
        if (spec.gpus() >= 1) {
            int n = spec.wholeGpus();
            int k = 0;
            for (int i = 0; i < nGpu; i++) {
                if (spec.gpuMemoryBytes() <= gpuTotal[i] && typeMatches(i, spec.acceleratorType())) k++;
            }
            return k >= n;
        }
        if (spec.gpus() > 0) {
            for (int i = 0; i < nGpu; i++) {
                if (spec.gpuMemoryBytes() <= gpuTotal[i] && typeMatches(i, spec.acceleratorType())) return true;
            }
            return false;
        }
        return true;
    }

    /** CPUs not granted. */
    public double freeCpus() {
        return Math.max(0, inv.cpus() - cpuUsed);
    }

    /** Host memory not granted. */
    public long freeMemoryBytes() {
        return Math.max(0, inv.memoryBytes() - memUsed);
    }

    /** Free amount of custom resource {@code name} (0 when the inventory has none). */
    public double freeCustom(String name) {
        Integer slot = customSlot.get(name);
        return slot == null ? 0 : Math.max(0, customCap[slot] - customUsed[slot]);
    }

    /**
     * The fraction of GPU {@code index} not granted, in [0, 1] (1 when nothing is held on it).
     *
     * @throws IllegalArgumentException when the inventory has no GPU with that index
     */
    public double freeGpuFraction(int index) {
        int i = position(index);
        return gpuHolders[i] == 0 ? 1.0 : Math.min(1.0, Math.max(0, 1 - gpuUsed[i]));
    }

    /**
     * The memory of GPU {@code index} not reserved.
     *
     * @throws IllegalArgumentException when the inventory has no GPU with that index
     */
    public long freeGpuMemoryBytes(int index) {
        int i = position(index);
        return Math.max(0, gpuTotal[i] - gpuMemUsed[i]);
    }

    /** True when no allocation is held. */
    public boolean isEmpty() {
        return held.isEmpty();
    }

    /**
     * What is free, for logs and "why is my trial pending" messages, e.g.
     * {@code cpus 6/8, memory 12.0GiB/16.0GiB, gpu0 0.5 free 20.0GiB/40.0GiB (NVIDIA A100-SXM4-40GB)}.
     */
    public String describeFree() {
        StringBuilder sb = new StringBuilder(64 + 64 * nGpu);
        sb.append("cpus ").append(num(freeCpus())).append('/').append(num(inv.cpus()));
        sb.append(", memory ").append(Bytes.format(freeMemoryBytes())).append('/').append(Bytes.format(inv.memoryBytes()));
        for (int i = 0; i < nGpu; i++) {
            sb.append(", gpu").append(gpuIndex[i]).append(' ').append(num(freeGpuFraction(gpuIndex[i])))
                    .append(" free ").append(Bytes.format(freeGpuMemoryBytes(gpuIndex[i]))).append('/')
                    .append(Bytes.format(gpuTotal[i])).append(" (").append(inv.gpus().get(i).name()).append(')');
        }
        for (int i = 0; i < customName.length; i++) {
            sb.append(", ").append(customName[i]).append(' ')
                    .append(num(Math.max(0, customCap[i] - customUsed[i]))).append('/').append(num(customCap[i]));
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return "NodeAllocator[" + held.size() + " distinct allocations held; free: " + describeFree() + "]";
    }

    /** Memory a share of {@code fraction} reserves on a GPU of {@code total} bytes. */
    static long memoryFor(double fraction, long budget, long total) {
        return budget > 0 ? budget : (long) Math.floor(fraction * total);
    }

    private void apply(Allocation a, int sign) {
        cpuUsed += sign * a.cpus();
        memUsed += sign * a.memoryBytes();
        for (Map.Entry<String, Double> e : a.custom().entrySet()) {
            Integer slot = customSlot.get(e.getKey());
            if (slot != null) customUsed[slot] += sign * e.getValue();
        }
        for (GpuShare g : a.gpus()) {
            int i = position(g.index());
            gpuUsed[i] += sign * g.fraction();
            gpuMemUsed[i] += sign * g.memoryBytes();
            gpuHolders[i] += sign;
            if (gpuHolders[i] == 0) { // drop rounding drift
                gpuUsed[i] = 0;
                gpuMemUsed[i] = 0;
            }
        }
    }

    private void resetToEmpty() {
        cpuUsed = 0;
        memUsed = 0;
        Arrays.fill(customUsed, 0);
        Arrays.fill(gpuUsed, 0);
        Arrays.fill(gpuMemUsed, 0);
        Arrays.fill(gpuHolders, 0);
    }

    private int positionOrMinus(int index) {
        for (int i = 0; i < nGpu; i++) {
            if (gpuIndex[i] == index) return i;
        }
        return -1;
    }

    private int position(int index) {
        for (int i = 0; i < nGpu; i++) {
            if (gpuIndex[i] == index) return i;
        }
        throw new IllegalArgumentException("no GPU with index " + index + " on this node (has " + nGpu + ")");
    }

    private boolean typeMatches(int i, String type) {
        if (type.isEmpty()) return true;
        String name = inv.gpus().get(i).name();
        int n = type.length();
        for (int s = 0; s + n <= name.length(); s++) {
            if (name.regionMatches(true, s, type, 0, n)) return true;
        }
        return false;
    }

    private static String num(double v) {
        if (Math.abs(v - Math.rint(v)) < EPS) return Long.toString((long) Math.rint(v));
        return String.format(Locale.ROOT, "%.2f", v);
    }
}
