/**
 * Search spaces and searchers: {@link dev.gale.tune.search.Domain} and its factories in
 * {@link dev.gale.tune.search.Domains}, the validated {@link dev.gale.tune.search.SearchSpace}
 * (from Java maps or JSON/YAML files), the {@link dev.gale.tune.search.Searcher} SPI and the
 * built-in random/grid {@link dev.gale.tune.search.BasicVariantSearcher}
 * ({@link dev.gale.tune.search.Searchers}). User documentation: {@code docs/search-and-schedulers.md}.
 */
package dev.gale.tune.search;
