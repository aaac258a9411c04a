package dev.gale.tune.internal;

import dev.gale.cluster.ClusterMessage;

/**
 * The controller's answer to one batch of results, sent to the trial's inbox.
 *
 * @param stop true when the trial must stop (scheduler, stop condition, budget or an error)
 */
public record RunnerAck(boolean stop) implements ClusterMessage {
}
