/**
 * Unit-testing a {@link dev.gale.tune.Trainable} without a cluster:
 * {@link dev.gale.tune.testing.TestTrialContext} runs it with the trial context's real behaviour
 * (iteration numbering, checkpoint copies, metric validation, stop semantics) and records what it
 * reports.
 */
package dev.gale.tune.testing;
