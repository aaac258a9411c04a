package dev.gale.cluster.internal;

import dev.gale.cluster.ResourceManager;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * The node types an autoscaler may launch, as a {@link PlacementEngine} keeps them: an empty
 * prototype node per type, how many nodes of it may still be added, the types as text for refusal
 * reasons, and a version that changes on every {@link #set}.
 *
 * <p>Promises: {@link #fits} answers whether a waiting entry's bundle fits the current nodes
 * together with these types, cached on the entry until the types or the node shapes change.
 * Not thread-safe: owned by one engine.
 */
final class LaunchableTypes {
    private final List<NodeSlot> launchable = new ArrayList<>();
    private final List<Integer> launchableMax = new ArrayList<>();
    private String launchableText = "";
    private List<ResourceManager.Launchable> launchableTypes = List.of();
    private long launchableVersion;

    /**
     * Replaces the types (an empty list withdraws them).
     *
     * @return true when a type set before was withdrawn, may add fewer nodes, or changed shape or
     *         labels (waiting demand may fit nothing now)
     */
    boolean set(List<ResourceManager.Launchable> types) {
        boolean shrank = false;
        for (int i = 0; i < launchable.size(); i++) {
            int j = indexOfLaunchable(types, launchable.get(i).id);
            if (j < 0 || types.get(j).maxNodes() < launchableMax.get(i)
                    || !types.get(j).shape().inventory().equals(launchable.get(i).inventory)
                    || !types.get(j).shape().labels().equals(launchable.get(i).labels)) {
                shrank = true;
                break;
            }
        }
        launchable.clear();
        launchableMax.clear();
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < types.size(); i++) {
            ResourceManager.Launchable t = types.get(i);
            launchable.add(Feasibility.prototype(t.name(), t.shape()));
            launchableMax.add(t.maxNodes());
            if (i > 0) text.append("; ");
            text.append(t.name()).append(" (up to ").append(t.maxNodes()).append(") ")
                    .append(Feasibility.describe(t.shape().inventory(), t.shape().labels()));
        }
        launchableText = text.toString();
        launchableTypes = List.copyOf(types);
        launchableVersion++;
        return shrank;
    }

    /** The types as last set; empty when none. */
    List<ResourceManager.Launchable> types() {
        return launchableTypes;
    }

    /** True when no type is set. */
    boolean isEmpty() {
        return launchable.isEmpty();
    }

    /** The types as text, e.g. {@code cpu-8 (up to 3) {cpus 8, memory 32.0GiB}}; empty when none. */
    String text() {
        return launchableText;
    }

    private static int indexOfLaunchable(List<ResourceManager.Launchable> types, String name) {
        for (int i = 0; i < types.size(); i++) if (types.get(i).name().equals(name)) return i;
        return -1;
    }

    /**
     * Whether the entry's bundle fits {@code nodes} together with nodes of these types (cached on
     * the entry until the types change or {@code shapeVersion}, the nodes' shapes, does).
     */
    <H> boolean fits(DemandEntry<H> e, Collection<NodeSlot> nodes, long shapeVersion) {
        if (launchable.isEmpty()) return false;
        if (e.launchableVersion != launchableVersion || e.launchableShapeVersion != shapeVersion) {
            e.launchable = Feasibility.feasibleOnEmpty(e.bundle, nodes, launchable, launchableMax);
            e.launchableVersion = launchableVersion;
            e.launchableShapeVersion = shapeVersion;
        }
        return e.launchable;
    }
}
