package dev.gale.observability.experiment;

/**
 * A line of a trial's {@code result.jsonl} that is not a JSON object (torn by a crash or a full
 * disk, or damaged): skipped, and shown as such.
 *
 * @param line its number in the file, from 1
 * @param text its text, cut to 200 characters
 */
public record BadLine(int line, String text) {
    /** The longest text kept. */
    public static final int MAX_TEXT = 200;

    public BadLine {
        if (line < 1) throw new IllegalArgumentException("line = " + line + ": lines are numbered from 1");
        text = text == null ? "" : text.length() > MAX_TEXT ? text.substring(0, MAX_TEXT) + "…" : text;
    }
}
