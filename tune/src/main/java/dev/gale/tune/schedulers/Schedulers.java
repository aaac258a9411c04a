package dev.gale.tune.schedulers;

import java.util.List;
import java.util.Locale;

/**
 * Factories for the built-in {@link TrialScheduler}s with their default options, and lookup by
 * name for the CLI. Promise: every call returns a new, not yet set-up scheduler.
 */
public final class Schedulers {
    private Schedulers() {
    }

    /** The names {@link #byName} knows. */
    public static final List<String> NAMES = List.of("fifo", "asha", "median", "hyperband");

    /** {@link FifoScheduler}: never stops a trial early. */
    public static TrialScheduler fifo() {
        return new FifoScheduler();
    }

    /** {@link AshaScheduler} with Ray's defaults (maxT 100, grace 1, rf 4, 1 bracket, training_iteration). */
    public static TrialScheduler asha() {
        return AshaScheduler.builder().build();
    }

    /** {@link MedianStoppingRule} with its defaults (training_iteration, grace 1, 3 samples). */
    public static TrialScheduler median() {
        return MedianStoppingRule.builder().build();
    }

    /**
     * The scheduler called {@code name} (case-insensitive): {@code fifo}, {@code asha} or
     * {@code median}; Ray's class-like names {@code async_hyperband} and
     * {@code median_stopping_rule} are accepted too; else a user's scheduler found by
     * {@link java.util.ServiceLoader} (listed in
     * {@code META-INF/services/dev.gale.tune.schedulers.TrialScheduler}) whose {@code name()},
     * simple class name or class name matches.
     *
     * @throws IllegalArgumentException for an unknown name, listing the known ones
     */
    public static TrialScheduler byName(String name) {
        String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        return switch (n) {
            case "fifo" -> fifo();
            case "asha", "async_hyperband" -> asha();
            case "median", "median_stopping_rule" -> median();
            case "hyperband" -> HyperBandScheduler.builder().build();
            default -> dev.gale.tune.internal.Plugins.find(TrialScheduler.class, name, TrialScheduler::name, NAMES,
                    "scheduler");
        };
    }
}
