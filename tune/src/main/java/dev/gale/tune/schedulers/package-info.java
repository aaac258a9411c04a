/**
 * Trial schedulers: the {@link dev.gale.tune.schedulers.TrialScheduler} SPI and its
 * {@link dev.gale.tune.schedulers.Decision}s, with the built-in
 * {@link dev.gale.tune.schedulers.FifoScheduler}, {@link dev.gale.tune.schedulers.AshaScheduler}
 * and {@link dev.gale.tune.schedulers.MedianStoppingRule} ({@link dev.gale.tune.schedulers.Schedulers}).
 * User documentation: {@code docs/search-and-schedulers.md}.
 */
package dev.gale.tune.schedulers;
