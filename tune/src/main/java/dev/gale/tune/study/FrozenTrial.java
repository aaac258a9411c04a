package dev.gale.tune.study;

import java.util.Map;

/**
 * A finished trial of a {@link Study}.
 *
 * @param id     the trial id
 * @param params its parameters
 * @param value  the objective value (null when it failed, was pruned before a value, or is running)
 * @param state  COMPLETE, PRUNED or FAIL
 * @param error  the cause of a failure, else null
 */
public record FrozenTrial(String id, Map<String, Object> params, Double value, State state, String error) {
    /** How a study trial ended. */
    public enum State { COMPLETE, PRUNED, FAIL }
}
