package dev.gale.tune.storage.internal;

/** The text of {@code error.txt}: one block per failed attempt, each starting {@code === attempt N ===}. */
public final class ErrorText {
    private ErrorText() {
    }

    /** The first line of the last block's text (the cause of the last failed attempt), or null. */
    public static String lastCause(String text) {
        if (text == null || text.isEmpty()) return null;
        int at = text.lastIndexOf("=== attempt ");
        String block = at < 0 ? text : text.substring(at);
        String[] lines = block.split("\n", -1);
        int first = at < 0 ? 0 : 1;
        for (int i = first; i < lines.length; i++) if (!lines[i].isBlank()) return lines[i];
        return null;
    }

    /** The first line of the first block's text, as {@code ResultGrid} has always shown it (the line after the header). */
    public static String firstCause(String text) {
        if (text == null || text.isEmpty()) return null;
        String[] lines = text.split("\n");
        return lines.length > 1 ? lines[1] : String.join(" ", lines);
    }
}
