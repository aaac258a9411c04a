package dev.gale.tune.search;

import dev.gale.tune.Config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * The leaves of a {@link SearchSpace} in their nested levels: built from the nested map
 * {@link SearchSpace#of} takes, validating every key and value on the way, and turned back into
 * nested configurations from values for the leaves ({@link #sample}, {@link #assemble}), with
 * sample_from parameters resolved from the other values in dependency order.
 *
 * <p>Promises: {@link #of} returns a tree whose every domain is validated and whose constants and
 * choice/grid values are deep-frozen, or throws a {@link SearchSpaceException} naming the dotted
 * path of the first problem and the fix. Immutable. Leaves keep the insertion order of the given
 * maps: the order of {@link #path}, of the draws from the generator, and of the keys of every
 * configuration.
 */
final class SpaceTree {

    /** A nested level: keys in order, each child a {@link Node} or an Integer leaf index. */
    private record Node(String[] keys, Object[] children) {
    }

    private static final Object UNRESOLVED = new Object();

    private final Node root;
    private final String[] leafPaths;
    private final Object[] leafValues; // a Domain or a frozen constant
    private final int[] sampleFromLeaves;
    private final List<String> paths;

    private SpaceTree(Node root, List<String> leafPaths, List<Object> leafValues) {
        this.root = root;
        this.leafPaths = leafPaths.toArray(new String[0]);
        this.leafValues = leafValues.toArray();
        List<Integer> sf = new ArrayList<>();
        for (int i = 0; i < this.leafValues.length; i++) {
            if (this.leafValues[i] instanceof Domain.SampleFrom) {
                sf.add(i);
            }
        }
        this.paths = List.copyOf(leafPaths);
        this.sampleFromLeaves = sf.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * The validated tree of {@code space} (not null): keys non-empty strings without '.', values
     * no null, no non-finite number, no Domain inside a list, every domain's parameters checked.
     *
     * @throws SearchSpaceException naming the dotted path of the first problem found
     */
    static SpaceTree of(Map<String, ?> space) {
        List<String> leafPaths = new ArrayList<>();
        List<Object> leafValues = new ArrayList<>();
        Node root = build(space, "", leafPaths, leafValues);
        return new SpaceTree(root, leafPaths, leafValues);
    }

    private static Node build(Map<?, ?> map, String prefix, List<String> leafPaths, List<Object> leafValues) {
        String[] keys = new String[map.size()];
        Object[] children = new Object[map.size()];
        int i = 0;
        for (Map.Entry<?, ?> e : map.entrySet()) {
            Object rawKey = e.getKey();
            String where = prefix.isEmpty() ? "<top level>" : prefix;
            if (!(rawKey instanceof String key)) {
                throw new SearchSpaceException(prefix.isEmpty() ? null : prefix, "key " + rawKey + " in " + where
                        + " is not a string: use string keys");
            }
            String path = prefix.isEmpty() ? key : prefix + "." + key;
            if (key.isEmpty()) {
                throw new SearchSpaceException(path, "empty key in " + where + ": give every parameter a name");
            }
            if (key.indexOf('.') >= 0) {
                throw new SearchSpaceException(path, "key '" + key + "' contains '.', which separates nested levels:"
                        + " nest a map instead (\"" + key.substring(0, key.indexOf('.')) + "\": {...})");
            }
            Object v = e.getValue();
            keys[i] = key;
            if (v instanceof Map<?, ?> nested) {
                children[i] = build(nested, path, leafPaths, leafValues);
            } else {
                Object leaf;
                if (v instanceof Domain d) {
                    d.validate(path);
                    leaf = freezeDomain(path, d);
                } else {
                    leaf = Values.freeze(path, v);
                }
                children[i] = leafPaths.size();
                leafPaths.add(path);
                leafValues.add(leaf);
            }
            i++;
        }
        return new Node(keys, children);
    }

    @SuppressWarnings("unchecked")
    private static Domain freezeDomain(String path, Domain d) {
        if (d instanceof Domain.Choice c) {
            return new Domain.Choice((List<Object>) Values.freeze(path, c.values()));
        }
        if (d instanceof Domain.GridSearch g) {
            return new Domain.GridSearch((List<Object>) Values.freeze(path, g.values()));
        }
        return d;
    }

    /** The number of leaves. */
    int size() {
        return leafValues.length;
    }

    /** The dotted path of leaf {@code i}. */
    String path(int i) {
        return leafPaths[i];
    }

    /** Leaf {@code i}: a validated {@link Domain} or a frozen constant. */
    Object value(int i) {
        return leafValues[i];
    }

    /** Every leaf's dotted path, in order (unmodifiable). */
    List<String> paths() {
        return paths;
    }

    /**
     * A configuration with grid axes from {@code gridAssignment} where it names them (used as
     * given; the caller has checked the names), every other domain but sample_from drawn from
     * {@code rng} in leaf order, constants copied, then sample_from resolved.
     */
    Map<String, Object> sample(RandomGenerator rng, Map<String, Object> gridAssignment) {
        Object[] vals = new Object[leafValues.length];
        for (int i = 0; i < vals.length; i++) {
            Object v = leafValues[i];
            if (v instanceof Domain d) {
                if (d instanceof Domain.SampleFrom) {
                    vals[i] = UNRESOLVED;
                } else if (d instanceof Domain.GridSearch g) {
                    if (gridAssignment != null && gridAssignment.containsKey(leafPaths[i])) {
                        vals[i] = gridAssignment.get(leafPaths[i]);
                    } else {
                        vals[i] = g.sample(rng);
                    }
                } else {
                    vals[i] = d.sample(rng);
                }
            } else {
                vals[i] = v;
            }
        }
        if (sampleFromLeaves.length > 0) {
            resolveSampleFrom(vals);
        }
        return materialize(root, vals);
    }

    /**
     * A configuration from {@code values} (dotted path → value of every domain but sample_from),
     * constants copied, then sample_from resolved.
     *
     * @throws IllegalArgumentException when a domain's value is missing or outside its domain
     */
    Map<String, Object> assemble(Map<String, Object> values) {
        Object[] vals = new Object[leafValues.length];
        for (int i = 0; i < vals.length; i++) {
            Object v = leafValues[i];
            if (v instanceof Domain.SampleFrom) {
                vals[i] = UNRESOLVED;
            } else if (v instanceof Domain d) {
                Object chosen = values.get(leafPaths[i]);
                if (chosen == null || !d.contains(chosen)) {
                    throw new IllegalArgumentException("value " + chosen + " for '" + leafPaths[i] + "' is "
                            + (chosen == null ? "missing" : "outside its " + d.kind() + " domain"));
                }
                vals[i] = chosen;
            } else {
                vals[i] = v;
            }
        }
        if (sampleFromLeaves.length > 0) {
            resolveSampleFrom(vals);
        }
        return materialize(root, vals);
    }

    private void resolveSampleFrom(Object[] vals) {
        int pending = sampleFromLeaves.length;
        RuntimeException[] errors = new RuntimeException[sampleFromLeaves.length];
        while (pending > 0) {
            boolean progress = false;
            for (int j = 0; j < sampleFromLeaves.length; j++) {
                int i = sampleFromLeaves[j];
                if (vals[i] != UNRESOLVED) continue;
                Domain.SampleFrom sf = (Domain.SampleFrom) leafValues[i];
                Object v;
                try {
                    v = sf.fn().apply(new Config(materialize(root, vals)));
                } catch (RuntimeException e) {
                    errors[j] = e;
                    continue;
                }
                if (v == null) {
                    throw new SearchSpaceException(leafPaths[i], "the sample_from function returned null: return a plain value");
                }
                if (v instanceof Domain) {
                    throw new SearchSpaceException(leafPaths[i], "the sample_from function returned a Domain: return a plain value");
                }
                vals[i] = Values.freeze(leafPaths[i], v);
                errors[j] = null;
                progress = true;
                pending--;
            }
            if (!progress) {
                StringBuilder sb = new StringBuilder("sample_from could not be resolved: ");
                String first = null;
                RuntimeException cause = null;
                for (int j = 0; j < sampleFromLeaves.length; j++) {
                    int i = sampleFromLeaves[j];
                    if (vals[i] != UNRESOLVED) continue;
                    if (first == null) {
                        first = leafPaths[i];
                        cause = errors[j];
                    } else {
                        sb.append("; ");
                    }
                    sb.append('\'').append(leafPaths[i]).append("' failed with: ").append(errors[j].getMessage());
                }
                sb.append(". Either a sample_from reads a key that is not in the space, or sample_from parameters"
                        + " read each other in a cycle, or the function itself fails: fix the function or the space");
                throw new SearchSpaceException(first, sb.toString(), cause);
            }
        }
    }

    private static Map<String, Object> materialize(Node node, Object[] vals) {
        Map<String, Object> out = LinkedHashMap.newLinkedHashMap(node.keys.length);
        for (int i = 0; i < node.keys.length; i++) {
            Object c = node.children[i];
            if (c instanceof Node n) {
                out.put(node.keys[i], materialize(n, vals));
            } else {
                Object v = vals[(Integer) c];
                if (v != UNRESOLVED) {
                    out.put(node.keys[i], v);
                }
            }
        }
        return out;
    }
}
