package dev.gale.tune.search;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The inputs of {@link GpSearcher}'s GP: how a configuration of a search space is laid out in the
 * unit cube and read back. Every domain but sample_from is a parameter, in the space's order; a
 * numeric parameter is one input in [0, 1] (the coordinate {@link QmcSearcher} maps), a categorical
 * parameter with k values is k one-hot inputs, decoded by argmax.
 *
 * <p>Promises: immutable; {@link #decode} of a point gives a value every domain contains, and
 * {@link #encode} of a configuration's values gives a point that decodes to the same values (up to
 * rounding of continuous values).
 */
final class GpEncoding {
    private final List<String> paths = new ArrayList<>();
    private final List<Domain> domains = new ArrayList<>();
    /** For each parameter its first input index; one-hot blocks span the choice count. */
    private final int[] offset;
    private final int dims;
    /** Whether input j is part of a categorical's one-hot block. */
    private final boolean[] categoricalInput;

    /** The layout of {@code space}'s domains (sample_from skipped). */
    GpEncoding(SearchSpace space) {
        space.domains().forEach((p, d) -> {
            if (!(d instanceof Domain.SampleFrom)) {
                paths.add(p);
                domains.add(d);
            }
        });
        offset = new int[domains.size()];
        int o = 0;
        for (int i = 0; i < domains.size(); i++) {
            offset[i] = o;
            o += width(domains.get(i));
        }
        dims = o;
        categoricalInput = new boolean[dims];
        for (int i = 0; i < domains.size(); i++) {
            if (Values.choices(domains.get(i)) != null) {
                for (int j = 0; j < width(domains.get(i)); j++) categoricalInput[offset[i] + j] = true;
            }
        }
    }

    private static int width(Domain d) {
        List<Object> choices = Values.choices(d);
        return choices == null ? 1 : choices.size();
    }

    /** The number of inputs. */
    int dims() {
        return dims;
    }

    /** Whether each input is part of a categorical's one-hot block (the array itself: do not modify). */
    boolean[] categoricalInput() {
        return categoricalInput;
    }

    /** The values (dotted path → value) a point of the unit cube stands for, in the space's order. */
    Map<String, Object> decode(double[] u) {
        Map<String, Object> values = new LinkedHashMap<>();
        for (int i = 0; i < domains.size(); i++) {
            Domain d = domains.get(i);
            Object v;
            List<Object> vals = Values.choices(d);
            if (vals != null) {
                int best = 0;
                for (int k = 1; k < vals.size(); k++) if (u[offset[i] + k] > u[offset[i] + best]) best = k;
                v = vals.get(best);
            } else {
                v = QmcSearcher.map(d, Math.max(0, Math.min(Math.nextDown(1.0), u[offset[i]])));
            }
            values.put(paths.get(i), v);
        }
        return values;
    }

    /** The point of the unit cube that {@code values} (dotted path → value of every parameter) stand for. */
    double[] encode(Map<String, Object> values) {
        double[] u = new double[dims];
        for (int i = 0; i < domains.size(); i++) {
            Domain d = domains.get(i);
            Object v = values.get(paths.get(i));
            List<Object> choices = Values.choices(d);
            if (choices != null) u[offset[i] + dev.gale.tune.search.internal.relative.UnitCoordinates.index(choices, v)] = 1;
            else u[offset[i]] = dev.gale.tune.search.internal.relative.UnitCoordinates.of(d, v);
        }
        return u;
    }
}
