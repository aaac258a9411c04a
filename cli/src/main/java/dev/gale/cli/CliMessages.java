package dev.gale.cli;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Error messages of the Java API in the command line's words: where a message names a Java call or
 * field ("set RunConfig.storagePath", "use mode(Mode.MIN)", "numSamples = 0"), the user of
 * {@code gale} reads the option that does the same ({@code --storage-path}, {@code --mode min},
 * {@code --num-samples 0}). Applied at the CLI boundary to every message {@code gale} prints for an
 * exception, so the library keeps speaking Java to Java callers.
 *
 * <p>Promise: {@link #translate} only rewrites the phrases listed in {@link #RULES}; text it does
 * not know is returned unchanged.
 */
final class CliMessages {
    private CliMessages() {
    }

    /** A phrase of the Java API's messages and its CLI wording ({@code $1}... for regex groups). */
    record Rule(Pattern pattern, String replacement) {
        static Rule of(String regex, String replacement) {
            return new Rule(Pattern.compile(regex), replacement);
        }
    }

    /** In order: more specific phrases first. */
    static final List<Rule> RULES = List.of(
            Rule.of("set TuneConfig(?:\\.|'s )(metric|mode) or (?:\\w+\\.)?builder\\(\\)\\.(?:metric|mode)\\(\\.\\.\\.\\)", "pass --$1"),
            Rule.of("\\bAshaScheduler needs", "--scheduler asha needs"),
            Rule.of("\\bMedianStoppingRule needs", "--scheduler median needs"),
            Rule.of("\\bHyperBandScheduler needs", "--scheduler hyperband needs"),
            Rule.of("\\bGpSearcher needs", "--searcher gp needs"),
            Rule.of("set TuneConfig\\.metric to one of those", "pass one of those as --metric"),
            Rule.of("set TuneConfig\\.metric", "pass --metric"),
            Rule.of("use mode\\(Mode\\.MIN\\) or mode\\(Mode\\.MAX\\)", "pass --mode min or --mode max"),
            Rule.of("use Mode\\.MAX \\(higher is better\\) or Mode\\.MIN", "use --mode max (higher is better) or --mode min"),
            Rule.of("pass mode\\(Mode\\.(MIN|MAX)\\)", "pass --mode $1"),
            Rule.of("choose another RunConfig name", "choose another --name"),
            Rule.of("set RunConfig\\.storagePath to a writable directory", "pass --storage-path with a writable directory"),
            Rule.of("set RunConfig\\.storagePath", "pass another --storage-path"),
            Rule.of("lower TuneConfig resources", "lower --cpus, --gpus or --gpu-memory"),
            Rule.of("RunConfig\\.pendingTimeout", "the pending timeout"),
            Rule.of("RunConfig\\.stopOnGpuMemoryOverBudget is on", "--stop-on-gpu-memory-over-budget is on"),
            Rule.of("with RunConfig isolation PROCESS", "with --isolation process"),
            Rule.of("but TuneConfig has '", "but this run has '"),
            Rule.of("pass the same kind of searcher", "pass the same --searcher"),
            Rule.of("pass the same kind of scheduler", "pass the same --scheduler"),
            Rule.of("\\brestore\\(([^)]*)\\)", "--resume $1"),
            Rule.of("\\bnumSamples = ", "--num-samples "),
            Rule.of("\\bmaxConcurrentTrials = ", "--max-concurrent "),
            Rule.of("\\bmaxFailures = ", "--max-failures "),
            Rule.of("\\btimeBudget = ", "--time-budget "),
            Rule.of("\\bmaxIterations = ", "--max-iterations "),
            Rule.of("\\bgpuMemoryBytes = ", "--gpu-memory "),
            Rule.of("\\bgpus = ", "--gpus "),
            Rule.of("\\bcpus = ", "--cpus "),
            Rule.of("\\bmode = '", "--mode '"),
            Rule.of("the builder has", "this run has"));

    /** {@code message} with every known Java phrase replaced by its CLI wording; null stays null. */
    static String translate(String message) {
        if (message == null) return null;
        String m = message;
        for (Rule r : RULES) {
            Matcher x = r.pattern().matcher(m);
            if (x.find()) m = x.replaceAll(r.replacement());
        }
        return m;
    }
}
