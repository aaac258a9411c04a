package dev.gale.tune.search;

/**
 * A search space (or one of its domains, or a search-space file) is not valid.
 *
 * <p>Promise: the message names the offending parameter by its dotted path (for example
 * {@code 'model.lr'}; list elements as {@code 'layers[2]'}) whenever the problem belongs to one
 * parameter, and says how to fix it. {@link #path()} returns that path, or null for a problem of
 * the whole space (for example a file that is not valid JSON).
 */
public class SearchSpaceException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final String path;
    private final String problem;

    /** A problem of the parameter at {@code path} (dotted); {@code problem} says what and how to fix it. */
    public SearchSpaceException(String path, String problem) {
        this(path, problem, null);
    }

    /** As {@link #SearchSpaceException(String, String)}, with the underlying cause. */
    public SearchSpaceException(String path, String problem, Throwable cause) {
        super(path == null ? "search space: " + problem : "search space parameter '" + path + "': " + problem, cause);
        this.path = path;
        this.problem = problem;
    }

    /** The dotted path of the offending parameter, or null when the problem is not one parameter's. */
    public String path() {
        return path;
    }

    /** The problem and its fix, without the path prefix. */
    public String problem() {
        return problem;
    }
}
