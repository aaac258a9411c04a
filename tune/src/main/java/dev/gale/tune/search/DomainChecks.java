package dev.gale.tune.search;

import java.util.List;

/** Parameter checks shared by the {@link Domain} records. Not API. */
final class DomainChecks {
    private DomainChecks() {
    }

    static void range(String path, String kind, double low, double high) {
        if (!Double.isFinite(low) || !Double.isFinite(high)) {
            throw new SearchSpaceException(path, kind + " bounds must be finite numbers, got low = " + low + ", high = " + high
                    + ": give finite bounds");
        }
        if (!(low < high)) {
            throw new SearchSpaceException(path, kind + " needs low < high, got low = " + low + ", high = " + high
                    + (low > high ? ": swap them" : ": for a single value use a constant"));
        }
        if (!Double.isFinite(high - low)) {
            throw new SearchSpaceException(path, kind + " range [" + low + ", " + high + "] is too wide: narrow it");
        }
    }

    static void positiveLow(String path, String kind, double low) {
        if (!(low > 0)) {
            throw new SearchSpaceException(path, kind + " needs low > 0 (it samples the logarithm), got low = " + low
                    + ": use a positive low such as 1e-6, or uniform");
        }
    }

    static void quantum(String path, String kind, double low, double high, double q) {
        if (!(q > 0) || !Double.isFinite(q)) {
            throw new SearchSpaceException(path, kind + " needs a finite q > 0, got q = " + q + ": give the step, e.g. 0.1");
        }
        if (Math.abs(low / q) > 1e15 || Math.abs(high / q) > 1e15) {
            throw new SearchSpaceException(path, kind + " q = " + q + " is too small for [" + low + ", " + high
                    + "]: use a larger q");
        }
        if (Values.lowestMultiple(low, q) > Values.highestMultiple(high, q)) {
            throw new SearchSpaceException(path, kind + " has no multiple of q = " + q + " in [" + low + ", " + high
                    + "]: widen the range or use a smaller q");
        }
    }

    static void values(String path, String kind, List<Object> values) {
        if (values == null || values.isEmpty()) {
            throw new SearchSpaceException(path, kind + " has no values: give at least one");
        }
        for (int i = 0; i < values.size(); i++) {
            Values.freeze(path + "[" + i + "]", values.get(i));
        }
    }

    static boolean listContains(List<Object> values, Object v) {
        for (int i = 0, n = values.size(); i < n; i++) {
            if (Values.plainEquals(values.get(i), v)) return true;
        }
        return false;
    }
}
