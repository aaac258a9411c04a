package dev.gale.observability.plot;

/** The plots {@code gale plot} draws (the page draws them too, with slice and contour plots). */
public enum PlotKind {
    /** Every trial's value in creation order, and the best so far. */
    HISTORY,
    /** Learning curves (intermediate values) with the scheduler's decisions. */
    CURVES,
    /** Parallel coordinates of the parameters and the metric. */
    PARCOORDS,
    /** PED-ANOVA parameter importance. */
    IMPORTANCE,
    /** Two objectives with the Pareto front. */
    PARETO
}
