package dev.gale.tune.search.internal.tpe;

/**
 * One parameter on the model's internal scale. Numeric parameters live on {@code [low, high]}
 * (already log-transformed for log domains); {@code step > 0} makes them discrete (a grid
 * {@code low + k·step}, modelled by a discretized truncated normal), {@code step == 0}
 * continuous. Categorical parameters are indices {@code 0..nChoices-1}.
 *
 * @param categorical true for a categorical parameter
 * @param low         lowest internal value (numeric)
 * @param high        highest internal value (numeric)
 * @param step        grid step of a discrete parameter, 0 when continuous
 * @param nChoices    number of categories (categorical)
 */
public record ParamSpec(boolean categorical, double low, double high, double step, int nChoices) {
    public ParamSpec {
        if (categorical) {
            if (nChoices < 1) throw new IllegalArgumentException("a categorical parameter needs a choice");
        } else if (!(low <= high) || !(step >= 0) || (step == 0 && !(low < high))) {
            throw new IllegalArgumentException("bad numeric parameter [" + low + ", " + high + "] step " + step);
        }
    }

    /** A continuous parameter on {@code [low, high]}. */
    public static ParamSpec continuous(double low, double high) {
        return new ParamSpec(false, low, high, 0, 0);
    }

    /** A discrete parameter on the grid {@code low, low + step, ..., high}. */
    public static ParamSpec discrete(double low, double high, double step) {
        return new ParamSpec(false, low, high, step, 0);
    }

    /** A categorical parameter with {@code n} choices. */
    public static ParamSpec categorical(int n) {
        return new ParamSpec(true, 0, n - 1, 0, n);
    }

    /** The width used by the bandwidth rules: {@code high - low + step}. */
    double span() {
        return high - low + step;
    }

    /** The truncation interval's lower end ({@code low - step/2}). */
    double lo() {
        return low - step / 2;
    }

    /** The truncation interval's upper end ({@code high + step/2}). */
    double hi() {
        return high + step / 2;
    }

    /** {@code x} rounded to the grid and clipped (discrete), or clipped (continuous). */
    double snap(double x) {
        if (step > 0) {
            x = low + Math.rint((x - low) / step) * step;
        }
        return Math.min(high, Math.max(low, x));
    }
}
