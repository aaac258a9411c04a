package dev.gale.observability.importance;

/**
 * The importance of one parameter.
 *
 * @param name       the parameter (its path in the config, e.g. {@code opt.lr})
 * @param importance its share of the total importance, in [0, 1] (the shares of all parameters sum to 1)
 */
public record ParamImportance(String name, double importance) {
    public ParamImportance {
        if (name == null) throw new IllegalArgumentException("name is null");
        if (!(importance >= 0 && importance <= 1 + 1e-9)) {
            throw new IllegalArgumentException("importance of " + name + " = " + importance + ": must be in [0, 1]");
        }
    }
}
